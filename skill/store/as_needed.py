"""The as-needed guard's arithmetic, shared by every store so they cannot disagree about the numbers.

A store gathers the medicine's recent taken doses atomically (SQLite inside its write transaction,
DynamoDB by a read whose result the guard's version pins); this module turns them into the outcome.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from skill.domain.models import Dose
from skill.store.core import AS_NEEDED_LOOKBACK


@dataclass(frozen=True)
class TakesSummary:
    """What the recent takes say about a new one: a duplicate of it, or the numbers to report."""

    same_intake: Dose | None  # an already recorded taken dose less than the window away
    previous_taken_at: datetime | None
    taken_today_before: int


def lookback_start(dose: Dose, day_start: datetime) -> datetime:
    """The earliest dose time that can change the outcome: the day's start or the lookback, whichever is older."""
    return min(day_start, dose.scheduled_utc - AS_NEEDED_LOOKBACK)


def lookahead_end(dose: Dose, same_intake_within: timedelta) -> datetime:
    """The latest dose time that can make this one a duplicate."""
    return dose.scheduled_utc + same_intake_within


def summarise(takes: Iterable[Dose], dose: Dose, same_intake_within: timedelta, day_start: datetime,
              day_end: datetime) -> TakesSummary:
    """`takes`: this medicine's taken doses between `lookback_start` and `lookahead_end` (others ignored)."""
    at = dose.scheduled_utc
    earlier: list[Dose] = []
    nearest: Dose | None = None
    for take in takes:
        if take.id == dose.id:  # the same local minute: the very same intake
            return TakesSummary(same_intake=take, previous_taken_at=None, taken_today_before=0)
        gap = abs(take.scheduled_utc - at)
        if gap < same_intake_within and (nearest is None or gap < abs(nearest.scheduled_utc - at)):
            nearest = take
        if take.scheduled_utc <= at:
            earlier.append(take)
    if nearest is not None:
        return TakesSummary(same_intake=nearest, previous_taken_at=None, taken_today_before=0)
    recent = [t.scheduled_utc for t in earlier if t.scheduled_utc >= at - AS_NEEDED_LOOKBACK]
    today = sum(t.quantity for t in earlier if day_start <= t.scheduled_utc < day_end)
    return TakesSummary(same_intake=None, previous_taken_at=max(recent, default=None), taken_today_before=today)
