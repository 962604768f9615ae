"""Doses of a date range as CSV, for a carer's records or a clinician's spreadsheet.

Statuses are the report's (skill.reports.adherence): a pending dose past its grace window is exported as
missed, so the CSV and the adherence figures always agree. Cells that a spreadsheet would run as a
formula are neutralised (CSV injection).

Safety moments and corrections (care events) follow in a second section, after a blank line, with its own
header (EVENT_COLUMNS): the dose table stays exactly as it was for anyone who reads only the first.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import UTC, date, datetime

from skill.domain.events import CareEvent
from skill.domain.models import Dose, Medication, Recipient
from skill.doses import merge_doses
from skill.reports.adherence import Outcome, RecordingStarts, classify, recording_starts
from skill.schedules import day_window
from skill.store.base import Store
from skill.store.core import CoreStore
from skill.store.history import HistoryStore

COLUMNS = ("recipient_id", "medication", "scheduled_local", "scheduled_utc", "status", "logged_at", "source")
EVENT_COLUMNS = ("event", "recipient_id", "medication", "at_local", "at_utc", "kind", "what", "detail", "source",
                 "dose_id")
MAX_DAYS = 366
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def report_status(dose: Dose, recipient: Recipient, now: datetime, starts: RecordingStarts | None = None) -> str:
    outcome = classify(dose, recipient.grace, now, starts)
    if outcome in (Outcome.MISSED, Outcome.NOT_RECORDED):
        return outcome.value
    return dose.status.value


def safe_cell(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_START) else value


def utc_iso(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def doses_in_range(store: CoreStore, recipient: Recipient, start_day: date,
                   end_day: date) -> tuple[list[Medication], list[Dose]]:
    """Expected and stored doses of local days start_day..end_day inclusive: two store reads."""
    if end_day < start_day:
        raise ValueError("the end date is before the start date")
    if (end_day - start_day).days >= MAX_DAYS:
        raise ValueError(f"export at most {MAX_DAYS} days at a time")
    start, end = day_window(start_day, recipient.tz)[0], day_window(end_day, recipient.tz)[1]
    meds = store.list_medications(recipient.id, include_stopped=True)
    return meds, merge_doses(recipient, meds, store.list_doses(recipient.id, start, end), start, end)


def render_csv(recipient: Recipient, doses: Sequence[Dose], now: datetime,
               medications: Sequence[Medication] = (), events: Sequence[CareEvent] = ()) -> str:
    starts = recording_starts(medications)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for dose in doses:
        writer.writerow([
            dose.recipient_id,
            safe_cell(dose.medication_name),
            dose.scheduled_utc.astimezone(recipient.tz).isoformat(),
            utc_iso(dose.scheduled_utc),
            report_status(dose, recipient, now, starts),
            utc_iso(dose.logged_at) if dose.logged_at else "",
            dose.source.value if dose.source else "",
        ])
    if events:
        writer.writerow([])
        writer.writerow(EVENT_COLUMNS)
        for event in sorted(events, key=lambda e: e.at):
            writer.writerow(["event", event.recipient_id, safe_cell(event.medication_name or ""),
                             event.at.astimezone(recipient.tz).isoformat(), utc_iso(event.at), event.kind.value,
                             event.label, safe_cell(event.detail), event.source.value, event.dose_id or ""])
    return buffer.getvalue()


def events_in_range(store: HistoryStore, recipient: Recipient, start_day: date, end_day: date) -> list[CareEvent]:
    start, end = day_window(start_day, recipient.tz)[0], day_window(end_day, recipient.tz)[1]
    return store.list_events(recipient.id, start, end)


def export_csv(store: Store, recipient: Recipient, start_day: date, end_day: date, now: datetime) -> str:
    meds, doses = doses_in_range(store, recipient, start_day, end_day)
    return render_csv(recipient, doses, now, meds, events_in_range(store, recipient, start_day, end_day))
