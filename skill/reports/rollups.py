"""Rollups as reports see them: what a dose's change of status adds, a recount from doses, and the figures.

The counting rule (see skill/store/rollups.py): a scheduled dose counts on the local day it was due, in its
own zone, by its stored status (taken on time, late, missed, skipped); pending counts nowhere. The live
path (`changes_for`) and the rebuild (`recount`) use this one rule, so they agree by construction and the
property test holds them to it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta

from skill.domain.models import Dose, DoseStatus, Recipient
from skill.reports.adherence import WINDOWS, CohortRow, Counts
from skill.store.base import Store
from skill.store.rollups import (
    KEEP_DAYS,
    DayCounts,
    PersonRollup,
    RollupStore,
    apply_changes,
    changes_for,
    dose_day,
)

REBUILD_AHEAD = timedelta(days=2)  # a dose logged ahead of time (confirmed early) is counted too

__all__ = ["changes_for", "dose_day", "note_dose_change", "note_reopened", "rebuild", "recount", "rollup_row"]


def recount(doses: Iterable[Dose], as_needed: set[str]) -> dict[date, DayCounts]:
    """Day counts from stored doses (the rebuild): the same rule as `changes_for`, applied from nothing."""
    changes = [c for d in doses if d.medication_id not in as_needed for c in changes_for(d, None, d.status)]
    return apply_changes({}, changes, date.min)


def _windows(days: Mapping[date, DayCounts], today: date) -> tuple[dict[int, Counts], Counts]:
    """The 7/30/90-day counts and those of the 30 days before the last 30, in one pass over the days."""
    sums = {n: [0, 0, 0, 0] for n in (*WINDOWS, 60)}
    for day, c in days.items():
        age = (today - day).days
        if age < 0:
            continue
        for n, acc in sums.items():
            if age < n and (n != 60 or age >= 30):
                acc[0] += c.on_time
                acc[1] += c.late
                acc[2] += c.missed
                acc[3] += c.skipped
    counts = {n: Counts(on_time=a[0], late=a[1], missed=a[2], skipped=a[3]) for n, a in sums.items()}
    return {n: counts[n] for n in WINDOWS}, counts[60]


def _covered(days: Mapping[date, DayCounts], first: date, last: date) -> float | None:
    """PDC over whole days before today: a day with a decided, non-skipped dose is covered when none was missed."""
    counted = covered = 0
    for day, c in days.items():
        if first <= day <= last and c.on_time + c.late + c.missed:
            counted += 1
            covered += c.missed == 0
    return covered / counted if counted else None


def rollup_row(recipient: Recipient, rollup: PersonRollup | None, now: datetime) -> CohortRow:
    """One coordinator row from a person's rollup: the same columns `cohort_row` computes from doses."""
    days = rollup.days if rollup is not None else {}
    today = now.astimezone(recipient.tz).date()
    windows, before = _windows(days, today)
    current = windows[30].adherence
    trend = current - before.adherence if current is not None and before.adherence is not None else None
    return CohortRow(
        recipient_id=recipient.id, display_name=recipient.display_name, organisation=recipient.organisation,
        adherence_7=windows[7].adherence, adherence_30=current, adherence_90=windows[90].adherence,
        pdc_30=_covered(days, today - timedelta(days=29), today - timedelta(days=1)), missed_30=windows[30].missed,
        skipped_30=windows[30].skipped, trend=trend,
        last_activity=rollup.last_activity if rollup is not None else None, windows=windows)


def note_dose_change(store: RollupStore, recipient: Recipient, dose: Dose, before: DoseStatus | None,
                     after: DoseStatus | None, now: datetime, activity: datetime | None = None) -> None:
    """Called by the use case right after its write applied (as-needed doses never reach here).

    A store whose dose writes count themselves (`dose_writes_update_rollups`) has done this already."""
    if store.dose_writes_update_rollups:
        return
    changes = changes_for(dose, before, after)
    if changes or activity is not None:
        store.apply_rollup_changes(recipient, changes, now, activity)


def note_reopened(store: RollupStore, recipient: Recipient, dose: Dose, now: datetime) -> None:
    """Called by undo once a log is reopened: no store folds `reopen_dose` into the rollup, so this always counts."""
    changes = changes_for(dose, dose.status, DoseStatus.PENDING)
    if changes:
        store.apply_rollup_changes(recipient, changes, now)


def rebuild(store: Store, recipient: Recipient, now: datetime) -> dict[date, DayCounts]:
    """Recompute one person's rollup from their stored doses (two reads and one write) and store it."""
    start = now - timedelta(days=KEEP_DAYS + 1)
    meds = store.list_medications(recipient.id, include_stopped=True)
    as_needed = {m.id for m in meds if m.schedule.as_needed}
    doses = store.list_doses(recipient.id, start, now + REBUILD_AHEAD)
    days = recount(doses, as_needed)
    logged = [d.logged_at for d in doses if d.logged_at is not None]
    store.replace_rollups(recipient, days, now, max(logged) if logged else None)
    return days
