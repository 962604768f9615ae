"""The SQLite file: one connection per thread, WAL, and per-area versioned migrations.

WAL lets the web server's threads read while the sweeper writes; `BEGIN IMMEDIATE` takes the write lock
up front so two writers queue (busy_timeout) instead of failing half-way. Inside a voice turn the wait for
the lock is cut to the turn's remaining time (`skill.deadline`): a lock held for ten seconds by a backup or
a stuck writer must end in a kind "try again" before Alexa gives up, not in silence. Each area keeps its own
list of migrations, so the areas' schemas evolve independently; applied versions are recorded per area.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from skill import deadline

BUSY_TIMEOUT_MS = 10_000
LOCK_WAIT_STEP_MS = 50
MIN_LOCK_WAIT_MS = 50  # with less than this left in a turn, waiting for the lock cannot end in an answer


class SqliteBase:
    """Connection handling shared by every area mixin."""

    migrations: Sequence[tuple[str, Sequence[str]]] = ()

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()

    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False,
                                   timeout=BUSY_TIMEOUT_MS / 1000)
            conn.row_factory = sqlite3.Row
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = ON")
            self._local.conn = conn
            self._local.busy_ms = BUSY_TIMEOUT_MS
            with self._lock:
                self._all.append(conn)
        return conn

    def _bound_lock_wait(self, conn: sqlite3.Connection) -> None:
        """Wait for another writer no longer than the turn has left (the full busy timeout outside a turn)."""
        wait_ms = int(deadline.bounded(BUSY_TIMEOUT_MS / 1000, at_least=MIN_LOCK_WAIT_MS / 1000) * 1000)
        # In steps of 50 ms, rounded down: a turn's budget shrinks on every read, and re-setting the pragma
        # each time was a statement per query for nothing.
        wait_ms = max(MIN_LOCK_WAIT_MS, wait_ms - wait_ms % LOCK_WAIT_STEP_MS)
        if wait_ms != self._local.busy_ms:
            conn.execute(f"PRAGMA busy_timeout = {wait_ms}")
            self._local.busy_ms = wait_ms

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction: all or nothing, serialised against other writers."""
        conn = self._conn()
        self._bound_lock_wait(conn)
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            if conn.in_transaction:  # SQLite may already have rolled back (a full disk, an I/O error)
                conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    @contextmanager
    def snapshot(self) -> Iterator[sqlite3.Connection]:
        """Several reads that see one consistent state (a read transaction; nests inside another one)."""
        conn = self._conn()
        if conn.in_transaction:
            yield conn
            return
        self._bound_lock_wait(conn)  # a WAL reader waits only while a checkpoint or recovery holds the file
        conn.execute("BEGIN")
        try:
            yield conn
        finally:
            conn.execute("COMMIT")

    def query(self, sql: str, params: Sequence[object] = ()) -> list[sqlite3.Row]:
        conn = self._conn()
        if not conn.in_transaction:
            self._bound_lock_wait(conn)
        return conn.execute(sql, params).fetchall()

    def init(self) -> None:
        with self.transaction() as conn:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " area TEXT NOT NULL, version INTEGER NOT NULL, PRIMARY KEY (area, version))"
            )
            for area, steps in self.migrations:
                done = {row[0] for row in conn.execute(
                    "SELECT version FROM schema_migrations WHERE area = ?", (area,))}
                for version, sql in enumerate(steps, start=1):
                    if version in done:
                        continue
                    for statement in (s for s in sql.split(";") if s.strip()):
                        conn.execute(statement)
                    conn.execute("INSERT INTO schema_migrations (area, version) VALUES (?, ?)", (area, version))

    def schema_versions(self) -> dict[str, int]:
        rows = self.query("SELECT area, MAX(version) FROM schema_migrations GROUP BY area")
        return {str(r[0]): int(r[1]) for r in rows}

    def close(self) -> None:
        with self._lock:
            for conn in self._all:
                conn.close()
            self._all.clear()
        self._local = threading.local()
