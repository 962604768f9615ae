"""Logging doses from every edge: the dose meant, recorded once, the truth kept, and what follows.

The rules of which dose is meant live in `skill/doses.py`; this module reads the person's doses once,
records through the store's conditional writes, and owes the carers what a log may call for: a refill
warning, an all clear for a missed dose, and a safety alert when a report goes beyond a limit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta
from enum import StrEnum

from skill.domain.actors import Actor
from skill.domain.events import CareEvent, EventKind
from skill.domain.models import Dose, DoseStatus, Medication, Recipient
from skill.domain.times_of_day import TimeOfDay
from skill.doses import (
    CONFIRM_AHEAD,
    EARLY_WINDOW,
    SAME_INTAKE,
    Pick,
    PickKind,
    as_needed_dose,
    day_bounds,
    log_status,
    merge_doses,
    parse_dose_id,
    pick_everything_due,
    pick_for_clock_time,
    pick_for_medicine,
    pick_for_time_of_day,
)
from skill.notify.followups import after_dose_logged
from skill.reports.rollups import note_dose_change
from skill.store.base import Store
from skill.store.core import LogOutcome, RecipientView
from skill.usecases.access import recipient_for
from skill.usecases.errors import Invalid, NotFound
from skill.usecases.safety import note_event, report_safety

FUTURE_TOLERANCE = timedelta(minutes=2)  # clock skew between a phone and the server
MAX_LOOKBACK = timedelta(days=30)  # the oldest dose a log may still name
MAX_REPORTED_PILLS = 50  # "I took ten paracetamol" is recorded; a number beyond this was misheard
VIEW_MARGIN = timedelta(hours=26)  # what a decision reads: the look-back and a whole day (as-needed totals)


class LogKind(StrEnum):
    LOGGED = "logged"  # at least one dose was recorded by this call
    ALREADY = "already"  # what was meant had been logged before: nothing new
    CONFIRM_EARLY = "confirm_early"  # not due yet: ask, then call again with confirm=True
    CONFIRM_EXTRA = "confirm_extra"  # as-needed: a report moments after the last; another one, or the same?
    NOTHING_DUE = "nothing_due"  # no dose of it near now
    NO_SUCH_TIME = "no_such_time"  # "my lunchtime pills" and none are at lunchtime


class Warning(StrEnum):
    EARLY = "early"  # recorded before it was due (confirmed)
    TOO_SOON = "too_soon"  # as-needed: inside the carer's minimum interval
    OVER_DAILY_MAX = "over_daily_max"  # as-needed: beyond the carer's daily maximum
    MORE_THAN_PLANNED = "more_than_planned"  # more pills than the plan's dose


@dataclass(frozen=True)
class Logged:
    dose: Dose  # as stored
    medication: Medication
    pills_left: int | None = None


@dataclass(frozen=True)
class LogResult:
    kind: LogKind
    recipient: Recipient
    logged: tuple[Logged, ...] = ()
    already: tuple[Dose, ...] = ()  # logged before this call, the latest first
    earlier_open: tuple[Dose, ...] = ()  # earlier doses still not noted: ask the person about them
    to_confirm: tuple[Dose, ...] = ()  # CONFIRM_EARLY / CONFIRM_EXTRA: the doses the question is about
    warnings: tuple[Warning, ...] = ()
    safety: CareEvent | None = None
    previous_taken_at: datetime | None = None  # as-needed: the last one before this, for the words
    allowed_from: datetime | None = None  # as-needed: when the carer's interval would have allowed it

    @property
    def applied(self) -> bool:
        return self.kind is LogKind.LOGGED


# -- reading ----------------------------------------------------------------------------------------------
def person_view(store: Store, recipient_id: str, since: datetime, view: RecipientView | None = None,
                covered_from: datetime | None = None) -> RecipientView:
    """The one read a decision needs; the voice turn passes the view it already has when it covers `since`."""
    if view is not None and view.recipient.id == recipient_id and covered_from is not None and covered_from <= since:
        return view
    loaded = store.load_recipient_view(recipient_id, since)
    if loaded is None:
        raise NotFound("recipient")
    return loaded


def doses_near(view: RecipientView, at: datetime) -> list[Dose]:
    start, end = at - VIEW_MARGIN, at + CONFIRM_AHEAD + timedelta(hours=1)
    return merge_doses(view.recipient, view.medications, view.doses, start, end)


def scheduled_only(view: RecipientView, doses: Sequence[Dose]) -> list[Dose]:
    as_needed = {m.id for m in view.medications if m.schedule.as_needed}
    return [d for d in doses if d.medication_id not in as_needed]


def _medication(view: RecipientView, medication_id: str) -> Medication:
    med = view.medication(medication_id)
    if med is None:
        raise NotFound("medication")
    return med


def _when_taken(now: datetime, at: datetime | None) -> datetime:
    taken = at or now
    if taken > now + FUTURE_TOLERANCE:
        raise Invalid("at", "is in the future")
    if now - taken > MAX_LOOKBACK:
        raise Invalid("at", "is more than 30 days ago: too long ago to record a dose")
    return min(taken, now)


# -- recording ---------------------------------------------------------------------------------------------
def _record(store: Store, actor: Actor, recipient: Recipient, med: Medication, dose: Dose, at: datetime,
            now: datetime, skip: bool = False) -> LogOutcome:
    status = log_status(recipient, dose, at, skip)
    counted = med.pill_count is not None and status.is_taken
    outcome = store.record_dose(dose, status, at, actor.source, pill_delta=-dose.quantity if counted else 0)
    if outcome.applied:
        note_dose_change(store, recipient, outcome.dose, outcome.previous_status, outcome.dose.status, now,
                         outcome.dose.logged_at)
    if outcome.applied and counted and outcome.pills_left is None and med.pill_count is not None:
        outcome = replace(outcome, pills_left=max(med.pill_count - dose.quantity, 0))
    after_dose_logged(store, recipient, med, outcome, now)
    return outcome


def _record_all(store: Store, actor: Actor, view: RecipientView, pick: Pick, at: datetime, now: datetime,
                skip: bool = False, early_confirmed: bool = False) -> LogResult:
    logged: list[Logged] = []
    already = list(pick.already)
    for dose in pick.doses:
        med = _medication(view, dose.medication_id)
        outcome = _record(store, actor, view.recipient, med, dose, at, now, skip)
        if outcome.applied:
            logged.append(Logged(outcome.dose, med, outcome.pills_left))
        else:
            already.insert(0, outcome.dose)
    warnings: tuple[Warning, ...] = ()
    if early_confirmed and not skip and any(d.dose.scheduled_utc > at + EARLY_WINDOW for d in logged):
        warnings = (Warning.EARLY,)
        for item in logged:
            taken_local = at.astimezone(view.recipient.tz)
            note_event(store, actor, view.recipient, EventKind.EARLY_LOG, now, medication=item.medication,
                       dose=item.dose, detail=f"due {item.dose.scheduled_local:%H:%M}, taken {taken_local:%H:%M}")
    kind = LogKind.LOGGED if logged else LogKind.ALREADY
    return LogResult(kind, view.recipient, logged=tuple(logged), already=tuple(already),
                     earlier_open=pick.earlier_open, warnings=warnings)


def _from_pick(store: Store, actor: Actor, view: RecipientView, pick: Pick, at: datetime, now: datetime,
               confirm: bool, skip: bool = False) -> LogResult:
    if pick.kind is PickKind.LOG:
        return _record_all(store, actor, view, pick, at, now, skip)
    if pick.kind is PickKind.CONFIRM_EARLY:
        if confirm:
            return _record_all(store, actor, view, Pick(PickKind.LOG, doses=pick.doses, already=pick.already),
                               at, now, skip, early_confirmed=True)
        return LogResult(LogKind.CONFIRM_EARLY, view.recipient, to_confirm=pick.doses, already=pick.already)
    if pick.kind is PickKind.ALREADY:
        return LogResult(LogKind.ALREADY, view.recipient, already=pick.already, earlier_open=pick.earlier_open)
    if pick.kind is PickKind.NO_SUCH_TIME:
        return LogResult(LogKind.NO_SUCH_TIME, view.recipient)
    return LogResult(LogKind.NOTHING_DUE, view.recipient)


def _as_needed(store: Store, actor: Actor, view: RecipientView, med: Medication, at: datetime, now: datetime,
               count: int | None, confirm: bool) -> LogResult:
    """As-needed: the truth is recorded; the carer's interval and daily maximum turn an over-limit report
    into a safety moment rather than a refusal. The store decides "same intake or another" atomically."""
    recipient = view.recipient
    quantity = count or med.pills_per_dose
    dose = as_needed_dose(recipient, med, at, quantity)
    if confirm:  # a confirmed second intake in the same minute needs a name of its own
        taken_ids = {d.id for d in view.doses if d.is_logged}
        while dose.id in taken_ids:
            at_next = dose.scheduled_utc + timedelta(minutes=1)
            dose = as_needed_dose(recipient, med, at_next, quantity)
    day_start, day_end = day_bounds(recipient, at)
    counted = med.pill_count is not None
    outcome = store.record_as_needed_dose(
        dose, DoseStatus.TAKEN, at, actor.source, pill_delta=-quantity if counted else 0,
        same_intake_within=timedelta(0) if confirm else SAME_INTAKE, day_start=day_start, day_end=day_end)
    if not outcome.applied:
        return LogResult(LogKind.CONFIRM_EXTRA, recipient, already=(outcome.dose,), to_confirm=(dose,),
                         previous_taken_at=outcome.dose.logged_at)
    pills_left = outcome.pills_left
    if counted and pills_left is None and med.pill_count is not None:
        pills_left = max(med.pill_count - quantity, 0)
    after_dose_logged(store, recipient, med, LogOutcome(applied=True, dose=outcome.dose, pills_left=pills_left), now)
    schedule = med.schedule
    warnings: list[Warning] = []
    allowed_from = None
    details = []
    previous = outcome.previous_taken_at
    if schedule.min_interval_minutes and previous is not None:
        allowed_from = previous + timedelta(minutes=schedule.min_interval_minutes)
        if at < allowed_from:
            warnings.append(Warning.TOO_SOON)
            details.append(f"{int((at - previous).total_seconds() // 60)} min after the last, "
                           f"limit {schedule.min_interval_minutes} min")
    if schedule.max_per_day and outcome.taken_today_before + quantity > schedule.max_per_day:
        warnings.append(Warning.OVER_DAILY_MAX)
        details.append(f"{outcome.taken_today_before + quantity} today, limit {schedule.max_per_day}")
    safety = None
    if warnings:
        safety = report_safety(store, actor, recipient, EventKind.OVER_LIMIT, now, medication=med,
                               dose=outcome.dose, detail="; ".join(details))
    return LogResult(LogKind.LOGGED, recipient, logged=(Logged(outcome.dose, med, pills_left),),
                     warnings=tuple(warnings), safety=safety, previous_taken_at=previous, allowed_from=allowed_from)


# -- what each edge calls ----------------------------------------------------------------------------------
def log_medicine(store: Store, actor: Actor, now: datetime, recipient_id: str, medication_id: str, *,
                 at: datetime | None = None, count: int | None = None, skip: bool = False, confirm: bool = False,
                 view: RecipientView | None = None, covered_from: datetime | None = None) -> LogResult:
    """ "I took my metformin" (voice), the Take button (web), `log --medication` (CLI), POST .../log (API)."""
    recipient = recipient_for(store, actor, recipient_id, edit=True, known=view.recipient if view else None)
    taken = _when_taken(now, at)
    if count is not None and not 1 <= count <= MAX_REPORTED_PILLS:
        raise Invalid("count", f"must be between 1 and {MAX_REPORTED_PILLS}")
    view = person_view(store, recipient.id, taken - VIEW_MARGIN, view, covered_from)
    med = _medication(view, medication_id)
    if not med.active:
        raise Invalid("medication", "is stopped")
    if med.schedule.as_needed:
        if skip:
            raise Invalid("action", "skipped is for scheduled doses: an as-needed medicine is only logged when taken")
        return _as_needed(store, actor, view, med, taken, now, count, confirm)
    pick = pick_for_medicine(med, doses_near(view, taken), taken)
    result = _from_pick(store, actor, view, pick, taken, now, confirm, skip)
    if result.applied and count is not None and count > med.pills_per_dose and not skip:
        dose = result.logged[0].dose
        event = report_safety(store, actor, recipient, EventKind.DOUBLE_DOSE, now, medication=med, dose=dose,
                              detail=f"said {count}, the plan is {med.pills_per_dose}")
        result = replace(result, warnings=(*result.warnings, Warning.MORE_THAN_PLANNED), safety=event)
    return result


def log_time_of_day(store: Store, actor: Actor, now: datetime, recipient_id: str, *,
                    slot: TimeOfDay | None = None, clock_time: time | None = None, yesterday: bool = False,
                    at: datetime | None = None, skip: bool = False, confirm: bool = False,
                    view: RecipientView | None = None, covered_from: datetime | None = None) -> LogResult:
    """ "I've had my morning tablets", "tonight's", "my 8 o'clock ones": every dose of that time, by name."""
    recipient = recipient_for(store, actor, recipient_id, edit=True, known=view.recipient if view else None)
    taken = _when_taken(now, at)
    view = person_view(store, recipient.id, taken - VIEW_MARGIN, view, covered_from)
    scheduled = scheduled_only(view, doses_near(view, taken))
    if clock_time is not None:
        pick = pick_for_clock_time(scheduled, clock_time, taken)
    elif slot is not None:
        pick = pick_for_time_of_day(scheduled, slot, taken, taken.astimezone(recipient.tz).date(), yesterday)
    else:
        pick = pick_everything_due(scheduled, taken)
    return _from_pick(store, actor, view, pick, taken, now, confirm, skip)


def log_doses(store: Store, actor: Actor, now: datetime, recipient_id: str, dose_ids: Sequence[str], *,
              at: datetime | None = None, skip: bool = False, confirm: bool = True,
              view: RecipientView | None = None, covered_from: datetime | None = None) -> LogResult:
    """Exactly these doses: "yes" to a question about them, the Taken button on a dose, POST /doses/{id}/log.

    Naming a dose confirms it (a dose ahead of time is recorded, with an early warning), unless the edge asks
    for its own confirmation of early doses (`confirm=False`: the web page's button asks once more)."""
    recipient = recipient_for(store, actor, recipient_id, edit=True, known=view.recipient if view else None)
    taken = _when_taken(now, at)
    wanted = []
    for dose_id in dict.fromkeys(dose_ids):
        _, nominal = parse_dose_id(dose_id)
        wanted.append((dose_id, nominal))
    oldest = min((n for _, n in wanted), default=None)
    since = min(taken - VIEW_MARGIN, oldest.replace(tzinfo=recipient.tz) - timedelta(days=1)) if oldest else taken
    view = person_view(store, recipient.id, since, view, covered_from)
    found: list[Dose] = []
    for dose_id, nominal in wanted:
        local = nominal.replace(tzinfo=recipient.tz)
        window = merge_doses(recipient, view.medications, view.doses, local - timedelta(days=1),
                             local + timedelta(days=1))
        dose = next((d for d in window if d.id == dose_id), None)
        if dose is None:
            raise NotFound("dose")
        if _medication(view, dose.medication_id).schedule.as_needed and not dose.is_logged:
            raise NotFound("dose")
        if dose.scheduled_utc > taken + CONFIRM_AHEAD:
            raise Invalid("at", "is too early: that dose is more than 16 hours away")
        found.append(dose)
    open_ = tuple(d for d in found if not d.is_logged)
    already = tuple(d for d in found if d.is_logged)
    if not open_:
        return LogResult(LogKind.ALREADY, recipient, already=already)
    if not confirm and not skip and any(d.scheduled_utc > taken + EARLY_WINDOW for d in open_):
        return LogResult(LogKind.CONFIRM_EARLY, recipient, to_confirm=open_, already=already)
    pick = Pick(PickKind.LOG, doses=open_, already=already, earlier_open=_earlier_open(view, open_, taken))
    return _record_all(store, actor, view, pick, taken, now, skip, early_confirmed=True)


def _earlier_open(view: RecipientView, chosen: Sequence[Dose], at: datetime) -> tuple[Dose, ...]:
    """The same medicines' earlier doses that day, still open: asked about after a "yes", never logged by it."""
    meds = {d.medication_id for d in chosen}
    first = min(d.scheduled_utc for d in chosen)
    day = chosen[0].scheduled_local.date()
    ids = {d.id for d in chosen}
    return tuple(d for d in doses_near(view, at) if d.medication_id in meds and not d.is_logged and d.id not in ids
                 and d.scheduled_utc < first and d.scheduled_local.date() == day)
