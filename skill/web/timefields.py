"""Times of day as carers type and read them: one text field that takes what people write, in their style.

A browser's `<input type="time">` shows AM/PM or 24-hour by the browser's own locale and silently empties
itself on "2000", while a hint beside it said "24-hour HH:MM". A text field read on the server accepts
"20:00", "2000", "8pm", "8:00 PM" and "8.30", and the page writes times back the way the carer reads them
(12-hour for en-US browsers, 24-hour otherwise), so the field, its hint and the tables agree.
"""

from __future__ import annotations

import re
from datetime import time

from flask import has_request_context, request

from skill.domain.errors import ValidationError

_CLOCK = re.compile(r"(?P<h>\d{1,2})(?:[:.h ]?(?P<m>\d{2}))?\s*(?P<ampm>[ap]\.?\s*m\.?)?")
TWELVE_HOUR_LOCALES = ("en-US",)
LOCALES = ("en-GB", "en-US")


def parse_clock(text: str, what: str = "time") -> time:
    """ "20:00", "2000", "20.00", "8pm", "8:30 am", "8 PM", "12am" (midnight) -> a time of day."""
    cleaned = " ".join(text.strip().lower().split())
    match = _CLOCK.fullmatch(cleaned)
    if match is None:
        raise ValidationError(f"{what}: {text.strip()!r} is not a time; write it like 20:00 or 8pm")
    hour, minute = int(match["h"]), int(match["m"] or 0)
    if match["ampm"]:
        if not 1 <= hour <= 12:
            raise ValidationError(f"{what}: {text.strip()!r} is not a time; with am or pm the hour is 1 to 12")
        hour = hour % 12 + (12 if match["ampm"].startswith("p") else 0)
    if hour > 23 or minute > 59:
        raise ValidationError(f"{what}: {text.strip()!r} is not a time; write it like 20:00 or 8pm")
    return time(hour, minute)


def carer_locale() -> str:
    """The carer's browser language among the two the app writes (en-GB unless the browser prefers en-US)."""
    if not has_request_context():
        return "en-GB"
    return request.accept_languages.best_match(LOCALES, default="en-GB") or "en-GB"


def uses_twelve_hour() -> bool:
    return carer_locale() in TWELVE_HOUR_LOCALES


def format_clock(value: time | None) -> str:
    """A time as the carer reads it: "8:00 PM" for en-US, "20:00" otherwise; "" for none."""
    if value is None:
        return ""
    if uses_twelve_hour():
        return f"{value.hour % 12 or 12}:{value.minute:02d} {'AM' if value.hour < 12 else 'PM'}"
    return value.strftime("%H:%M")


def clock_hint() -> str:
    return "such as 8:00 PM or 8pm" if uses_twelve_hour() else "such as 20:00 or 8pm"
