"""The alerts area in SQLite: contacts, outbox, missed-dose watches and the sweep checkpoint.

Marking a dose missed and recording its alerts share one `BEGIN IMMEDIATE` transaction, which is the
SQLite form of DynamoDB's conditional transaction: of two concurrent sweeps, the second finds the dose no
longer pending and records nothing.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from skill.domain.alerts import DeliveryState, OutboxItem
from skill.domain.models import Contact, Dose
from skill.store import alerts_codec as alert_codec
from skill.store import codec
from skill.store.alerts import AlertStore, WatchedDose
from skill.store.bad_rows import decode_each
from skill.store.rollups import SweepPerson
from skill.store.sqlite.connection import SqliteBase
from skill.store.sqlite.core import MARK_MISSED

MIGRATIONS: list[str] = [
    """
    CREATE TABLE contacts (
        recipient_id TEXT NOT NULL, id TEXT NOT NULL, priority INTEGER NOT NULL, created_at TEXT NOT NULL,
        data TEXT NOT NULL, PRIMARY KEY (recipient_id, id));
    CREATE TABLE outbox (
        key TEXT PRIMARY KEY, recipient_id TEXT NOT NULL, subject_id TEXT NOT NULL, state TEXT NOT NULL,
        created_at TEXT NOT NULL, next_attempt_at TEXT NOT NULL, data TEXT NOT NULL);
    CREATE INDEX outbox_open_by_time ON outbox (next_attempt_at) WHERE state IN ('pending', 'sending');
    CREATE INDEX outbox_by_subject ON outbox (recipient_id, subject_id);
    CREATE INDEX outbox_by_recipient ON outbox (recipient_id, created_at);
    CREATE INDEX outbox_by_created ON outbox (created_at);
    CREATE TABLE missed_watches (
        recipient_id TEXT NOT NULL, dose_id TEXT NOT NULL, missed_at TEXT NOT NULL,
        PRIMARY KEY (recipient_id, dose_id));
    CREATE TABLE sweep_checkpoint (id INTEGER PRIMARY KEY CHECK (id = 1), swept_until TEXT NOT NULL)
    """,
]

_OPEN = (DeliveryState.PENDING.value, DeliveryState.SENDING.value)


def _item(row: object) -> OutboxItem:
    return alert_codec.outbox_from_dict(json.loads(dict(row)["data"]))  # type: ignore[call-overload]


def _key(row: object) -> str:
    """An outbox row's key: dose id, kind and contact id (no health data)."""
    return str(dict(row).get("key"))  # type: ignore[call-overload]


def _insert_alerts(conn: object, alerts: Sequence[OutboxItem]) -> int:
    new = 0
    for item in alerts:
        cur = conn.execute(  # type: ignore[attr-defined]
            "INSERT INTO outbox (key, recipient_id, subject_id, state, created_at, next_attempt_at, data)"
            " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING",
            (item.key, item.recipient_id, item.subject_id, item.state.value, codec.utc_text(item.created_at),
             codec.utc_text(item.next_attempt_at), json.dumps(alert_codec.outbox_to_dict(item))),
        )
        new += cur.rowcount
    return new


class SqliteAlerts(SqliteBase, AlertStore):
    # -- contacts -----------------------------------------------------------------------------------
    def put_contact(self, contact: Contact) -> None:
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO contacts (recipient_id, id, priority, created_at, data) VALUES (?, ?, ?, ?, ?)"
                " ON CONFLICT (recipient_id, id) DO UPDATE SET priority = excluded.priority,"
                " data = excluded.data",
                (contact.recipient_id, contact.id, contact.priority, codec.utc_text(contact.created_at),
                 json.dumps(alert_codec.contact_to_dict(contact))),
            )

    def list_contacts(self, recipient_id: str) -> list[Contact]:
        rows = self.query(
            "SELECT data FROM contacts WHERE recipient_id = ? ORDER BY priority, created_at, id",
            (recipient_id,))
        return [alert_codec.contact_from_dict(json.loads(r["data"])) for r in rows]

    def delete_contact(self, recipient_id: str, contact_id: str) -> bool:
        with self.transaction() as conn:
            cur = conn.execute("DELETE FROM contacts WHERE recipient_id = ? AND id = ?",
                               (recipient_id, contact_id))
            return cur.rowcount == 1

    # -- the sweep ----------------------------------------------------------------------------------
    def sweep_checkpoint(self) -> datetime | None:
        rows = self.query("SELECT swept_until FROM sweep_checkpoint WHERE id = 1")
        return codec.parse_utc(rows[0][0]) if rows else None

    def advance_sweep_checkpoint(self, to: datetime) -> None:
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO sweep_checkpoint (id, swept_until) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET"
                " swept_until = excluded.swept_until WHERE excluded.swept_until > swept_until",
                (codec.utc_text(to),),
            )

    def mark_missed_with_alerts(self, dose: Dose, alerts: Sequence[OutboxItem], now: datetime,
                                person: SweepPerson | None = None) -> bool:
        with self.transaction() as conn:
            cur = conn.execute(MARK_MISSED, (dose.recipient_id, dose.id))
            if cur.rowcount != 1:
                return False
            _insert_alerts(conn, alerts)
            conn.execute("INSERT INTO missed_watches (recipient_id, dose_id, missed_at) VALUES (?, ?, ?)"
                         " ON CONFLICT DO NOTHING", (dose.recipient_id, dose.id, codec.utc_text(now)))
            return True

    def watched_doses(self, limit: int = 1000) -> list[WatchedDose]:
        from skill.store.sqlite.core import _dose_row  # the core's row decoding, shared, not copied

        rows = self.query(
            "SELECT d.*, w.missed_at AS watch_missed_at FROM missed_watches w JOIN doses d"
            " ON d.recipient_id = w.recipient_id AND d.id = w.dose_id ORDER BY w.missed_at LIMIT ?",
            (limit,),
        )
        return decode_each(
            rows, lambda r: WatchedDose(dose=_dose_row(r), missed_at=codec.parse_utc(r["watch_missed_at"])),
            lambda r: f"{r['recipient_id']}/{r['id']}", "watched dose")

    def settle_watch(self, dose: Dose, alerts: Sequence[OutboxItem]) -> bool:
        with self.transaction() as conn:
            cur = conn.execute("DELETE FROM missed_watches WHERE recipient_id = ? AND dose_id = ?",
                               (dose.recipient_id, dose.id))
            if cur.rowcount != 1:
                return False
            _insert_alerts(conn, alerts)
            return True

    # -- the outbox ---------------------------------------------------------------------------------
    def enqueue_alerts(self, alerts: Sequence[OutboxItem]) -> int:
        with self.transaction() as conn:
            return _insert_alerts(conn, alerts)

    def alerts_about(self, recipient_id: str, subject_id: str) -> list[OutboxItem]:
        rows = self.query("SELECT data FROM outbox WHERE recipient_id = ? AND subject_id = ? ORDER BY key",
                          (recipient_id, subject_id))
        return [_item(r) for r in rows]

    def due_alerts(self, now: datetime, limit: int = 500) -> list[OutboxItem]:
        rows = self.query(
            "SELECT key, data FROM outbox WHERE state IN (?, ?) AND next_attempt_at <= ?"
            " ORDER BY next_attempt_at, key LIMIT ?",
            (*_OPEN, codec.utc_text(now), limit),
        )
        return decode_each(rows, _item, _key, "outbox")

    def claim_alert(self, item: OutboxItem, now: datetime, lease_until: datetime) -> OutboxItem | None:
        with self.transaction() as conn:
            row = conn.execute(
                "SELECT data FROM outbox WHERE key = ? AND state IN (?, ?) AND next_attempt_at <= ?",
                (item.key, *_OPEN, codec.utc_text(now)),
            ).fetchone()
            if row is None:
                return None
            current = _item(row)


            claimed = replace(current, state=DeliveryState.SENDING, next_attempt_at=lease_until)
            self._write(conn, claimed)
            return claimed

    @staticmethod
    def _write(conn: object, item: OutboxItem) -> None:
        conn.execute(  # type: ignore[attr-defined]
            "UPDATE outbox SET state = ?, next_attempt_at = ?, data = ? WHERE key = ?",
            (item.state.value, codec.utc_text(item.next_attempt_at),
             json.dumps(alert_codec.outbox_to_dict(item)), item.key),
        )

    def record_attempt(self, item: OutboxItem) -> None:
        with self.transaction() as conn:
            self._write(conn, item)

    def cancel_alert(self, item: OutboxItem, now: datetime) -> bool:


        with self.transaction() as conn:
            row = conn.execute("SELECT data FROM outbox WHERE key = ? AND state = ?",
                               (item.key, DeliveryState.PENDING.value)).fetchone()
            if row is None:
                return False
            self._write(conn, replace(_item(row), state=DeliveryState.CANCELLED, next_attempt_at=now))
            return True

    def list_alerts(self, recipient_id: str | None = None, limit: int = 200) -> list[OutboxItem]:
        if recipient_id is None:
            rows = self.query("SELECT key, data FROM outbox ORDER BY created_at DESC, key LIMIT ?", (limit,))
        else:
            rows = self.query(
                "SELECT key, data FROM outbox WHERE recipient_id = ? ORDER BY created_at DESC, key LIMIT ?",
                (recipient_id, limit))
        return decode_each(rows, _item, _key, "outbox")



