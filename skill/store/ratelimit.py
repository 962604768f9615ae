"""Rate-limit counters kept in the store, so every web process and Lambda container counts together.

A counter is a fixed window: the first hit on a key (or the first after its window ended) opens a window of
the given length; later hits in it add to the count. Expired counters read as absent and are removed in
passing (SQLite) or by the table's TTL (DynamoDB). Keys are opaque to the store; callers put no email or
name in them (hash them first), because keys can end up in a table dump.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Window:
    """A counter's current window: how many hits so far and when the window ends."""

    count: int
    ends_at: datetime


class RateLimitStore(ABC):
    @abstractmethod
    def rate_hit(self, key: str, window: timedelta, now: datetime, amount: int = 1) -> Window:
        """Add `amount` to the key's counter atomically, opening a new window of `window` when there is none
        live at `now`; the window as it is afterwards. One conditional write (two when a window opens)."""

    @abstractmethod
    def rate_peek(self, key: str, now: datetime) -> Window | None:
        """The key's live window, or None when there is none. One read."""

    @abstractmethod
    def rate_clear(self, key: str) -> None:
        """Forget the key's counter (a successful sign-in forgets that client's failures)."""
