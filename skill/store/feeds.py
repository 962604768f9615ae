"""Secret calendar-feed tokens: one per recipient, stored only as a hash, revocable.

A calendar app fetches the feed without signing in, so the URL itself is the credential. The store keeps a
SHA-256 of the token (a leaked database does not leak working URLs); issuing a new token revokes the old.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from datetime import datetime


class FeedStore(ABC):
    @abstractmethod
    def put_feed_token(self, recipient_id: str, token_hash: str, created_at: datetime) -> None:
        """Make `token_hash` the recipient's one feed token; any earlier token stops working first."""

    @abstractmethod
    def recipient_for_feed_token(self, token_hash: str) -> str | None:
        """The recipient a live token belongs to, or None (unknown or revoked). One read."""

    @abstractmethod
    def feed_token_created(self, recipient_id: str) -> datetime | None:
        """When the recipient's live token was issued, or None when there is none. One read."""

    @abstractmethod
    def revoke_feed_token(self, recipient_id: str) -> bool:
        """Stop the recipient's token working; True when there was one."""
