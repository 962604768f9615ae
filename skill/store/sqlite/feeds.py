"""Calendar-feed tokens in SQLite (one row per recipient; the hash is unique)."""

from __future__ import annotations

from datetime import datetime

from skill.store import codec
from skill.store.feeds import FeedStore
from skill.store.sqlite.connection import SqliteBase

MIGRATIONS: list[str] = [
    """
    CREATE TABLE feed_tokens (
        recipient_id TEXT PRIMARY KEY, token_hash TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL)
    """,
]


class SqliteFeeds(SqliteBase, FeedStore):
    def put_feed_token(self, recipient_id: str, token_hash: str, created_at: datetime) -> None:
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO feed_tokens (recipient_id, token_hash, created_at) VALUES (?, ?, ?)"
                " ON CONFLICT (recipient_id) DO UPDATE SET token_hash = excluded.token_hash,"
                " created_at = excluded.created_at",
                (recipient_id, token_hash, codec.utc_text(created_at)))

    def recipient_for_feed_token(self, token_hash: str) -> str | None:
        rows = self.query("SELECT recipient_id FROM feed_tokens WHERE token_hash = ?", (token_hash,))
        return str(rows[0]["recipient_id"]) if rows else None

    def feed_token_created(self, recipient_id: str) -> datetime | None:
        rows = self.query("SELECT created_at FROM feed_tokens WHERE recipient_id = ?", (recipient_id,))
        return codec.parse_utc(str(rows[0]["created_at"])) if rows else None

    def revoke_feed_token(self, recipient_id: str) -> bool:
        with self.transaction() as conn:
            return conn.execute("DELETE FROM feed_tokens WHERE recipient_id = ?", (recipient_id,)).rowcount == 1
