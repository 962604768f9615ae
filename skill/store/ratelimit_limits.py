"""The store's rate-limit counters as a `limits` storage, so flask-limiter counts in the store.

`limits` finds storages by URI scheme: `Limiter(storage_uri="dosekeeper://", storage_options={"store": ...,
"clock": ...})`. Only the fixed-window strategy is supported (it needs `incr`, `get` and `get_expiry`), which
is the one flask-limiter uses by default. Counters then hold across processes and Lambda containers,
where `memory://` counted in each container on its own.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from limits.storage import Storage

from skill.domain.models import utcnow
from skill.store.ratelimit import RateLimitStore

SCHEME = "dosekeeper"


def _key(key: str) -> str:
    """flask-limiter's keys carry the client address; the store keeps only a hash of them."""
    return "limit:" + hashlib.sha256(key.encode()).hexdigest()[:32]


class StoreLimitsStorage(Storage):
    STORAGE_SCHEME = [SCHEME]  # noqa: RUF012 - limits reads it from the class when registering

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, *, store: RateLimitStore,
                 clock: Callable[[], datetime] = utcnow, **options: Any) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions)
        self.store = store
        self.clock = clock

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return (sqlite3.Error, ClientError, BotoCoreError)

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        return self.store.rate_hit(_key(key), timedelta(seconds=expiry), self.clock(), amount).count

    def get(self, key: str) -> int:
        window = self.store.rate_peek(_key(key), self.clock())
        return window.count if window is not None else 0

    def get_expiry(self, key: str) -> float:
        now = self.clock()
        window = self.store.rate_peek(_key(key), now)
        return (window.ends_at if window is not None else now).timestamp()

    def check(self) -> bool:
        return True

    def reset(self) -> int | None:
        return None  # counters expire by themselves; there is no "forget every limit" operation

    def clear(self, key: str) -> None:
        self.store.rate_clear(_key(key))
