"""The coordinator table's fast path gives exactly the figures of the definitions (merge_doses + count).

The cohort expands each distinct schedule once and never builds a Dose for an expected dose nobody stored;
these tests hold it to the plain computation over many kinds of schedule, zones across daylight saving,
stopped and as-needed medicines, unstored doses and doses stored under another zone.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

from skill.domain.models import Dose, DoseStatus, LogSource, Medication, Recipient, Schedule
from skill.doses import as_needed_dose, expected_doses, merge_doses
from skill.reports.adherence import (
    WINDOWS,
    CohortRow,
    cohort_row,
    count,
    last_activity,
    proportion_of_days_covered,
    scheduled_only,
    window_end,
    window_start,
)
from skill.reports.expected import ExpectedTimes
from skill.schedules import occurrences
from tests import factories

NOW = datetime(2026, 3, 30, 10, 0, tzinfo=UTC)  # the day after Europe's spring forward; the US changed on the 8th
ZONES = ("Europe/London", "America/New_York", "Australia/Sydney", "America/Santiago", "Asia/Kolkata")


def reference_row(recipient: Recipient, meds: Sequence[Medication], stored: Sequence[Dose]) -> CohortRow:
    """The table's figures straight from the definitions in skill.reports.adherence."""
    start, end = window_start(recipient, NOW, 90), window_end(recipient, NOW)
    doses = merge_doses(recipient, meds, stored, start, end)
    scheduled = scheduled_only(doses, meds)
    windows, in_window = {}, {}
    for days in WINDOWS:
        since = window_start(recipient, NOW, days)
        in_window[days] = [d for d in scheduled if since <= d.scheduled_utc < end]
        windows[days] = count(in_window[days], recipient.grace, NOW)
    start30, start60 = window_start(recipient, NOW, 30), window_start(recipient, NOW, 60)
    before = count((d for d in scheduled if start60 <= d.scheduled_utc < start30), recipient.grace, NOW)
    current = windows[30].adherence
    return CohortRow(
        recipient_id=recipient.id, display_name=recipient.display_name, organisation=recipient.organisation,
        adherence_7=windows[7].adherence, adherence_30=current, adherence_90=windows[90].adherence,
        pdc_30=proportion_of_days_covered(recipient, in_window[30], NOW), missed_30=windows[30].missed,
        skipped_30=windows[30].skipped,
        trend=current - before.adherence if current is not None and before.adherence is not None else None,
        last_activity=last_activity(doses), windows=windows)


def a_schedule(rng: random.Random) -> Schedule:
    kind = rng.choice(("daily", "weekdays", "every_n", "ended", "as_needed", "starts_soon"))
    times = tuple(time(h, rng.choice((0, 30))) for h in rng.sample(range(24), rng.randint(1, 3)))
    start = NOW.date() - timedelta(days=rng.randint(1, 800))
    if kind == "as_needed":
        return Schedule(as_needed=True, start=start, max_per_day=4)
    if kind == "weekdays":
        return Schedule(times=times, weekdays=tuple(rng.sample(range(7), rng.randint(1, 6))), start=start)
    if kind == "every_n":
        return Schedule(times=times, every_n_days=rng.randint(2, 5), start=start)
    if kind == "ended":
        return Schedule(times=times, start=start,
                        end=max(start, NOW.date() - timedelta(days=rng.randint(-3, 200))))
    if kind == "starts_soon":
        return Schedule(times=times, start=NOW.date() - timedelta(days=rng.randint(-2, 20)))
    return Schedule(times=times, start=start)


def stored_history(rng: random.Random, person: Recipient, med: Medication) -> list[Dose]:
    start = NOW - timedelta(days=100)
    if med.schedule.as_needed:
        return [replace(as_needed_dose(person, med, NOW - timedelta(hours=rng.randint(1, 2000))),
                        status=DoseStatus.TAKEN, logged_at=NOW - timedelta(days=1), source=LogSource.VOICE)
                for _ in range(rng.randint(0, 5))]
    moved = replace(person, timezone=rng.choice(ZONES))  # some history planned before a move
    history = []
    for dose in expected_doses(moved if rng.random() < 0.1 else person, replace(med, active=True), start, NOW):
        roll = rng.random()
        if roll < 0.6:
            late = rng.random() < 0.2
            history.append(replace(dose, status=DoseStatus.TAKEN_LATE if late else DoseStatus.TAKEN,
                                   logged_at=dose.scheduled_utc + timedelta(minutes=90 if late else 3),
                                   source=LogSource.VOICE))
        elif roll < 0.65:
            history.append(replace(dose, status=DoseStatus.SKIPPED, logged_at=dose.scheduled_utc))
        elif roll < 0.8:
            history.append(replace(dose, status=DoseStatus.MISSED if rng.random() < 0.5 else DoseStatus.PENDING))
    for dose in expected_doses(person, replace(med, active=True), NOW, NOW + timedelta(days=14)):
        history.append(dose)  # planned ahead: outside every window
    return history


def test_the_cohort_figures_equal_the_definitions_for_many_kinds_of_people() -> None:
    # GIVEN 150 people in zones that change clocks inside the window, each with 1-4 medicines of every
    # kind (some stopped), a patchy stored history, and some doses stored under a zone they left
    rng = random.Random(20260330)
    people = []
    for i in range(150):
        person = factories.recipient(display_name=f"P{i}", timezone=ZONES[i % len(ZONES)],
                                     grace_minutes=rng.choice((30, 60, 240)))
        meds = [factories.medication(person.id, f"M{j}", schedule=a_schedule(rng)) for j in range(rng.randint(1, 4))]
        stored = [d for med in meds for d in stored_history(rng, person, med)]
        meds = [med.stopped() if rng.random() < 0.15 else med for med in meds]
        people.append((person, meds, stored))
    expected = ExpectedTimes()
    for person, meds, stored in people:
        # WHEN the table's row is computed (one expansion shared by everyone)
        row = cohort_row(person, meds, stored, NOW, expected)
        # THEN every figure is the definitions' figure
        assert row == reference_row(person, meds, stored)


def test_a_shared_expansion_is_what_the_schedule_expects() -> None:
    # GIVEN a daily schedule started two years ago and the same times started last week
    old = Schedule(times=(time(8), time(20)), start=date(2024, 3, 1))
    recent = replace(old, start=NOW.date() - timedelta(days=7))
    tz = factories.recipient(timezone="America/New_York").tz
    start, end = NOW - timedelta(days=90), NOW
    expected = ExpectedTimes()
    for schedule in (old, recent):
        # WHEN they are expanded over 90 days
        times = expected.between(schedule, tz, start, end)
        # THEN the times and dose stamps are the schedule's own occurrences
        assert [(t.utc, t.stamp) for t in times] == [
            (o.utc, "@" + o.nominal.strftime("%Y%m%dT%H%M")) for o in occurrences(schedule, tz, start, end)]
