"""Property tests: schedules expand with no lost and no doubled dose, in any zone, 2026-2035, across DST."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, available_timezones

from hypothesis import given, settings
from hypothesis import strategies as st

from skill.domain.models import Schedule
from skill.schedules import build_rule, day_window, nominal_times, occurrences, place

ZONES = sorted(z for z in available_timezones() if "/" in z and not z.startswith(("Etc/", "SystemV/")))
zones = st.sampled_from(ZONES)
days = st.dates(min_value=date(2026, 1, 1), max_value=date(2035, 12, 1))
times = st.lists(st.times().map(lambda t: t.replace(second=0, microsecond=0)), min_size=1, max_size=4, unique=True)


@settings(max_examples=300, deadline=None)
@given(zone=zones, start=days, at=times, span=st.integers(min_value=1, max_value=40))
def test_every_scheduled_time_happens_exactly_once_each_local_day(zone: str, start: date, at: list[time],
                                                                    span: int) -> None:
    # GIVEN a daily schedule in any zone
    tz = ZoneInfo(zone)
    schedule = Schedule(times=tuple(at), start=start)
    window_start, _ = day_window(start, tz)
    _, window_end = day_window(start + timedelta(days=span - 1), tz)
    # WHEN it is expanded over `span` local days
    found = list(occurrences(schedule, tz, window_start, window_end))
    # THEN each (day, time) appears exactly once: no dose lost, none doubled
    nominal = [o.nominal for o in found]
    assert len(nominal) == len(set(nominal)) == span * len(schedule.times)
    assert {(n.date(), n.time()) for n in nominal} == {
        (start + timedelta(days=d), t) for d in range(span) for t in schedule.times}


@settings(max_examples=300, deadline=None)
@given(zone=zones, day=days, at=times)
def test_dst_rules_follow_rfc_5545(zone: str, day: date, at: list[time]) -> None:
    tz = ZoneInfo(zone)
    for t in at:
        nominal = datetime.combine(day, t)
        local, utc = place(nominal, tz)
        first = nominal.replace(tzinfo=tz, fold=0)
        second = nominal.replace(tzinfo=tz, fold=1)
        exists = first.astimezone(UTC).astimezone(tz).replace(tzinfo=None) == nominal
        if exists:
            # a real local time keeps its wall clock; an ambiguous one takes its FIRST occurrence
            assert local.replace(tzinfo=None) == nominal
            assert utc == min(first.astimezone(UTC), second.astimezone(UTC))
        else:
            # a time in a gap is read with the offset before the gap: it moves forward by the gap
            before = first.utcoffset()
            assert before is not None
            assert utc == (nominal - before).replace(tzinfo=UTC)
            assert local.replace(tzinfo=None) > nominal


@settings(max_examples=150, deadline=None)
@given(zone=zones, start=days, at=times, cut_hours=st.integers(min_value=1, max_value=24 * 9 - 1))
def test_splitting_a_window_neither_loses_nor_repeats_a_dose(zone: str, start: date, at: list[time],
                                                              cut_hours: int) -> None:
    # The sweep and the planner expand adjacent windows: their union must equal one expansion.
    tz = ZoneInfo(zone)
    schedule = Schedule(times=tuple(at), start=start)
    a = datetime.combine(start, time(0), tzinfo=UTC)
    cut, b = a + timedelta(hours=cut_hours), a + timedelta(days=9)
    whole = [o.utc for o in occurrences(schedule, tz, a, b)]
    parts = [o.utc for o in occurrences(schedule, tz, a, cut)] + [o.utc for o in occurrences(schedule, tz, cut, b)]
    assert parts == whole


@settings(max_examples=150, deadline=None)
@given(zone=zones, start=days, weekdays=st.lists(st.integers(0, 6), min_size=1, max_size=7, unique=True),
       every=st.integers(min_value=1, max_value=5), end_after=st.integers(min_value=0, max_value=30))
def test_weekdays_every_n_days_and_course_end_are_respected(zone: str, start: date, weekdays: list[int],
                                                             every: int, end_after: int) -> None:
    tz = ZoneInfo(zone)
    end = start + timedelta(days=end_after)
    window = (day_window(start - timedelta(days=3), tz)[0], day_window(end + timedelta(days=10), tz)[1])
    on_days = Schedule(times=(time(9, 0),), weekdays=tuple(weekdays), start=start, end=end)
    got = [o.nominal.date() for o in occurrences(on_days, tz, *window)]
    assert got == [start + timedelta(days=d) for d in range(end_after + 1)
                   if (start + timedelta(days=d)).weekday() in weekdays]
    spaced = Schedule(times=(time(9, 0),), every_n_days=every, start=start, end=end)
    got = [o.nominal.date() for o in occurrences(spaced, tz, *window)]
    assert got == [start + timedelta(days=d) for d in range(0, end_after + 1, every)]


def test_london_spring_forward_moves_0230_to_0330_and_autumn_keeps_the_first_0130() -> None:
    tz = ZoneInfo("Europe/London")
    # 2026-03-29: clocks go 01:00 -> 02:00 in London; use New York for a 02:30 gap (2026-03-08)
    ny = ZoneInfo("America/New_York")
    local, utc = place(datetime(2026, 3, 8, 2, 30), ny)
    assert (local.hour, local.minute, utc.hour) == (3, 30, 7)
    local, utc = place(datetime(2026, 10, 25, 1, 30), tz)
    assert utc == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # BST, the first 01:30
    as_needed = Schedule(as_needed=True, start=date(2026, 1, 1))
    assert list(occurrences(as_needed, tz, datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 2, 1, tzinfo=UTC))) == []


@settings(max_examples=200, deadline=None)
@given(zone=zones, day=days, every=st.integers(min_value=1, max_value=9),
       started_days_before=st.integers(min_value=0, max_value=3000), span=st.integers(min_value=1, max_value=30))
def test_an_old_schedule_keeps_its_every_n_days_rhythm_in_a_late_window(zone: str, day: date, every: int,
                                                                       started_days_before: int, span: int) -> None:
    # GIVEN a schedule that started years before the window a report asks about
    tz = ZoneInfo(zone)
    start = day - timedelta(days=started_days_before)
    schedule = Schedule(times=(time(9, 0),), every_n_days=every, start=start)
    window = (day_window(day, tz)[0], day_window(day + timedelta(days=span - 1), tz)[1])
    # THEN exactly the days on its rhythm are expected, counted from its own start
    got = [o.nominal.date() for o in occurrences(schedule, tz, *window)]
    assert got == [day + timedelta(days=d) for d in range(span)
                   if (day + timedelta(days=d) - start).days % every == 0]


@settings(max_examples=300, deadline=None)
@given(start=days, at=times, first_offset=st.integers(min_value=-400, max_value=400),
       span=st.integers(min_value=0, max_value=60), every=st.integers(min_value=1, max_value=10),
       weekdays=st.none() | st.sets(st.integers(min_value=0, max_value=6), min_size=1),
       length=st.none() | st.integers(min_value=0, max_value=500))
def test_the_fast_expansion_yields_exactly_what_the_rrule_does(
        start: date, at: list[time], first_offset: int, span: int, every: int, weekdays: set[int] | None,
        length: int | None) -> None:
    # GIVEN any fixed-time schedule (every N days, or some weekdays; open or ending) and any window of days
    schedule = Schedule(times=tuple(at), start=start, every_n_days=1 if weekdays else every,
                        weekdays=tuple(weekdays) if weekdays else None,
                        end=start + timedelta(days=length) if length is not None else None)
    first = start + timedelta(days=first_offset)
    last = first + timedelta(days=span)
    # WHEN it is stepped day by day THEN the times are exactly the RFC 5545 rule's, in the same order
    expected = build_rule(schedule, last).between(datetime.combine(first, time(0)),
                                                  datetime.combine(last, time(23, 59)), inc=True)
    assert list(nominal_times(schedule, first, last)) == expected
