"""Adherence: how the web app, the API and the exports decide what "taken", "late" and "missed" mean.

Definitions (shown on the coordinator page, and the same everywhere):

* a dose is **on time** when it was logged taken within its grace window (status ``taken``);
* it is **late** when it was logged taken after the grace window (status ``taken_late``);
* it is **missed** when it was never taken: status ``missed``, or still ``pending`` after its grace window
  has passed at report time (the sweep may not have marked it yet, but nobody is going to take it on time);
* a **skipped** dose was a decision (a carer or the person chose not to take it), not a lapse: it is
  *excluded from the denominator* and reported apart;
* a dose still pending inside its grace window (or in the future) is **not yet due** and counts nowhere;
* a dose scheduled before the medicine was entered is not expected at all, unless the carer said it was
  already being taken: then an open one is **not recorded** (shown apart, outside adherence), never missed
  (the rule is `skill.doses.expects_from` / `recorded_from`).

Adherence = (on time + late) / (on time + late + missed). As-needed medicines have no schedule, so they
are left out of adherence altogether.

Proportion of days covered (PDC), for coordinators: of the local days that had at least one decided,
non-skipped scheduled dose, the share on which every such dose was taken (on time or late). A day that
still has a dose not yet due is not counted until it is decided.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum

from skill.domain.models import Dose, DoseStatus, Medication, Recipient
from skill.doses import expects_from, merge_doses, recorded_from
from skill.reports.expected import ExpectedTimes
from skill.schedules import day_window
from skill.store.core import CoreStore

WINDOWS = (7, 30, 90)


class Outcome(StrEnum):
    """A dose as a report sees it (a pending dose past its grace window is already missed)."""

    ON_TIME = "on_time"
    LATE = "late"
    MISSED = "missed"
    SKIPPED = "skipped"
    NOT_DUE = "not_due"
    NOT_RECORDED = "not_recorded"  # before the medicine was entered (it was already being taken): unknown


RecordingStarts = Mapping[str, datetime]  # medication id -> before this, an open dose is "not recorded"


def recording_starts(medications: Iterable[Medication]) -> dict[str, datetime]:
    """For the medicines the carer said were already being taken: when their recording began."""
    return {m.id: start for m in medications if (start := recorded_from(m)) is not None}


def classify(dose: Dose, grace: timedelta, now: datetime, starts: RecordingStarts | None = None) -> Outcome:
    """`starts` (from `recording_starts`): without it, every open dose past its grace window is missed."""
    status = dose.status
    if status is DoseStatus.TAKEN:
        return Outcome.ON_TIME
    if status is DoseStatus.TAKEN_LATE:
        return Outcome.LATE
    if status is DoseStatus.SKIPPED:
        return Outcome.SKIPPED
    if starts and (since := starts.get(dose.medication_id)) is not None and dose.scheduled_utc < since:
        return Outcome.NOT_RECORDED
    if status is DoseStatus.MISSED or now > dose.scheduled_utc + grace:
        return Outcome.MISSED
    return Outcome.NOT_DUE


@dataclass(frozen=True, slots=True)
class Counts:
    on_time: int = 0
    late: int = 0
    missed: int = 0
    skipped: int = 0
    not_due: int = 0
    not_recorded: int = 0

    @property
    def taken(self) -> int:
        return self.on_time + self.late

    @property
    def scheduled(self) -> int:
        """The denominator: decided doses, skipped ones left out (see the module docstring)."""
        return self.on_time + self.late + self.missed

    @property
    def adherence(self) -> float | None:
        """None when nothing was due: "no data" must not read as 0% or 100%."""
        return self.taken / self.scheduled if self.scheduled else None


def count(doses: Iterable[Dose], grace: timedelta, now: datetime, starts: RecordingStarts | None = None) -> Counts:
    tally: dict[Outcome, int] = defaultdict(int)
    for dose in doses:
        tally[classify(dose, grace, now, starts)] += 1
    return Counts(on_time=tally[Outcome.ON_TIME], late=tally[Outcome.LATE], missed=tally[Outcome.MISSED],
                  skipped=tally[Outcome.SKIPPED], not_due=tally[Outcome.NOT_DUE],
                  not_recorded=tally[Outcome.NOT_RECORDED])


def proportion_of_days_covered(recipient: Recipient, doses: Iterable[Dose], now: datetime,
                               starts: RecordingStarts | None = None) -> float | None:
    by_day: dict[date, list[Outcome]] = defaultdict(list)
    for dose in doses:
        by_day[dose.scheduled_utc.astimezone(recipient.tz).date()].append(
            classify(dose, recipient.grace, now, starts))
    return _covered_share(by_day.values())


def _covered_share(days: Iterable[list[Outcome]]) -> float | None:
    """PDC from each local day's outcomes."""
    counted = covered = 0
    for outcomes in days:
        relevant = [o for o in outcomes if o not in (Outcome.SKIPPED, Outcome.NOT_RECORDED)]
        if not relevant or Outcome.NOT_DUE in relevant:
            continue
        counted += 1
        covered += all(o in (Outcome.ON_TIME, Outcome.LATE) for o in relevant)
    return covered / counted if counted else None


def scheduled_only(doses: Iterable[Dose], medications: Iterable[Medication]) -> list[Dose]:
    """Drop as-needed doses: they were never expected, so they cannot be missed."""
    as_needed = {m.id for m in medications if m.schedule.as_needed}
    return [d for d in doses if d.medication_id not in as_needed]


def window_start(recipient: Recipient, now: datetime, days: int) -> datetime:
    """Local midnight `days - 1` days before today: a 7-day window is today and the six days before."""
    today = now.astimezone(recipient.tz).date()
    return day_window(today - timedelta(days=days - 1), recipient.tz)[0]


def window_end(recipient: Recipient, now: datetime) -> datetime:
    return day_window(now.astimezone(recipient.tz).date(), recipient.tz)[1]


def last_activity(doses: Iterable[Dose]) -> datetime | None:
    logged = [d.logged_at for d in doses if d.logged_at is not None]
    return max(logged) if logged else None


@dataclass(frozen=True)
class MedicationSummary:
    medication_id: str
    medication_name: str
    counts: Counts


@dataclass(frozen=True)
class RecipientSummary:
    recipient_id: str
    days: int
    start: datetime
    end: datetime
    counts: Counts
    pdc: float | None
    by_medication: tuple[MedicationSummary, ...]
    last_activity: datetime | None


def summarise(recipient: Recipient, medications: Sequence[Medication], doses: Sequence[Dose], now: datetime,
              days: int) -> RecipientSummary:
    """A summary from records already read (merged doses of the window)."""
    start, end = window_start(recipient, now, days), window_end(recipient, now)
    mine = [d for d in scheduled_only(doses, medications) if start <= d.scheduled_utc < end]
    starts = recording_starts(medications)
    per_med: dict[str, list[Dose]] = defaultdict(list)
    for dose in mine:
        per_med[dose.medication_id].append(dose)
    by_med = tuple(
        MedicationSummary(medication_id=mid, medication_name=ds[0].medication_name,
                          counts=count(ds, recipient.grace, now, starts))
        for mid, ds in sorted(per_med.items(), key=lambda kv: kv[1][0].medication_name.casefold()))
    return RecipientSummary(recipient_id=recipient.id, days=days, start=start, end=end,
                            counts=count(mine, recipient.grace, now, starts),
                            pdc=proportion_of_days_covered(recipient, mine, now, starts), by_medication=by_med,
                            last_activity=last_activity(d for d in doses if start <= d.scheduled_utc < end))


def recipient_summary(store: CoreStore, recipient: Recipient, now: datetime, days: int = 30) -> RecipientSummary:
    """One recipient's adherence over the last `days` local days: two store reads."""
    if not 1 <= days <= 366:
        raise ValueError("days must be between 1 and 366")
    meds = store.list_medications(recipient.id, include_stopped=True)
    start, end = window_start(recipient, now, days), window_end(recipient, now)
    doses = merge_doses(recipient, meds, store.list_doses(recipient.id, start, end), start, end)
    return summarise(recipient, meds, doses, now, days)


@dataclass(frozen=True)
class CohortRow:
    """One line of the coordinator's table."""

    recipient_id: str
    display_name: str
    organisation: str
    adherence_7: float | None
    adherence_30: float | None
    adherence_90: float | None
    pdc_30: float | None
    missed_30: int
    skipped_30: int
    trend: float | None  # 30-day adherence minus that of the 30 days before; None without both
    last_activity: datetime | None
    windows: dict[int, Counts] = field(default_factory=dict)


class _Tally:
    """Outcome counts of one window, added to one dose at a time."""

    __slots__ = ("counts",)

    def __init__(self) -> None:
        self.counts = dict.fromkeys(Outcome, 0)

    def result(self) -> Counts:
        c = self.counts
        return Counts(on_time=c[Outcome.ON_TIME], late=c[Outcome.LATE], missed=c[Outcome.MISSED],
                      skipped=c[Outcome.SKIPPED], not_due=c[Outcome.NOT_DUE],
                      not_recorded=c[Outcome.NOT_RECORDED])


def cohort_row(recipient: Recipient, medications: Sequence[Medication], stored: Iterable[Dose], now: datetime,
               expected: ExpectedTimes | None = None) -> CohortRow:
    """One person's figures from their stored doses, exactly as `merge_doses` + `count` would give them.

    In one pass, and without building a Dose for an expected dose nobody stored: such a dose is pending,
    so all that decides its outcome is its time (missed once its grace window has passed).
    """
    expected = expected or ExpectedTimes()
    tz, grace = recipient.tz, recipient.grace
    end = window_end(recipient, now)
    starts = [(days, window_start(recipient, now, days)) for days in WINDOWS]
    start = min(s for _, s in starts)
    start30, start60 = window_start(recipient, now, 30), window_start(recipient, now, 60)
    tallies = {days: _Tally() for days in WINDOWS}
    previous = _Tally()
    by_day: dict[date, list[Outcome]] = defaultdict(list)

    def add(utc: datetime, outcome: Outcome, local_day: date | None) -> None:
        for days, since in starts:
            if utc >= since:
                tallies[days].counts[outcome] += 1
        if utc >= start30:
            by_day[local_day or utc.astimezone(tz).date()].append(outcome)
        elif utc >= start60:
            previous.counts[outcome] += 1

    in_window = {d.id: d for d in stored if start <= d.scheduled_utc < end}  # as merge_doses: one per id
    as_needed = {m.id for m in medications if m.schedule.as_needed}
    recording = recording_starts(medications)
    for dose in in_window.values():
        if dose.medication_id not in as_needed:
            add(dose.scheduled_utc, classify(dose, grace, now, recording), None)
    for med in medications:
        if not med.active:
            continue  # a stopped medicine expects nothing more; what was stored of it still counts
        first, since = expects_from(med), recording.get(med.id)
        for at in expected.between(med.schedule, tz, start, end):
            if (first is not None and at.utc < first) or med.id + at.stamp in in_window:
                continue
            if since is not None and at.utc < since:
                add(at.utc, Outcome.NOT_RECORDED, at.local_day)
            else:
                add(at.utc, Outcome.MISSED if now > at.utc + grace else Outcome.NOT_DUE, at.local_day)
    windows = {days: tallies[days].result() for days in WINDOWS}
    before = previous.result()
    current = windows[30].adherence
    trend = current - before.adherence if current is not None and before.adherence is not None else None
    return CohortRow(
        recipient_id=recipient.id, display_name=recipient.display_name, organisation=recipient.organisation,
        adherence_7=windows[7].adherence, adherence_30=current, adherence_90=windows[90].adherence,
        pdc_30=_covered_share(by_day.values()), missed_30=windows[30].missed, skipped_30=windows[30].skipped,
        trend=trend, last_activity=last_activity(in_window.values()), windows=windows)


def cohort_rows(store: CoreStore, recipients: Sequence[Recipient], now: datetime) -> list[CohortRow]:
    """The coordinator table over 90 days, with a bounded number of store requests.

    One `load_recipient_views` over a UTC window wide enough for every recipient's zone (expected doses
    that were never stored still count as missed).
    Never one request per recipient per day.
    """
    if not recipients:
        return []
    start = min(window_start(r, now, max(WINDOWS)) for r in recipients)
    end = max(window_end(r, now) for r in recipients)
    views = store.load_recipient_views([r.id for r in recipients], start, end)
    expected = ExpectedTimes()  # shared: most people's schedules are the same few
    return [cohort_row(r, list(views[r.id].medications), list(views[r.id].doses), now, expected)
            for r in recipients if r.id in views]
