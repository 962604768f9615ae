"""Slowing down password guessing without handing anyone a way to lock the real owner out.

Failed sign-ins are counted per (email, client address), never per account alone: a stranger who knows an
email can only lock *their own* address out of it, while the owner, elsewhere, signs in as usual. The lock
grows with each further failure (1, 2, 4 ... minutes, up to a ceiling). Unknown emails are counted exactly
like known ones, so the answers (and their timing) do not reveal which emails have accounts. The counters
live in the store, so every web process and Lambda container sees the same counts. Keys hold a hash, never
the email itself.
"""

from __future__ import annotations

import hashlib
import ipaddress
from dataclasses import dataclass
from datetime import datetime, timedelta

from skill.store.ratelimit import RateLimitStore

FAILURE_MEMORY = timedelta(hours=24)  # failures are forgotten a day after the first of them
FIRST_LOCK = timedelta(minutes=1)


def client_key(address: str | None) -> str:
    """An IPv6 client gets a whole /64 from its provider, so it is counted as one client, not 2**64."""
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return address or "unknown"
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def subject_key(kind: str, *parts: str) -> str:
    """A counter key that names no one: the kind in clear, the rest (an email, an address) hashed."""
    digest = hashlib.sha256("\x1f".join(p.strip().casefold() for p in parts).encode()).hexdigest()[:32]
    return f"{kind}:{digest}"


@dataclass(frozen=True)
class SignInThrottle:
    store: RateLimitStore
    free_failures: int = 5  # the fifth failure in a row from one client starts the first lock
    longest_lock: timedelta = timedelta(minutes=15)

    def _keys(self, email: str, client: str | None) -> tuple[str, str]:
        who = client_key(client)
        return subject_key("signin-fail", email, who), subject_key("signin-lock", email, who)

    def locked_for(self, email: str, client: str | None, now: datetime) -> timedelta | None:
        """How long this client must still wait before trying this email again, or None."""
        lock = self.store.rate_peek(self._keys(email, client)[1], now)
        return lock.ends_at - now if lock is not None else None

    def failed(self, email: str, client: str | None, now: datetime) -> timedelta | None:
        """Count a failure; the lock it starts, if any (each failure past the free ones doubles it)."""
        fail_key, lock_key = self._keys(email, client)
        failures = self.store.rate_hit(fail_key, FAILURE_MEMORY, now).count
        if failures < self.free_failures:
            return None
        lock = min(FIRST_LOCK * 2 ** min(failures - self.free_failures, 20), self.longest_lock)
        return self.store.rate_hit(lock_key, lock, now).ends_at - now

    def succeeded(self, email: str, client: str | None) -> None:
        for key in self._keys(email, client):
            self.store.rate_clear(key)
