"""The dose book: which doses are expected, which one "I took my metformin" means, and logging it once.

Everything a voice turn, the CLI and the web app decide about doses is decided here, so the three can
never disagree about what counts as taken, late, or too soon.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from skill.domain.errors import ValidationError
from skill.domain.models import Dose, DoseStatus, LogSource, Medication, Recipient, dose_id
from skill.notify.followups import after_dose_logged
from skill.schedules import day_window, occurrences
from skill.store.base import Store
from skill.store.core import CoreStore, LogOutcome

PLAN_AHEAD = timedelta(days=14)  # expected doses are stored this far ahead ...
REPLAN_BEFORE = timedelta(days=7)  # ... and topped up when less than this is left
EARLY_WINDOW = timedelta(minutes=90)  # a dose may be logged this long before it is due
RECENT_LOG = timedelta(hours=2)  # an early log right after another of the same medicine is refused


def expected_doses(recipient: Recipient, medication: Medication, start: datetime, end: datetime) -> list[Dose]:
    """The doses a schedule expects in [start, end), named so that repeating this never duplicates one."""
    if not medication.active:
        return []
    return [
        Dose(
            id=dose_id(medication.id, occ.nominal),
            recipient_id=recipient.id,
            medication_id=medication.id,
            medication_name=medication.name,
            scheduled_local=occ.local,
            scheduled_utc=occ.utc,
            quantity=medication.pills_per_dose,
        )
        for occ in occurrences(medication.schedule, recipient.tz, start, end)
    ]


def merge_doses(recipient: Recipient, medications: Iterable[Medication], stored: Iterable[Dose],
                start: datetime, end: datetime) -> list[Dose]:
    """Expected doses overlaid with what is stored (stored wins), plus stored as-needed doses, in time order."""
    by_id: dict[str, Dose] = {}
    for med in medications:
        for dose in expected_doses(recipient, med, start, end):
            by_id[dose.id] = dose
    for dose in stored:
        if start <= dose.scheduled_utc < end:
            by_id[dose.id] = dose
    return sorted(by_id.values(), key=lambda d: (d.scheduled_utc, d.medication_name.casefold(), d.id))


def doses_on(store: CoreStore, recipient: Recipient, day: datetime | None = None) -> list[Dose]:
    """A local day's doses (today by default) with their status."""
    when = day or datetime.now(recipient.tz)
    start, end = day_window(when.astimezone(recipient.tz).date(), recipient.tz)
    meds = store.list_medications(recipient.id, include_stopped=True)
    return merge_doses(recipient, meds, store.list_doses(recipient.id, start, end), start, end)


def plan_medication(store: CoreStore, recipient: Recipient, medication: Medication, now: datetime,
                    replan: bool = False) -> int:
    """Store the expected doses ahead so the sweep can find them in its due-time index.

    With `replan` (a schedule changed or stopped), pending doses the new schedule no longer expects are
    dropped from now on; doses already logged are history and stay.
    """
    until = now + PLAN_AHEAD
    doses = expected_doses(recipient, medication, now, until)
    if replan:
        store.delete_pending_doses(recipient.id, medication.id, now, keep=[d.id for d in doses])
    created = store.put_doses(doses)
    if medication.active:
        store.mark_planned(recipient.id, medication.id, until)
    return created


def update_recipient(store: Store, before: Recipient, after: Recipient, now: datetime) -> int:
    """Save a changed recipient; a new time zone re-places every dose still to come.

    Dose times are local wall-clock times, so after a move "8 in the morning" is 8 in the new zone: pending
    doses from now on are dropped and planned again (logged ones are history and keep their instants).
    Returns how many doses were planned again.
    """
    store.put_recipient(after)
    if after.timezone == before.timezone:
        return 0
    planned = 0
    for medication in store.list_medications(after.id):
        store.delete_pending_doses(after.id, medication.id, now)
        planned += plan_medication(store, after, medication, now)
    return planned


def log_status(recipient: Recipient, dose: Dose, at: datetime, skip: bool) -> DoseStatus:
    if skip:
        return DoseStatus.SKIPPED
    late = dose.status is DoseStatus.MISSED or at > dose.scheduled_utc + recipient.grace
    return DoseStatus.TAKEN_LATE if late else DoseStatus.TAKEN


def log_dose(store: Store, recipient: Recipient, medication: Medication, dose: Dose, at: datetime,
             source: LogSource, skip: bool = False) -> LogOutcome:
    """Record a dose once (the store's conditional write makes a second log a no-op that says when).

    Every log path (voice, web, API, CLI) comes through here, so each also owes the carers the same
    follow-ups: a refill warning when the count crosses its threshold, and an all clear for a missed dose.
    """
    status = log_status(recipient, dose, at, skip)
    counted = medication.pill_count is not None and status.is_taken
    outcome = store.record_dose(dose, status, at, source, pill_delta=-dose.quantity if counted else 0)
    if outcome.applied and counted and outcome.pills_left is None and medication.pill_count is not None:
        outcome = replace(outcome, pills_left=max(medication.pill_count - dose.quantity, 0))
    after_dose_logged(store, recipient, medication, outcome, at)
    return outcome


@dataclass(frozen=True, slots=True)
class LogTarget:
    """Which dose a "took my X" means now: `dose` to log, or why there is none."""

    dose: Dose | None
    last_logged: Dose | None  # the latest logged dose of this medicine today (for "you already took it")
    reason: str = ""  # "already_logged" | "too_early" | "none_today" | "as_needed_*"
    next_allowed_at: datetime | None = None


def choose_dose_to_log(recipient: Recipient, medication: Medication, doses: Sequence[Dose],
                       at: datetime) -> LogTarget:
    """Pick the dose a person means, erring towards "already taken" so a mistake never doubles a dose.

    The earliest unlogged dose that is due (or overdue) wins; a dose due within EARLY_WINDOW may be
    logged early, but not right after another dose of the same medicine was logged.
    """
    mine = [d for d in doses if d.medication_id == medication.id]
    logged = sorted((d for d in mine if d.is_logged and d.logged_at), key=lambda d: d.logged_at or at)
    last = logged[-1] if logged else None
    if medication.schedule.as_needed:
        return as_needed_target(recipient, medication, mine, at, last)
    open_doses = [d for d in mine if not d.is_logged]
    due = [d for d in open_doses if d.scheduled_utc <= at]
    if due:
        return LogTarget(dose=due[0], last_logged=last)
    soon = [d for d in open_doses if d.scheduled_utc <= at + EARLY_WINDOW]
    if soon and not (last and last.logged_at and at - last.logged_at < RECENT_LOG):
        return LogTarget(dose=soon[0], last_logged=last)
    if last is not None:
        return LogTarget(dose=None, last_logged=last, reason="already_logged")
    if open_doses:
        return LogTarget(dose=None, last_logged=None, reason="too_early")
    return LogTarget(dose=None, last_logged=None, reason="none_today")


def as_needed_target(recipient: Recipient, medication: Medication, mine: Sequence[Dose], at: datetime,
                     last: Dose | None) -> LogTarget:
    """As-needed: only the carer's limits (minimum interval, daily maximum) are checked; no advice."""
    schedule = medication.schedule
    taken = [d for d in mine if d.status.is_taken]
    if schedule.min_interval_minutes and taken:
        latest = max(d.scheduled_utc for d in taken)
        allowed = latest + timedelta(minutes=schedule.min_interval_minutes)
        if at < allowed:
            return LogTarget(dose=None, last_logged=last, reason="as_needed_too_soon", next_allowed_at=allowed)
    if schedule.max_per_day:
        day_start, day_end = day_window(at.astimezone(recipient.tz).date(), recipient.tz)
        today = sum(d.quantity for d in taken if day_start <= d.scheduled_utc < day_end)
        if today + medication.pills_per_dose > schedule.max_per_day:
            return LogTarget(dose=None, last_logged=last, reason="as_needed_daily_max", next_allowed_at=day_end)
    return LogTarget(dose=as_needed_dose(recipient, medication, at), last_logged=last)


def as_needed_dose(recipient: Recipient, medication: Medication, at: datetime) -> Dose:
    local = at.astimezone(recipient.tz)
    return Dose(
        id=dose_id(medication.id, local.replace(tzinfo=None)),
        recipient_id=recipient.id,
        medication_id=medication.id,
        medication_name=medication.name,
        scheduled_local=local,
        scheduled_utc=at,
        quantity=medication.pills_per_dose,
    )


def find_medication(medications: Iterable[Medication], name: str) -> Medication:
    """Exact, case-insensitive match on a medication's name (the CLI's and API's rule)."""
    wanted = " ".join(name.split()).casefold()
    for med in medications:
        if med.name.casefold() == wanted:
            return med
    raise ValidationError(f"no medication named {name!r} for this recipient")
