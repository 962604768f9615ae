"""Which dose "I took my metformin" means: the rules that keep a mistake from doubling a dose."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from skill.domain.models import Dose, DoseStatus, LogSource, Schedule
from skill.doses import choose_dose_to_log, expected_doses, log_status, merge_doses
from tests.factories import medication, recipient

EDITH = recipient(timezone="Europe/London")
MET = medication(EDITH.id, "Metformin", at=("08:00", "09:00", "20:00"))
DAY = datetime(2026, 11, 25, tzinfo=UTC)


def today() -> list[Dose]:
    return expected_doses(EDITH, MET, DAY, DAY + timedelta(days=1))


def taken(dose: Dose, at: datetime) -> Dose:
    return replace(dose, status=DoseStatus.TAKEN, logged_at=at, source=LogSource.VOICE)


def test_the_earliest_due_dose_is_logged_first() -> None:
    doses = today()
    target = choose_dose_to_log(EDITH, MET, doses, DAY + timedelta(hours=9, minutes=30))
    assert target.dose is not None and target.dose.scheduled_utc.hour == 8


def test_a_second_log_right_after_the_first_is_already_taken_not_the_next_dose() -> None:
    # GIVEN the 08:00 dose taken at 08:05, and another due at 09:00
    doses = today()
    doses[0] = taken(doses[0], DAY + timedelta(hours=8, minutes=5))
    # WHEN "I took my metformin" is heard again at 08:10
    target = choose_dose_to_log(EDITH, MET, doses, DAY + timedelta(hours=8, minutes=10))
    # THEN nothing is logged: the person is told it was already taken at 08:05
    assert target.dose is None and target.reason == "already_logged"
    assert target.last_logged is not None and target.last_logged.logged_at == DAY + timedelta(hours=8, minutes=5)


def test_an_overdue_dose_is_still_logged_after_a_recent_log() -> None:
    doses = today()
    doses[0] = taken(doses[0], DAY + timedelta(hours=8, minutes=5))
    target = choose_dose_to_log(EDITH, MET, doses, DAY + timedelta(hours=9, minutes=10))
    assert target.dose is not None and target.dose.scheduled_utc.hour == 9


def test_a_dose_can_be_logged_a_little_early_but_not_hours_early() -> None:
    doses = today()[2:]  # only the 20:00 dose
    assert choose_dose_to_log(EDITH, MET, doses, DAY + timedelta(hours=19)).dose is not None
    early = choose_dose_to_log(EDITH, MET, doses, DAY + timedelta(hours=15))
    assert early.dose is None and early.reason == "too_early"


def test_late_and_missed_doses_log_as_taken_late() -> None:
    dose = today()[0]
    assert log_status(EDITH, dose, dose.scheduled_utc + timedelta(minutes=59), skip=False) is DoseStatus.TAKEN
    assert log_status(EDITH, dose, dose.scheduled_utc + timedelta(minutes=61), skip=False) is DoseStatus.TAKEN_LATE
    missed = replace(dose, status=DoseStatus.MISSED)
    assert log_status(EDITH, missed, dose.scheduled_utc, skip=False) is DoseStatus.TAKEN_LATE
    assert log_status(EDITH, dose, dose.scheduled_utc, skip=True) is DoseStatus.SKIPPED


def test_as_needed_respects_interval_and_daily_maximum() -> None:
    para = medication(EDITH.id, "Paracetamol", schedule=Schedule(as_needed=True, min_interval_minutes=240,
                                                                 max_per_day=2, start=date(2026, 1, 1)))
    first = choose_dose_to_log(EDITH, para, [], DAY + timedelta(hours=7))
    assert first.dose is not None
    done = [taken(first.dose, DAY + timedelta(hours=7))]
    soon = choose_dose_to_log(EDITH, para, done, DAY + timedelta(hours=9))
    assert soon.dose is None and soon.reason == "as_needed_too_soon"
    assert soon.next_allowed_at == DAY + timedelta(hours=11)
    second = choose_dose_to_log(EDITH, para, done, DAY + timedelta(hours=11))
    assert second.dose is not None
    done.append(taken(second.dose, DAY + timedelta(hours=11)))
    assert choose_dose_to_log(EDITH, para, done, DAY + timedelta(hours=16)).reason == "as_needed_daily_max"


def test_merge_prefers_stored_doses_and_keeps_time_order() -> None:
    expected = today()
    stored = [taken(expected[1], DAY + timedelta(hours=9))]
    merged = merge_doses(EDITH, [MET], stored, DAY, DAY + timedelta(days=1))
    assert [d.status for d in merged] == [DoseStatus.PENDING, DoseStatus.TAKEN, DoseStatus.PENDING]
    assert merge_doses(EDITH, [MET.stopped()], [], DAY, DAY + timedelta(days=1)) == []
