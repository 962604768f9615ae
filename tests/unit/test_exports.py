"""Exports: CSV columns and safety, FHIR R4 that validates, an iCalendar that expands like our schedules."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import UTC, date, datetime, time
from typing import Any

from dateutil.rrule import rrulestr
from fhir.resources.R4B.bundle import Bundle
from icalendar import Calendar

from skill.domain.models import DoseStatus, LogSource, Schedule
from skill.doses import expected_doses
from skill.exports.csv_export import COLUMNS, render_csv
from skill.exports.fhir import build_bundle
from skill.exports.ical import build_calendar, hash_feed_token, new_feed_token
from skill.schedules import occurrences
from tests import factories

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
EDITH = factories.recipient()


def day_doses(med_at: tuple[str, ...] = ("08:00", "20:00"), name: str = "Metformin") -> tuple:  # type: ignore[type-arg]
    med = factories.medication(EDITH.id, name, at=med_at)
    doses = expected_doses(EDITH, med, datetime(2026, 3, 10, tzinfo=UTC), datetime(2026, 3, 11, tzinfo=UTC))
    return med, doses


def test_csv_has_the_agreed_columns_and_report_statuses() -> None:
    # GIVEN 08:00 taken by voice and 20:00 not yet due
    _, doses = day_doses()
    taken = replace(doses[0], status=DoseStatus.TAKEN, logged_at=datetime(2026, 3, 10, 8, 4, tzinfo=UTC),
                    source=LogSource.VOICE)
    # WHEN exported
    rows = list(csv.reader(io.StringIO(render_csv(EDITH, [taken, doses[1]], NOW))))
    # THEN the header and values are as documented
    assert tuple(rows[0]) == COLUMNS
    assert rows[1] == [EDITH.id, "Metformin", "2026-03-10T08:00:00+00:00", "2026-03-10T08:00:00Z", "taken",
                       "2026-03-10T08:04:00Z", "voice"]
    assert rows[2][4:] == ["pending", "", ""]


def test_csv_never_hands_a_spreadsheet_a_formula() -> None:
    _, doses = day_doses(name="=HYPERLINK(1)")
    rows = list(csv.reader(io.StringIO(render_csv(EDITH, doses, NOW))))
    assert rows[1][1] == "'=HYPERLINK(1)"


def test_fhir_bundle_validates_and_says_why_a_dose_was_not_done() -> None:
    # GIVEN a weekday schedule with an end, a taken dose, a skipped one and a missed one
    med = factories.medication(EDITH.id, schedule=Schedule(times=(time(8), time(20)), weekdays=(0, 1, 2),
                                                           start=date(2026, 3, 1), end=date(2026, 6, 30)))
    doses = expected_doses(EDITH, med, datetime(2026, 3, 9, tzinfo=UTC), datetime(2026, 3, 10, 23, tzinfo=UTC))
    marked = [replace(doses[0], status=DoseStatus.TAKEN, logged_at=doses[0].scheduled_utc, source=LogSource.WEB),
              replace(doses[1], status=DoseStatus.SKIPPED, logged_at=doses[1].scheduled_utc),
              doses[2], doses[3]]
    # WHEN the bundle is built and parsed back from JSON
    bundle = Bundle.model_validate_json(build_bundle(EDITH, [med], marked, NOW).model_dump_json())
    # THEN the request carries the timing, and administrations are completed / not-done with reasons
    resources: list[Any] = [e.resource for e in bundle.entry or []]
    request = resources[0]
    repeat = request.dosageInstruction[0].timing.repeat
    assert [str(t) for t in repeat.timeOfDay] == ["08:00:00", "20:00:00"]
    assert list(repeat.dayOfWeek) == ["mon", "tue", "wed"]
    assert str(repeat.boundsPeriod.end).startswith("2026-06-30")
    done = [(r.status, r.statusReason[0].coding[0].code if r.statusReason else None) for r in resources[1:]]
    assert done == [("completed", None), ("not-done", "skipped"), ("not-done", "missed")]  # 20:00 not due


def expand(event: object, until: datetime) -> list[datetime]:
    start = event["DTSTART"].dt  # type: ignore[index]
    rule = event["RRULE"].to_ical().decode()  # type: ignore[index]
    return list(rrulestr(rule, dtstart=start).between(start, until, inc=True))


def test_ical_rrule_expands_to_the_same_doses_across_a_dst_change() -> None:
    # GIVEN 08:00 and 22:30 every other day across London's spring-forward (29 March 2026), ending in April
    med = factories.medication(EDITH.id, schedule=Schedule(times=(time(8), time(22, 30)), every_n_days=2,
                                                           start=date(2026, 3, 20), end=date(2026, 4, 10)))
    # WHEN the calendar is written, parsed back and its rules expanded
    calendar = Calendar.from_ical(build_calendar(EDITH, [med]).to_ical())
    events = calendar.walk("VEVENT")
    until = datetime(2026, 4, 30, tzinfo=UTC)
    from_ical = sorted(d.astimezone(UTC) for e in events for d in expand(e, until))
    # THEN every instant is one skill.schedules expects, and none is missing
    ours = [o.utc for o in occurrences(med.schedule, EDITH.tz, datetime(2026, 3, 1, tzinfo=UTC), until)]
    assert from_ical == ours
    assert len(ours) == 22
    assert {str(e["DTSTART"].params["TZID"]) for e in events} == {"Europe/London"}
    assert any(d.hour == 7 for d in ours) and any(d.hour == 8 for d in ours)  # BST, then GMT


def test_a_weekly_rule_starts_on_its_first_weekday() -> None:
    med = factories.medication(EDITH.id, schedule=Schedule(times=(time(9),), weekdays=(4,), start=date(2026, 3, 2)))
    event: Any = Calendar.from_ical(build_calendar(EDITH, [med]).to_ical()).walk("VEVENT")[0]
    assert event["DTSTART"].dt.date() == date(2026, 3, 6)  # the Friday after Monday 2 March


def test_feed_tokens_are_long_random_and_stored_hashed() -> None:
    token = new_feed_token()
    assert len(token) >= 40 and token != new_feed_token()
    assert hash_feed_token(token) != token and len(hash_feed_token(token)) == 64
