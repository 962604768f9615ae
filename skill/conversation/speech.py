"""How DoseKeeper says things: times the way each locale says them, doses in words, short lists, SSML.

Older listeners follow "8 this evening" more easily than "20:00", and a list longer than three items is hard
to hold in mind, so lists stop after three and offer "want to hear more?".
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from html import escape

MAX_LISTED = 3
_UNITS = {
    "mg": "milligrams", "mcg": "micrograms", "µg": "micrograms", "ug": "micrograms", "g": "grams",
    "ml": "millilitres", "iu": "units", "tab": "tablets", "tabs": "tablets", "caps": "capsules",
}
_US_UNITS = {"millilitres": "milliliters"}
_NUMBER_UNIT = re.compile(r"(\d+(?:\.\d+)?)\s*([a-zA-Zµ]+)\b")


def is_us(locale: str) -> bool:
    return locale == "en-US"


def clock(at: datetime, locale: str) -> str:
    """The time of day alone: en-GB "half past 8", "8:05", "midday"; en-US "8:30 PM"."""
    hour, minute = at.hour, at.minute
    if is_us(locale):
        if (hour, minute) == (12, 0):
            return "noon"
        if (hour, minute) == (0, 0):
            return "midnight"
        twelve = hour % 12 or 12
        suffix = "AM" if hour < 12 else "PM"
        return f"{twelve} {suffix}" if minute == 0 else f"{twelve}:{minute:02d} {suffix}"
    if (hour, minute) == (12, 0):
        return "midday"
    if (hour, minute) == (0, 0):
        return "midnight"
    twelve = hour % 12 or 12
    following = (hour + 1) % 12 or 12
    match minute:
        case 0:
            return str(twelve)
        case 15:
            return f"quarter past {twelve}"
        case 30:
            return f"half past {twelve}"
        case 45:
            return f"quarter to {following}"
        case _:
            return f"{twelve}:{minute:02d}"


def _part_of_day(at: datetime) -> str:
    if at.hour < 12:
        return "morning"
    if at.hour < 17:
        return "afternoon"
    if at.hour < 21:
        return "evening"
    return "night"


def when(at: datetime, now: datetime, locale: str) -> str:
    """A moment relative to now, both in the person's zone: "8 this evening", "8 AM tomorrow"."""
    at_local = at.astimezone(now.tzinfo)
    days = (at_local.date() - now.date()).days
    said = clock(at_local, locale)
    if said in ("midday", "noon", "midnight"):
        day = {0: "today", 1: "tomorrow", -1: "yesterday"}.get(days, "on " + at_local.strftime("%A"))
        return f"{said} {day}"
    if is_us(locale):
        if days == 0:
            return said
        day = {1: "tomorrow", -1: "yesterday"}.get(days, "on " + at_local.strftime("%A"))
        return f"{said} {day}"
    part = _part_of_day(at_local)
    if days == 0:
        return f"{said} tonight" if part == "night" else f"{said} this {part}"
    if days == 1:
        return f"{said} tomorrow {part}"
    if days == -1:
        return f"{said} last night" if part == "night" else f"{said} yesterday {part}"
    return f"{said} on {at_local.strftime('%A')} {part}"


def time_of_day(at: datetime, locale: str) -> str:
    """A daily time without a day: en-GB "8 in the morning", "half past 8 in the evening"; en-US "8 AM"."""
    said = clock(at, locale)
    if is_us(locale) or said in ("midday", "midnight"):
        return said
    part = _part_of_day(at)
    return f"{said} at night" if part == "night" else f"{said} in the {part}"


def dose_words(dose_text: str, locale: str) -> str:
    """ "5 mg" -> "5 milligrams", so Alexa never reads out an abbreviation."""
    def expand(match: re.Match[str]) -> str:
        unit = _UNITS.get(match.group(2).lower(), match.group(2))
        if is_us(locale):
            unit = _US_UNITS.get(unit, unit)
        return f"{match.group(1)} {unit}"

    return _NUMBER_UNIT.sub(expand, dose_text)


def medicine(name: str, dose_text: str, locale: str) -> str:
    """ "Ramipril, 5 milligrams" (or just the name when no dose is recorded)."""
    return f"{name}, {dose_words(dose_text, locale)}" if dose_text else name


def join(items: Sequence[str], last: str = "and") -> str:
    """ "A, B and C"; `last="or"` for a choice: "A, B or C"."""
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + f" {last} " + items[-1]


def choice(items: Sequence[str]) -> str:
    """At most MAX_LISTED options to choose from: "A, B or C", or "A, B, C or another one" when there are more."""
    if len(items) <= MAX_LISTED:
        return join(items, "or")
    return join([*items[:MAX_LISTED], "another one"], "or")


def first_few(items: Sequence[str]) -> tuple[str, list[str]]:
    """The first MAX_LISTED items joined for speech, and the rest to offer with "want to hear more?"."""
    head, rest = list(items[:MAX_LISTED]), list(items[MAX_LISTED:])
    if rest:
        return ", ".join(head), rest
    return join(head), rest


BREAK = "\u2063"  # between list items: a pause in speech, a comma in text
PAUSES = {"normal": "350ms", "long": "800ms"}


def spoken_list(items: Sequence[str], last: str = "and") -> str:
    """Items with a pause between each, so a list is heard one thing at a time."""
    if len(items) < 2:
        return join(items, last)
    return f",{BREAK} ".join(items[:-1]) + f" {last}{BREAK} " + items[-1]


def plain(text: str) -> str:
    """The text as written (cards, the console, Home Assistant): pauses become nothing."""
    return text.replace(BREAK, "")


def ssml(text: str, rate: str, pause: str = "normal") -> str:
    """Wrap plain text for Alexa: slower when the person asked for it, with pauses between list items."""
    body = escape(text, quote=False).replace(BREAK, f'<break time="{PAUSES.get(pause, PAUSES["normal"])}"/>')
    if rate != "medium":
        body = f'<prosody rate="{rate}">{body}</prosody>'
    return f"<speak>{body}</speak>"


def minutes_words(delta: timedelta) -> str:
    minutes = max(int(delta.total_seconds() // 60), 1)
    if minutes < 60:
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    hours, rest = divmod(minutes, 60)
    text = f"{hours} hour{'s' if hours != 1 else ''}"
    return text + (f" and {rest} minute{'s' if rest != 1 else ''}" if rest else "")
