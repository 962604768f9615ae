"""Expected dose times for a whole cohort, expanded once per distinct schedule rather than once per person.

Expanding a schedule dominated the coordinator table (1,000 people x 90 days). What a schedule expects in
a window depends only on the schedule, the zone and the window, not on the medication, so people who share
one ("08:00 and 20:00 every day", in the same zone) share one expansion. A medication's dose ids are then
its id plus each expected time's stamp: nothing per dose is built for the doses already stored.

A daily or weekday schedule that started before the window expects the same times in it whatever day it
started, so its start is moved up to the window (`window_schedule`): medications started on different days
share an expansion, and rrule no longer walks years of history to reach the window.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from skill.domain.models import Schedule, dose_id
from skill.schedules import occurrences


@dataclass(frozen=True)
class ExpectedTime:
    stamp: str  # "@YYYYMMDDTHHMM": a medication's id followed by this is its dose id (models.dose_id)
    utc: datetime
    local_day: date  # the recipient's local day of `utc` (what "a day" means for PDC)


def window_schedule(schedule: Schedule, tz: ZoneInfo, start: datetime) -> Schedule:
    """The same schedule as far as [start, ...) is concerned, started no earlier than needed.

    `occurrences` never looks at nominal days before the window's first local day minus one, and a rule
    with no interval (every day, or some weekdays every week) has the same days after any later start.
    An every-N-days rule keeps its start: the start sets which days it falls on.
    """
    earliest = start.astimezone(UTC).astimezone(tz).date() - timedelta(days=1)
    if schedule.every_n_days != 1 or schedule.start >= earliest:
        return schedule
    if schedule.end is not None and schedule.end < earliest:
        return schedule  # nothing in the window either way; keep start <= end valid
    return replace(schedule, start=earliest)


class ExpectedTimes:
    """Expansions kept for one computation (a cohort table): the key includes the window."""

    def __init__(self) -> None:
        self._cache: dict[tuple[Schedule, str, datetime, datetime], tuple[ExpectedTime, ...]] = {}

    def between(self, schedule: Schedule, tz: ZoneInfo, start: datetime, end: datetime) -> tuple[ExpectedTime, ...]:
        """What `skill.schedules.occurrences` expects in [start, end), in time order."""
        if schedule.as_needed:
            return ()
        schedule = window_schedule(schedule, tz, start)
        key = (schedule, tz.key, start, end)
        found = self._cache.get(key)
        if found is None:
            found = tuple(ExpectedTime(stamp=dose_id("", occ.nominal), utc=occ.utc, local_day=occ.local.date())
                          for occ in occurrences(schedule, tz, start, end))
            self._cache[key] = found
        return found
