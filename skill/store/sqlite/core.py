"""Recipients, medications, doses and link codes in SQLite."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from skill.domain.models import Dose, DoseStatus, LinkCode, LogSource, Medication, Recipient
from skill.store import codec
from skill.store.bad_rows import decode_each
from skill.store.core import CoreStore, LogOutcome, RecipientView
from skill.store.sqlite.connection import SqliteBase

MIGRATIONS: list[str] = [
    """
    CREATE TABLE recipients (
        id TEXT PRIMARY KEY, organisation TEXT NOT NULL, name_key TEXT NOT NULL, data TEXT NOT NULL);
    CREATE INDEX recipients_by_org ON recipients (organisation, name_key);
    CREATE TABLE medications (
        id TEXT PRIMARY KEY, recipient_id TEXT NOT NULL REFERENCES recipients (id),
        name_key TEXT NOT NULL, active INTEGER NOT NULL, pill_count INTEGER,
        planned_until TEXT, data TEXT NOT NULL);
    CREATE INDEX medications_by_recipient ON medications (recipient_id, name_key);
    CREATE INDEX medications_by_plan ON medications (planned_until) WHERE active = 1;
    CREATE TABLE doses (
        recipient_id TEXT NOT NULL, id TEXT NOT NULL, medication_id TEXT NOT NULL,
        due_utc TEXT NOT NULL, status TEXT NOT NULL, logged_at TEXT, source TEXT, data TEXT NOT NULL,
        PRIMARY KEY (recipient_id, id));
    CREATE INDEX doses_by_recipient_due ON doses (recipient_id, due_utc);
    CREATE INDEX doses_pending_by_due ON doses (due_utc) WHERE status = 'pending';
    CREATE TABLE link_codes (
        code TEXT PRIMARY KEY, recipient_id TEXT NOT NULL, expires_at TEXT NOT NULL, used_at TEXT);
    CREATE INDEX link_codes_by_recipient ON link_codes (recipient_id)
    """,
    # 2: a dose's own fields as columns, so reading 90 days of doses for a cohort decodes no JSON
    """
    ALTER TABLE doses ADD COLUMN medication_name TEXT;
    ALTER TABLE doses ADD COLUMN tz TEXT;
    ALTER TABLE doses ADD COLUMN quantity INTEGER;
    UPDATE doses SET medication_name = json_extract(data, '$.medication_name'), tz = json_extract(data, '$.tz'),
                     quantity = json_extract(data, '$.quantity')
    """,
]

_LOGGABLE = (DoseStatus.PENDING.value, DoseStatus.MISSED.value)


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    """SQLite caps the number of ? parameters in one statement."""
    for i in range(0, len(items), size):
        yield items[i:i + size]


_STATUS = {s.value: s for s in DoseStatus}
_SOURCE = {s.value: s for s in LogSource}
_DOSE_INSERT = ("INSERT INTO doses (recipient_id, id, medication_id, due_utc, status, logged_at, source,"
                " medication_name, tz, quantity, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
# A log of a dose already stored changes its status columns and the same fields of its JSON copy, so the two
# never disagree (the columns are what is read; the JSON is what an export or an older release reads).
_DOSE_LOG_UPSERT = (_DOSE_INSERT + " ON CONFLICT (recipient_id, id) DO UPDATE SET status = excluded.status,"
                    " logged_at = excluded.logged_at, source = excluded.source,"
                    " data = json_set(data, '$.status', excluded.status, '$.logged_at', excluded.logged_at,"
                    " '$.source', excluded.source) RETURNING *")
MARK_MISSED = ("UPDATE doses SET status = 'missed', data = json_set(data, '$.status', 'missed')"
               " WHERE recipient_id = ? AND id = ? AND status = 'pending'")


def _dose_values(dose: Dose) -> tuple[object, ...]:
    data = codec.dose_to_dict(dose)
    return (dose.recipient_id, dose.id, dose.medication_id, data["due_utc"], data["status"], data["logged_at"],
            data["source"], dose.medication_name, data["tz"], dose.quantity, json.dumps(data))


def _dose_row(row: sqlite3.Row) -> Dose:
    """Straight from the columns: this runs for every dose of every cohort report, so no JSON and no dict.

    A row an older release wrote has no medication_name, tz or quantity columns filled in (it predates
    migration 2, or was written by an older process after it): those come from its JSON instead.
    """
    if row["tz"] is None or row["medication_name"] is None:
        return _old_dose_row(row)
    utc = codec.parse_utc(row["due_utc"])
    logged_at, source = row["logged_at"], row["source"]
    return Dose(id=row["id"], recipient_id=row["recipient_id"], medication_id=row["medication_id"],
                medication_name=row["medication_name"], scheduled_local=utc.astimezone(ZoneInfo(row["tz"])),
                scheduled_utc=utc, status=_STATUS[row["status"]],
                logged_at=codec.parse_utc(logged_at) if logged_at else None,
                source=_SOURCE[source] if source else None, quantity=int(row["quantity"] or 1))


def _old_dose_row(row: sqlite3.Row) -> Dose:
    """The columns win where set (a log updates them, not the JSON); the JSON fills in the rest."""
    data = {**json.loads(row["data"] or "{}"),
            **{k: row[k] for k in ("id", "recipient_id", "medication_id", "due_utc", "status", "logged_at",
                                   "source", "medication_name", "tz", "quantity") if row[k] is not None}}
    return codec.dose_from_dict(data)


@lru_cache(maxsize=4096)
def _decoded_medication(data: str, pill_count: int | None) -> Medication:
    """Every voice turn reads the person's medicines, which rarely change: the same stored text always decodes
    to the same (frozen) Medication, so it is decoded once per process."""
    fields = json.loads(data)
    fields["pill_count"] = pill_count
    return codec.medication_from_dict(fields)


class SqliteCore(SqliteBase, CoreStore):
    # -- recipients ---------------------------------------------------------------------------------
    def put_recipient(self, recipient: Recipient) -> None:
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO recipients (id, organisation, name_key, data) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (id) DO UPDATE SET organisation = excluded.organisation,"
                " name_key = excluded.name_key, data = excluded.data",
                (recipient.id, recipient.organisation, recipient.display_name.casefold(),
                 json.dumps(codec.recipient_to_dict(recipient))),
            )

    def get_recipient(self, recipient_id: str) -> Recipient | None:
        rows = self.query("SELECT data FROM recipients WHERE id = ?", (recipient_id,))
        return codec.recipient_from_dict(json.loads(rows[0]["data"])) if rows else None

    def list_recipients(self, organisation: str | None = None) -> list[Recipient]:
        if organisation is None:
            rows = self.query("SELECT data FROM recipients ORDER BY name_key, id")
        else:
            rows = self.query("SELECT data FROM recipients WHERE organisation = ? ORDER BY name_key, id",
                              (organisation,))
        return [codec.recipient_from_dict(json.loads(r["data"])) for r in rows]

    # -- medications --------------------------------------------------------------------------------
    def put_medication(self, medication: Medication) -> None:
        data = codec.medication_to_dict(medication)
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO medications (id, recipient_id, name_key, active, pill_count, data)"
                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET name_key = excluded.name_key,"
                " active = excluded.active, pill_count = excluded.pill_count, data = excluded.data",
                (medication.id, medication.recipient_id, medication.name.casefold(), int(medication.active),
                 medication.pill_count, json.dumps(data)),
            )

    def _medication(self, row: object) -> Medication:
        r = dict(row)  # type: ignore[call-overload]
        return _decoded_medication(r["data"], r["pill_count"])

    def list_medications(self, recipient_id: str, include_stopped: bool = False) -> list[Medication]:
        rows = self.query(
            "SELECT data, pill_count FROM medications WHERE recipient_id = ? AND active >= ? ORDER BY name_key, id",
            (recipient_id, 0 if include_stopped else 1),
        )
        return [self._medication(r) for r in rows]

    def adjust_pill_count(self, recipient_id: str, medication_id: str, delta: int) -> int | None:
        with self.transaction() as conn:
            return self._adjust_pills(conn, recipient_id, medication_id, delta)

    @staticmethod
    def _adjust_pills(conn: object, recipient_id: str, medication_id: str, delta: int) -> int | None:
        row = conn.execute(  # type: ignore[attr-defined]
            "UPDATE medications SET pill_count = MAX(pill_count + ?, 0)"
            " WHERE id = ? AND recipient_id = ? AND pill_count IS NOT NULL RETURNING pill_count",
            (delta, medication_id, recipient_id),
        ).fetchone()
        return int(row[0]) if row else None

    def medications_to_plan(self, before: datetime) -> list[Medication]:
        rows = self.query(
            "SELECT data, pill_count FROM medications WHERE active = 1"
            " AND (planned_until IS NULL OR planned_until < ?)",
            (codec.utc_text(before),),
        )
        return [self._medication(r) for r in rows]

    def mark_planned(self, recipient_id: str, medication_id: str, until: datetime) -> None:
        with self.transaction() as conn:
            conn.execute("UPDATE medications SET planned_until = ? WHERE id = ? AND recipient_id = ?",
                         (codec.utc_text(until), medication_id, recipient_id))

    # -- doses --------------------------------------------------------------------------------------
    def put_doses(self, doses: Iterable[Dose]) -> int:
        rows = [_dose_values(dose) for dose in doses]
        if not rows:
            return 0
        with self.transaction() as conn:
            before = conn.total_changes
            conn.executemany(_DOSE_INSERT + " ON CONFLICT DO NOTHING", rows)
            return conn.total_changes - before

    def delete_pending_doses(self, recipient_id: str, medication_id: str, after: datetime,
                             keep: Sequence[str] = ()) -> int:
        with self.transaction() as conn:
            ids = [r[0] for r in conn.execute(
                "SELECT id FROM doses WHERE recipient_id = ? AND medication_id = ? AND due_utc >= ?"
                " AND status = 'pending'", (recipient_id, medication_id, codec.utc_text(after)))]
            gone = [i for i in ids if i not in set(keep)]
            conn.executemany("DELETE FROM doses WHERE recipient_id = ? AND id = ? AND status = 'pending'",
                             [(recipient_id, i) for i in gone])
            return len(gone)

    def list_doses(self, recipient_id: str, start: datetime, end: datetime) -> list[Dose]:
        rows = self.query(
            "SELECT * FROM doses WHERE recipient_id = ? AND due_utc >= ? AND due_utc < ? ORDER BY due_utc, id",
            (recipient_id, codec.utc_text(start), codec.utc_text(end)),
        )
        return [_dose_row(r) for r in rows]

    def load_recipient_views(self, recipient_ids: Sequence[str], start: datetime,
                             end: datetime) -> dict[str, RecipientView]:
        people: dict[str, Recipient] = {}
        meds: dict[str, list[Medication]] = {}
        doses: dict[str, list[Dose]] = {}
        window = (codec.utc_text(start), codec.utc_text(end))
        with self.snapshot():
            for chunk in _chunks(list(dict.fromkeys(recipient_ids)), 500):
                marks = ",".join("?" * len(chunk))
                for r in self.query(f"SELECT data FROM recipients WHERE id IN ({marks})", chunk):  # noqa: S608
                    person = codec.recipient_from_dict(json.loads(r["data"]))
                    people[person.id] = person
                for r in self.query(f"SELECT recipient_id, data, pill_count FROM medications"  # noqa: S608
                                    f" WHERE recipient_id IN ({marks}) ORDER BY recipient_id, name_key, id", chunk):
                    meds.setdefault(r["recipient_id"], []).append(self._medication(r))
                for r in self.query(f"SELECT * FROM doses WHERE recipient_id IN ({marks})"  # noqa: S608
                                    " AND due_utc >= ? AND due_utc < ?"
                                    " ORDER BY recipient_id, due_utc, id",  # the index's own order: no sort step
                                    (*chunk, *window)):
                    doses.setdefault(r["recipient_id"], []).append(_dose_row(r))
        return {rid: RecipientView(recipient=person, medications=tuple(meds.get(rid, ())),
                                   doses=tuple(doses.get(rid, ()))) for rid, person in people.items()}

    def record_dose(self, dose: Dose, status: DoseStatus, logged_at: datetime, source: LogSource,
                    pill_delta: int = 0) -> LogOutcome:
        logged = replace(dose, status=status, logged_at=logged_at, source=source)
        with self.transaction() as conn:
            existing = conn.execute("SELECT * FROM doses WHERE recipient_id = ? AND id = ?",
                                    (dose.recipient_id, dose.id)).fetchone()
            if existing is not None and existing["status"] not in _LOGGABLE:
                return LogOutcome(applied=False, dose=_dose_row(existing),
                                  previous_status=DoseStatus(existing["status"]))
            previous = DoseStatus(existing["status"]) if existing is not None else None
            stored = _dose_row(conn.execute(_DOSE_LOG_UPSERT, _dose_values(logged)).fetchone())
            pills = (self._adjust_pills(conn, dose.recipient_id, dose.medication_id, pill_delta)
                     if pill_delta else None)
        return LogOutcome(applied=True, dose=stored, previous_status=previous, pills_left=pills)

    def due_doses(self, start: datetime, end: datetime) -> list[Dose]:
        rows = self.query(
            "SELECT * FROM doses WHERE status = 'pending' AND due_utc >= ? AND due_utc < ? ORDER BY due_utc, id",
            (codec.utc_text(start), codec.utc_text(end)),
        )
        return decode_each(rows, _dose_row, lambda r: f"{r['recipient_id']}/{r['id']}", "dose")

    def mark_missed(self, dose: Dose) -> bool:
        with self.transaction() as conn:
            cur = conn.execute(MARK_MISSED, (dose.recipient_id, dose.id))
            return cur.rowcount == 1

    def load_recipient_view(self, recipient_id: str, since: datetime) -> RecipientView | None:
        # One consistent snapshot: the SQLite counterpart of DynamoDB's one Query.
        with self.snapshot():
            recipient = self.get_recipient(recipient_id)
            if recipient is None:
                return None
            meds = self.list_medications(recipient_id, include_stopped=True)
            doses = self.list_doses(recipient_id, since, datetime.max.replace(tzinfo=since.tzinfo))
        return RecipientView(recipient=recipient, medications=tuple(meds), doses=tuple(doses))

    # -- link codes ---------------------------------------------------------------------------------
    def put_link_code(self, code: LinkCode) -> None:
        with self.transaction() as conn:
            conn.execute("DELETE FROM link_codes WHERE recipient_id = ? AND used_at IS NULL", (code.recipient_id,))
            conn.execute("INSERT INTO link_codes (code, recipient_id, expires_at, used_at) VALUES (?, ?, ?, ?)"
                         " ON CONFLICT (code) DO UPDATE SET recipient_id = excluded.recipient_id,"
                         " expires_at = excluded.expires_at, used_at = NULL",
                         (code.code, code.recipient_id, codec.utc_text(code.expires_at), None))

    def claim_link_code(self, code: str, now: datetime) -> LinkCode | None:
        with self.transaction() as conn:
            row = conn.execute(
                "UPDATE link_codes SET used_at = ? WHERE code = ? AND used_at IS NULL AND expires_at > ?"
                " RETURNING code, recipient_id, expires_at, used_at",
                (codec.utc_text(now), code, codec.utc_text(now)),
            ).fetchone()
        return codec.link_code_from_dict(dict(row)) if row else None
