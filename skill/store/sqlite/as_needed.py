"""As-needed doses in SQLite: the write lock is the medicine's guard.

`BEGIN IMMEDIATE` takes the database's write lock before anything is read, so the medicine's recent doses
read inside the transaction cannot change until it commits: the numbers are exact, and of two racing logs
of one intake the second sees the first. No guard row is needed (it would add a write and a migration for
no extra safety); the doses table is the record, read through its (recipient_id, due_utc) index.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from skill.domain.errors import NotFoundError
from skill.domain.models import Dose, DoseStatus, LogSource
from skill.store import codec
from skill.store.as_needed import lookahead_end, lookback_start, summarise
from skill.store.core import AsNeededOutcome
from skill.store.sqlite.connection import SqliteBase
from skill.store.sqlite.core import _DOSE_LOG_UPSERT, SqliteCore, _dose_row, _dose_values


class SqliteAsNeeded(SqliteBase):
    def record_as_needed_dose(self, dose: Dose, status: DoseStatus, logged_at: datetime, source: LogSource, *,
                              pill_delta: int, same_intake_within: timedelta, day_start: datetime,
                              day_end: datetime) -> AsNeededOutcome:
        logged = replace(dose, status=status, logged_at=logged_at, source=source)
        with self.transaction() as conn:
            med = conn.execute("SELECT pill_count FROM medications WHERE id = ? AND recipient_id = ?",
                               (dose.medication_id, dose.recipient_id)).fetchone()
            if med is None:
                raise NotFoundError("no such medication")
            pills_now = int(med["pill_count"]) if med["pill_count"] is not None else None
            existing = conn.execute("SELECT * FROM doses WHERE recipient_id = ? AND id = ?",
                                    (dose.recipient_id, dose.id)).fetchone()
            if existing is not None and DoseStatus(existing["status"]).is_logged:
                return AsNeededOutcome(applied=False, dose=_dose_row(existing), previous_taken_at=None,
                                       taken_today_before=0, pills_left=pills_now)
            takes = [_dose_row(r) for r in conn.execute(
                "SELECT * FROM doses WHERE recipient_id = ? AND due_utc >= ? AND due_utc <= ?"
                " AND medication_id = ? AND status IN ('taken', 'taken_late')",
                (dose.recipient_id, codec.utc_text(lookback_start(logged, day_start)),
                 codec.utc_text(lookahead_end(logged, same_intake_within)), dose.medication_id))]
            summary = summarise(takes, logged, same_intake_within, day_start, day_end)
            if summary.same_intake is not None:
                return AsNeededOutcome(applied=False, dose=summary.same_intake, previous_taken_at=None,
                                       taken_today_before=0, pills_left=pills_now)
            stored = _dose_row(conn.execute(_DOSE_LOG_UPSERT, _dose_values(logged)).fetchone())
            pills = pills_now
            if pill_delta and pills_now is not None:
                pills = SqliteCore._adjust_pills(conn, dose.recipient_id, dose.medication_id, pill_delta)
        return AsNeededOutcome(applied=True, dose=stored, previous_taken_at=summary.previous_taken_at,
                               taken_today_before=summary.taken_today_before, pills_left=pills)
