"""Times of day as people say them: "my morning tablets", "tonight's", "my lunchtime pills".

A slot is a span of local wall-clock time. Spans are generous and ordered so each dose time falls in exactly
one; when a person names a slot that holds none of their doses, doses just outside it are tried before asking.
"""

from __future__ import annotations

from datetime import time
from enum import StrEnum


class TimeOfDay(StrEnum):
    MORNING = "MORNING"
    MIDDAY = "MIDDAY"
    AFTERNOON = "AFTERNOON"
    EVENING = "EVENING"
    NIGHT = "NIGHT"

    def contains(self, t: time) -> bool:
        start, end = SPANS[self]
        return start <= t < end if start < end else (t >= start or t < end)

    def near(self, t: time, margin_minutes: int = 120) -> bool:
        """Inside the span or within the margin of either edge: "evening" still reaches a 17:00 dose."""
        if self.contains(t):
            return True
        start, end = SPANS[self]
        minute = t.hour * 60 + t.minute
        edges = (start.hour * 60 + start.minute, end.hour * 60 + end.minute)
        return any(min(abs(minute - e), 1440 - abs(minute - e)) <= margin_minutes for e in edges)


SPANS: dict[TimeOfDay, tuple[time, time]] = {
    TimeOfDay.MORNING: (time(4, 0), time(11, 0)),
    TimeOfDay.MIDDAY: (time(11, 0), time(14, 30)),
    TimeOfDay.AFTERNOON: (time(14, 30), time(17, 0)),
    TimeOfDay.EVENING: (time(17, 0), time(21, 30)),
    TimeOfDay.NIGHT: (time(21, 30), time(4, 0)),
}


def slot_of(t: time) -> TimeOfDay:
    return next(slot for slot in TimeOfDay if slot.contains(t))
