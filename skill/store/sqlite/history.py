"""Care events, heard names and undoing a log in SQLite.

Re-opening a dose is one UPDATE whose WHERE clause is the whole condition (still this status, still this
`logged_at`), inside the same transaction as the pill count, so a second undo or an undo racing a new log
changes nothing. The dose's JSON `data` is rewritten by the same statement, so it never disagrees with its
columns.
"""

from __future__ import annotations

import json
from datetime import datetime

from skill.domain.events import CareEvent, HeardName
from skill.domain.models import Dose
from skill.store import codec
from skill.store.history import HistoryStore
from skill.store.history_codec import (
    HEARD_KEPT,
    HEARD_LIMIT,
    event_from_dict,
    event_time,
    event_to_dict,
    heard_from_dict,
    heard_key,
)
from skill.store.sqlite.connection import SqliteBase

MIGRATIONS: list[str] = [
    """
    CREATE TABLE events (
        id TEXT PRIMARY KEY, recipient_id TEXT NOT NULL, at TEXT NOT NULL, data TEXT NOT NULL);
    CREATE INDEX events_by_recipient_at ON events (recipient_id, at);
    CREATE TABLE heard_names (
        recipient_id TEXT NOT NULL, heard TEXT NOT NULL, first_at TEXT NOT NULL, last_at TEXT NOT NULL,
        times INTEGER NOT NULL, PRIMARY KEY (recipient_id, heard));
    CREATE INDEX heard_names_by_recipient_last ON heard_names (recipient_id, last_at)
    """,
]

_REOPEN = (
    "UPDATE doses SET status = 'pending', logged_at = NULL, source = NULL,"
    " data = json_set(data, '$.status', 'pending', '$.logged_at', NULL, '$.source', NULL)"
    " WHERE recipient_id = ? AND id = ? AND status = ? AND logged_at IS ?"
)


class SqliteHistory(SqliteBase, HistoryStore):
    # -- care events ----------------------------------------------------------------------------------
    def append_event(self, event: CareEvent) -> None:
        with self.transaction() as conn:
            conn.execute("INSERT INTO events (id, recipient_id, at, data) VALUES (?, ?, ?, ?)"
                         " ON CONFLICT (id) DO NOTHING",
                         (event.id, event.recipient_id, event_time(event.at), json.dumps(event_to_dict(event))))

    def list_events(self, recipient_id: str, start: datetime, end: datetime) -> list[CareEvent]:
        rows = self.query("SELECT data FROM events WHERE recipient_id = ? AND at >= ? AND at < ?"
                          " ORDER BY at DESC, id DESC",
                          (recipient_id, event_time(start), event_time(end)))
        return [event_from_dict(json.loads(r["data"])) for r in rows]

    # -- undoing a log --------------------------------------------------------------------------------
    def reopen_dose(self, dose: Dose, pill_delta: int = 0) -> bool:
        if not dose.status.is_logged:  # only a log can be undone; pending or missed has nothing to reopen
            return False
        with self.transaction() as conn:
            reopened = conn.execute(_REOPEN, (dose.recipient_id, dose.id, dose.status.value,
                                              codec.opt_utc_text(dose.logged_at))).rowcount == 1
            if reopened and pill_delta:
                conn.execute("UPDATE medications SET pill_count = MAX(pill_count + ?, 0)"
                             " WHERE id = ? AND recipient_id = ? AND pill_count IS NOT NULL",
                             (pill_delta, dose.medication_id, dose.recipient_id))
        return reopened

    # -- heard names ----------------------------------------------------------------------------------
    def note_heard_name(self, recipient_id: str, heard: str, at: datetime) -> None:
        key = heard_key(heard)
        if not key:
            return
        when = codec.utc_text(at)
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO heard_names (recipient_id, heard, first_at, last_at, times) VALUES (?, ?, ?, ?, 1)"
                " ON CONFLICT (recipient_id, heard) DO UPDATE SET times = times + 1,"
                " last_at = excluded.last_at",
                (recipient_id, key, when, when))
            conn.execute(
                "DELETE FROM heard_names WHERE recipient_id = ? AND (last_at < ? OR heard NOT IN ("
                " SELECT heard FROM heard_names WHERE recipient_id = ? ORDER BY last_at DESC, heard LIMIT ?))",
                (recipient_id, codec.utc_text(at - HEARD_KEPT), recipient_id, HEARD_LIMIT))

    def list_heard_names(self, recipient_id: str) -> list[HeardName]:
        rows = self.query("SELECT * FROM heard_names WHERE recipient_id = ? ORDER BY last_at DESC, heard LIMIT ?",
                          (recipient_id, HEARD_LIMIT))
        return [heard_from_dict(dict(r)) for r in rows]

    def forget_heard_name(self, recipient_id: str, heard: str) -> bool:
        with self.transaction() as conn:
            return conn.execute("DELETE FROM heard_names WHERE recipient_id = ? AND heard = ?",
                                (recipient_id, heard_key(heard))).rowcount == 1

