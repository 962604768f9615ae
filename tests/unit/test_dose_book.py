"""Which dose "I took my metformin" means: the rules that keep a mistake from doubling a dose."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, time, timedelta

from skill.domain.models import Dose, DoseStatus, LogSource
from skill.domain.times_of_day import TimeOfDay
from skill.doses import (
    PickKind,
    expected_doses,
    log_status,
    merge_doses,
    pick_for_clock_time,
    pick_for_medicine,
    pick_for_time_of_day,
)
from tests.factories import medication, recipient

EDITH = recipient(timezone="Europe/London")
MET = medication(EDITH.id, "Metformin", at=("08:00", "09:00", "20:00"))
DAY = datetime(2026, 11, 25, tzinfo=UTC)


def today() -> list[Dose]:
    return expected_doses(EDITH, MET, DAY, DAY + timedelta(days=1))


def taken(dose: Dose, at: datetime) -> Dose:
    return replace(dose, status=DoseStatus.TAKEN, logged_at=at, source=LogSource.VOICE)


def at(hours: float) -> datetime:
    return DAY + timedelta(hours=hours)


def test_the_due_dose_nearest_now_is_meant_and_an_earlier_open_one_is_named_back() -> None:
    # GIVEN the 08:00 and 09:00 doses open, WHEN "I took my metformin" at 09:30
    pick = pick_for_medicine(MET, today(), at(9.5))
    # THEN the 09:00 dose is meant, and 08:00 is asked about rather than taken silently
    assert pick.kind is PickKind.LOG and [d.scheduled_utc.hour for d in pick.doses] == [9]
    assert [d.scheduled_utc.hour for d in pick.earlier_open] == [8]


def test_the_evening_report_never_takes_the_forgotten_morning_dose() -> None:
    # GIVEN only the morning doses forgotten, WHEN "I took my metformin" at 20:05
    pick = pick_for_medicine(MET, today(), at(20 + 5 / 60))
    assert [d.scheduled_utc.hour for d in pick.doses] == [20]
    assert {d.scheduled_utc.hour for d in pick.earlier_open} == {8, 9}


def test_a_repeat_report_after_the_latest_log_is_already_taken() -> None:
    doses = today()
    doses[2] = taken(doses[2], at(20.1))
    pick = pick_for_medicine(MET, doses, at(20.5))
    assert pick.kind is PickKind.ALREADY and pick.already[0].scheduled_utc.hour == 20
    assert {d.scheduled_utc.hour for d in pick.earlier_open} == {8, 9}


def test_an_early_log_right_after_another_means_already() -> None:
    doses = today()
    doses[0] = taken(doses[0], at(8.1))
    pick = pick_for_medicine(MET, doses, at(8 + 10 / 60))
    assert pick.kind is PickKind.ALREADY and pick.already[0].scheduled_utc.hour == 8


def test_a_dose_long_before_it_is_due_needs_confirming() -> None:
    pick = pick_for_medicine(MET, today(), at(5))
    assert pick.kind is PickKind.CONFIRM_EARLY and pick.doses[0].scheduled_utc.hour == 8


def test_last_nights_dose_reported_after_midnight_is_the_one_meant() -> None:
    statin = medication(EDITH.id, "Atorvastatin", at=("22:00",))
    doses = expected_doses(EDITH, statin, DAY, DAY + timedelta(days=2))
    pick = pick_for_medicine(statin, doses, at(24.5))
    assert pick.kind is PickKind.LOG and pick.doses[0].scheduled_utc == at(22)


def test_a_time_of_day_means_exactly_that_slots_doses() -> None:
    ram = medication(EDITH.id, "Ramipril", at=("08:00", "20:00"))
    doses = merge_doses(EDITH, [MET, ram], [], DAY, DAY + timedelta(days=1))
    morning = pick_for_time_of_day(doses, TimeOfDay.MORNING, at(20.1), DAY.date())
    assert morning.kind is PickKind.LOG and {d.scheduled_utc.hour for d in morning.doses} == {8, 9}
    evening = pick_for_time_of_day(doses, TimeOfDay.EVENING, at(8.2), DAY.date())
    assert evening.kind is PickKind.CONFIRM_EARLY and {d.medication_name for d in evening.doses} == {
        "Metformin", "Ramipril"}
    assert pick_for_time_of_day(doses, TimeOfDay.AFTERNOON, at(15), DAY.date()).kind is PickKind.NO_SUCH_TIME


def test_an_hour_without_am_or_pm_means_the_nearest_due_one() -> None:
    doses = today()
    assert pick_for_clock_time(doses, time(8, 0), at(20.2)).doses[0].scheduled_utc.hour == 20
    assert pick_for_clock_time(doses, time(8, 0), at(13)).doses[0].scheduled_utc.hour == 8


def test_late_and_missed_doses_log_as_taken_late() -> None:
    dose = today()[0]
    assert log_status(EDITH, dose, dose.scheduled_utc + timedelta(minutes=59), skip=False) is DoseStatus.TAKEN
    assert log_status(EDITH, dose, dose.scheduled_utc + timedelta(minutes=61), skip=False) is DoseStatus.TAKEN_LATE
    missed = replace(dose, status=DoseStatus.MISSED)
    assert log_status(EDITH, missed, dose.scheduled_utc, skip=False) is DoseStatus.TAKEN_LATE
    assert log_status(EDITH, dose, dose.scheduled_utc, skip=True) is DoseStatus.SKIPPED


def test_merge_prefers_stored_doses_and_keeps_time_order() -> None:
    expected = today()
    stored = [taken(expected[1], DAY + timedelta(hours=9))]
    merged = merge_doses(EDITH, [MET], stored, DAY, DAY + timedelta(days=1))
    assert [d.status for d in merged] == [DoseStatus.PENDING, DoseStatus.TAKEN, DoseStatus.PENDING]
    assert merge_doses(EDITH, [MET.stopped()], [], DAY, DAY + timedelta(days=1)) == []
