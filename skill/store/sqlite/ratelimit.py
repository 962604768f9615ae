"""Rate-limit counters in SQLite: one row per key, hit with a single upsert so concurrent threads and
processes on the same file count together."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from skill.store.ratelimit import RateLimitStore, Window
from skill.store.sqlite.connection import SqliteBase

MIGRATIONS: list[str] = [
    """
    CREATE TABLE rate_limits (key TEXT PRIMARY KEY, hits INTEGER NOT NULL, ends_at REAL NOT NULL);
    CREATE INDEX rate_limits_by_end ON rate_limits (ends_at)
    """,
]


def _window(hits: int, ends_at: float) -> Window:
    return Window(count=int(hits), ends_at=datetime.fromtimestamp(float(ends_at), UTC))


class SqliteRateLimits(SqliteBase, RateLimitStore):
    def rate_hit(self, key: str, window: timedelta, now: datetime, amount: int = 1) -> Window:
        at = now.timestamp()
        with self.transaction() as conn:
            # In an UPDATE every expression sees the old row, so both CASEs test the old window's end.
            row = conn.execute(
                "INSERT INTO rate_limits (key, hits, ends_at) VALUES (?, ?, ?)"
                " ON CONFLICT (key) DO UPDATE SET"
                " hits = CASE WHEN ends_at <= ? THEN excluded.hits ELSE hits + excluded.hits END,"
                " ends_at = CASE WHEN ends_at <= ? THEN excluded.ends_at ELSE ends_at END"
                " RETURNING hits, ends_at",
                (key, amount, at + window.total_seconds(), at, at)).fetchone()
            conn.execute("DELETE FROM rate_limits WHERE ends_at <= ?", (at,))  # indexed: only dead rows
        return _window(row[0], row[1])

    def rate_peek(self, key: str, now: datetime) -> Window | None:
        rows = self.query("SELECT hits, ends_at FROM rate_limits WHERE key = ? AND ends_at > ?",
                          (key, now.timestamp()))
        return _window(rows[0][0], rows[0][1]) if rows else None

    def rate_clear(self, key: str) -> None:
        with self.transaction() as conn:
            conn.execute("DELETE FROM rate_limits WHERE key = ?", (key,))
