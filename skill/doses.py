"""The dose rules: which doses a schedule expects, and which dose a person means. Pure: no store, no I/O.

"I took my metformin" means the open dose of metformin nearest to now that is due (or due within the early
window). An earlier open dose is never silently taken instead: it is named back, so the person can say
whether they took that one too. A dose further ahead is not due yet: recording it needs a confirmation.
Everything here errs towards asking, so a mistake never doubles or hides a dose.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from skill.domain.errors import NotFoundError, ValidationError
from skill.domain.models import Dose, DoseStatus, Medication, Recipient, dose_id
from skill.domain.times_of_day import TimeOfDay
from skill.schedules import day_window, occurrences

EARLY_WINDOW = timedelta(minutes=90)  # a dose may be logged this long before it is due without asking
RECENT_LOG = timedelta(hours=2)  # an early log right after another of the same medicine means "already"
LOOKBACK = timedelta(hours=16)  # an open dose further back than this is history, not the pill in hand
OVERNIGHT = timedelta(hours=6)  # yesterday's dose is still in hand this soon after it (00:30 for 22:00)
CONFIRM_AHEAD = timedelta(hours=16)  # how far ahead a dose reported early may be recorded, once confirmed
SAME_INTAKE = timedelta(minutes=10)  # an as-needed report this soon after the last is the same intake


def expects_from(medication: Medication) -> datetime | None:
    """The first instant a medicine's doses are expected: when it was entered, so a medicine added at 23:42
    (or with a past start date) never shows the doses before as missed. None when the carer said it was
    already being taken: every scheduled dose is expected, and those before entry are "not recorded"
    (`recorded_from`), never missed. The one rule voice, web, API, reports and exports share."""
    return None if medication.taken_before_entry else medication.created_at


def recorded_from(medication: Medication) -> datetime | None:
    """Before this instant an open dose is "not recorded" (shown apart, outside adherence), not missed."""
    return medication.created_at if medication.taken_before_entry else None


def expected_doses(recipient: Recipient, medication: Medication, start: datetime, end: datetime) -> list[Dose]:
    """The doses a schedule expects in [start, end), named so that repeating this never duplicates one."""
    if not medication.active:
        return []
    first = expects_from(medication)
    if first is not None and start < first:
        start = min(first, end)
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


def log_status(recipient: Recipient, dose: Dose, at: datetime, skip: bool) -> DoseStatus:
    if skip:
        return DoseStatus.SKIPPED
    late = dose.status is DoseStatus.MISSED or at > dose.scheduled_utc + recipient.grace
    return DoseStatus.TAKEN_LATE if late else DoseStatus.TAKEN


def as_needed_dose(recipient: Recipient, medication: Medication, at: datetime, quantity: int | None = None) -> Dose:
    local = at.astimezone(recipient.tz)
    return Dose(
        id=dose_id(medication.id, local.replace(tzinfo=None)),
        recipient_id=recipient.id,
        medication_id=medication.id,
        medication_name=medication.name,
        scheduled_local=local,
        scheduled_utc=at,
        quantity=quantity or medication.pills_per_dose,
    )


def parse_dose_id(value: str) -> tuple[str, datetime]:
    """The medication id and nominal local time a dose id names; the inverse of `dose_id`."""
    medication_id, sep, stamp = value.rpartition("@")
    if not sep or not medication_id or len(stamp) != 13:
        raise NotFoundError("no such dose")
    try:
        nominal = datetime.strptime(stamp, "%Y%m%dT%H%M")
    except ValueError:
        raise NotFoundError("no such dose") from None
    if not 2000 <= nominal.year <= 2200:
        raise NotFoundError("no such dose")
    return medication_id, nominal


def find_medication(medications: Iterable[Medication], name: str) -> Medication:
    """Exact, case-insensitive match on a medication's name (the CLI's and API's rule)."""
    wanted = " ".join(name.split()).casefold()
    for med in medications:
        if med.name.casefold() == wanted:
            return med
    raise ValidationError(f"no medication named {name!r} for this recipient")


class PickKind(StrEnum):
    LOG = "log"  # these doses are due: record them
    ALREADY = "already"  # what was meant is logged already
    CONFIRM_EARLY = "confirm_early"  # not due yet: ask before recording
    NOTHING_DUE = "nothing_due"  # nothing near now
    NO_SUCH_TIME = "no_such_time"  # "my lunchtime pills" and none are at lunchtime


@dataclass(frozen=True)
class Pick:
    """Which doses a report means, and what to say or ask about the rest."""

    kind: PickKind
    doses: tuple[Dose, ...] = ()  # to log (LOG) or to confirm (CONFIRM_EARLY)
    already: tuple[Dose, ...] = ()  # logged before (ALREADY), the latest first
    earlier_open: tuple[Dose, ...] = ()  # earlier doses of the same medicine(s) still open: ask about them


def _latest_first(doses: Iterable[Dose]) -> tuple[Dose, ...]:
    return tuple(sorted(doses, key=lambda d: d.logged_at or d.scheduled_utc, reverse=True))


def _same_day(doses: Iterable[Dose], anchor: Dose) -> tuple[Dose, ...]:
    """Earlier open doses worth asking about: the same local day's. Yesterday's are history, already with
    the carers (a missed dose alerts them), not a question for the person now."""
    return tuple(d for d in doses if d.scheduled_local.date() == anchor.scheduled_local.date())


def in_reach(dose: Dose, at: datetime) -> bool:
    """A dose a report at `at` may mean: today's (the person's local day), one ahead, or last night's shortly
    after midnight. Yesterday morning's open dose is history, never the pill in hand this morning."""
    if dose.scheduled_utc >= at:
        return True
    same_day = dose.scheduled_local.date() == at.astimezone(dose.scheduled_local.tzinfo).date()
    return at - dose.scheduled_utc <= (LOOKBACK if same_day else OVERNIGHT)


def pick_for_medicine(medication: Medication, doses: Sequence[Dose], at: datetime) -> Pick:
    """The dose of one scheduled medicine that "I took my X" (at `at`) means."""
    mine = [d for d in doses if d.medication_id == medication.id and in_reach(d, at)]
    logged = [d for d in mine if d.is_logged and d.scheduled_utc <= at + CONFIRM_AHEAD]
    open_ = [d for d in mine if not d.is_logged]
    due = [d for d in open_ if d.scheduled_utc <= at + EARLY_WINDOW]
    latest_logged = max(logged, key=lambda d: d.scheduled_utc, default=None)
    if due:
        chosen = min(due, key=lambda d: (abs(d.scheduled_utc - at), -d.scheduled_utc.timestamp()))
        if latest_logged is not None and latest_logged.scheduled_utc > chosen.scheduled_utc:
            return Pick(PickKind.ALREADY, already=_latest_first(logged),
                        earlier_open=_same_day(due, latest_logged))
        recent = latest_logged is not None and latest_logged.logged_at is not None \
            and at - latest_logged.logged_at < RECENT_LOG
        if chosen.scheduled_utc > at and recent:
            return Pick(PickKind.ALREADY, already=_latest_first(logged))
        earlier = _same_day((d for d in due if d.scheduled_utc < chosen.scheduled_utc), chosen)
        return Pick(PickKind.LOG, doses=(chosen,), earlier_open=earlier)
    if latest_logged is not None:
        return Pick(PickKind.ALREADY, already=_latest_first(logged))
    ahead = [d for d in open_ if d.scheduled_utc <= at + CONFIRM_AHEAD]
    if ahead:
        return Pick(PickKind.CONFIRM_EARLY, doses=(ahead[0],))
    return Pick(PickKind.NOTHING_DUE)


def _group_pick(group: Sequence[Dose], at: datetime, earlier_open: Sequence[Dose] = ()) -> Pick:
    open_ = tuple(d for d in group if not d.is_logged)
    logged = tuple(d for d in group if d.is_logged)
    if not open_:
        return Pick(PickKind.ALREADY, already=_latest_first(logged))
    if min(d.scheduled_utc for d in open_) > at + EARLY_WINDOW:
        return Pick(PickKind.CONFIRM_EARLY, doses=open_, already=_latest_first(logged))
    return Pick(PickKind.LOG, doses=open_, already=_latest_first(logged), earlier_open=tuple(earlier_open))


def _by_local_day(doses: Iterable[Dose]) -> dict[date, list[Dose]]:
    days: dict[date, list[Dose]] = {}
    for d in doses:
        days.setdefault(d.scheduled_local.date(), []).append(d)
    return days


def pick_for_time_of_day(scheduled: Sequence[Dose], slot: TimeOfDay, at: datetime, today: date,
                         yesterday: bool = False) -> Pick:
    """ "My morning tablets", "last night's": every scheduled dose in that slot, on the day meant.

    The day is `today` (the person's local date), unless the person said "last night", or today's slot is
    still ahead and yesterday's is within reach and open (at 00:30 "my night tablets" are last night's). A
    slot holding none of their doses is widened to doses just outside it before giving up.
    """
    for widened in (False, True):
        days = _by_local_day(d for d in scheduled if (slot.near(d.scheduled_local.time()) if widened
                                                      else slot.contains(d.scheduled_local.time())))
        if not days:
            continue
        past = [day for day in sorted(days) if day < today]
        before = days[past[-1]] if past else None
        if yesterday and before is not None:
            return _group_pick(before, at)
        group = days.get(today)
        if group is None:
            return _group_pick(before, at) if before is not None else Pick(PickKind.NO_SUCH_TIME)
        pick = _group_pick(group, at)
        if pick.kind is PickKind.CONFIRM_EARLY and before is not None and any(not d.is_logged for d in before) \
                and at - max(d.scheduled_utc for d in before) <= OVERNIGHT:
            return _group_pick(before, at)
        return pick
    return Pick(PickKind.NO_SUCH_TIME)


def pick_for_clock_time(scheduled: Sequence[Dose], wanted: time, at: datetime) -> Pick:
    """ "My 8 o'clock ones": the doses at that time (or 12 hours later when the hour was said without am or pm),
    the group nearest to now that is due, else the next one ahead (to confirm)."""
    hours = {wanted.hour} if wanted.hour >= 12 or wanted.hour == 0 else {wanted.hour, wanted.hour + 12}
    matching = [d for d in scheduled if d.scheduled_local.minute == wanted.minute and d.scheduled_local.hour in hours
                and in_reach(d, at) and d.scheduled_utc <= at + CONFIRM_AHEAD]
    if not matching:
        return Pick(PickKind.NO_SUCH_TIME)
    groups: dict[datetime, list[Dose]] = {}
    for d in matching:
        groups.setdefault(d.scheduled_utc, []).append(d)
    due = [t for t in groups if t <= at + EARLY_WINDOW]
    chosen = min(due, key=lambda t: abs(t - at)) if due else min(groups)
    return _group_pick(groups[chosen], at)


def pick_everything_due(scheduled: Sequence[Dose], at: datetime) -> Pick:
    """ "I've taken my pills": every open scheduled dose due now or soon, in the current slot's reach.

    Doses from an earlier time of day are not swept in: they are named back (earlier_open) to ask about.
    """
    reach = [d for d in scheduled if in_reach(d, at) and d.scheduled_utc <= at + EARLY_WINDOW]
    open_ = [d for d in reach if not d.is_logged]
    if not open_:
        logged = [d for d in reach if d.is_logged]
        return Pick(PickKind.ALREADY, already=_latest_first(logged)) if logged else Pick(PickKind.NOTHING_DUE)
    nearest = min(open_, key=lambda d: abs(d.scheduled_utc - at)).scheduled_utc
    now_group = [d for d in open_ if abs(d.scheduled_utc - nearest) <= timedelta(minutes=45)]
    earlier = _same_day((d for d in open_ if d not in now_group and d.scheduled_utc < nearest), now_group[0])
    return Pick(PickKind.LOG, doses=tuple(now_group), earlier_open=earlier)


def day_bounds(recipient: Recipient, at: datetime) -> tuple[datetime, datetime]:
    return day_window(at.astimezone(recipient.tz).date(), recipient.tz)


@dataclass(frozen=True)
class MedicineStatus:
    """ "Did I take my X?": the latest dose that fell due, what else is still open, and what comes next."""

    latest_due: Dose | None  # the most recent dose due by now (logged or not)
    earlier_open: tuple[Dose, ...]  # earlier due doses still not noted
    taken: tuple[Dose, ...]  # taken in reach (as-needed: today), the latest first
    next_open: Dose | None  # the next dose not yet due


def medicine_status(medication: Medication, doses: Sequence[Dose], at: datetime, day_start: datetime) -> MedicineStatus:
    mine = [d for d in doses if d.medication_id == medication.id]
    if medication.schedule.as_needed:
        taken = _latest_first(d for d in mine if d.status.is_taken and d.scheduled_utc >= day_start)
        return MedicineStatus(None, (), taken, None)
    reach = [d for d in mine if in_reach(d, at)]
    due = [d for d in reach if d.scheduled_utc <= at]
    latest = max(due, key=lambda d: d.scheduled_utc, default=None)
    earlier_open = tuple(d for d in due if d is not latest and not d.is_logged)
    taken = _latest_first(d for d in reach if d.status.is_taken)
    next_open = min((d for d in reach if d.scheduled_utc > at and not d.is_logged), key=lambda d: d.scheduled_utc,
                    default=None)
    return MedicineStatus(latest, earlier_open, taken, next_open)


def due_now(scheduled: Sequence[Dose], at: datetime) -> list[Dose]:
    """ "What do I take now?": open scheduled doses of the current time (nearest group due within the early
    window), never earlier times of day: those are asked about apart."""
    pick = pick_everything_due(scheduled, at)
    return list(pick.doses) if pick.kind is PickKind.LOG else []


def next_open_dose(scheduled: Sequence[Dose], at: datetime, medication_id: str | None = None) -> Dose | None:
    ahead = [d for d in scheduled if d.scheduled_utc > at and not d.is_logged
             and (medication_id is None or d.medication_id == medication_id)]
    return min(ahead, key=lambda d: d.scheduled_utc, default=None)
