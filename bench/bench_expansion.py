"""Schedule expansion (`skill.schedules.occurrences`) against a bare rrule + zoneinfo loop, in one run.

The floor is what any code must do with the standard tools: one dateutil rrule per time of day, `between`
over the window, each naive time placed in the zone (`replace(tzinfo=..., fold=0)`, then to UTC). DoseKeeper's
expansion does more (the local time after a DST gap, the UTC window filter, an `Occurrence` per dose) and
is still measured against that floor. Three shapes: a day (a voice turn), a week (the planner), 90 days
(reports); a medication started two years ago, times 08:00 and 20:00, in Europe/London. Best of `--repeat`.

    .venv/bin/python bench/bench_expansion.py
"""

from __future__ import annotations

import argparse
import sys
import timeit
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dateutil.rrule import DAILY, rrule

from skill.domain.models import Schedule
from skill.schedules import day_window, occurrences

TZ = ZoneInfo("Europe/London")
TIMES = (time(8), time(20))


def bare(first: date, last: date) -> Callable[[], int]:
    """The floor: rrule over the local days (started at the window, as a bare loop would), each time placed
    with zoneinfo."""
    def run() -> int:
        n = 0
        for at in TIMES:
            rule = rrule(DAILY, dtstart=datetime.combine(first, at))
            for nominal in rule.between(datetime.combine(first, time(0)), datetime.combine(last, time(23, 59)),
                                        inc=True):
                nominal.replace(tzinfo=TZ, fold=0).astimezone(UTC)
                n += 1
        return n
    return run


def ours(schedule: Schedule, start: datetime, end: datetime) -> Callable[[], int]:
    def run() -> int:
        return sum(1 for _ in occurrences(schedule, TZ, start, end))
    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    today = date.today()
    schedule = Schedule(times=TIMES, start=today - timedelta(days=730))
    for label, days in (("1 day", 1), ("7 days", 7), ("90 days", 90)):
        first, last = today, today + timedelta(days=days - 1)
        start, _ = day_window(first, TZ)
        _, end = day_window(last, TZ)
        floor_fn, our_fn = bare(first, last), ours(schedule, start, end)
        assert floor_fn() == our_fn() == days * len(TIMES)
        number = max(1, 2_000 // days)
        floor = min(timeit.repeat(floor_fn, number=number, repeat=args.repeat)) / number
        mine = min(timeit.repeat(our_fn, number=number, repeat=args.repeat)) / number
        print(f"expansion, {label:>7}: bare rrule+zoneinfo {floor * 1e6:8.1f} us, occurrences {mine * 1e6:8.1f} us"
              f" = {mine / floor:.2f}x the floor (goal <= 1.5x)")


if __name__ == "__main__":
    main()
