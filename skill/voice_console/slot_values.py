"""Alexa's built-in slot types, as patterns to find them in text and the values Alexa would send.

AMAZON.NUMBER arrives as digits ("four eight two nine one three" -> "482913"), AMAZON.DURATION as
ISO 8601 ("15 minutes" -> "PT15M") and AMAZON.TIME as HH:MM ("8 am" -> "08:00") or a period of the day
("this evening" -> "EV"), the way the Alexa service resolves them.
"""

from __future__ import annotations

import re

DIGIT_WORDS = {"zero": 0, "oh": 0, "nought": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
               "six": 6, "seven": 7, "eight": 8, "nine": 9}
TEENS = {"ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
         "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19}
TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
        "ninety": 90}
SCALES = {"hundred": 100, "thousand": 1000, "million": 1_000_000}
REPEATS = {"double": 2, "triple": 3}

_WORDS = sorted([*DIGIT_WORDS, *TEENS, *TENS, *SCALES], key=len, reverse=True)
_TOKEN = r"(?:\d+|" + "|".join(_WORDS) + r")"
_LEAD = r"(?:\d+|(?:(?:double|triple)\s+)?(?:" + "|".join(w for w in _WORDS if w != "oh") + r"))"
_NEXT = r"(?:(?:double|triple)\s+)?" + _TOKEN
NUMBER_PATTERN = rf"{_LEAD}(?:\s+(?:and\s+)?{_NEXT})*"

_UNIT_WORDS = {
    "second": "S", "seconds": "S", "sec": "S", "secs": "S",
    "minute": "M", "minutes": "M", "min": "M", "mins": "M",
    "hour": "H", "hours": "H", "hr": "H", "hrs": "H",
    "day": "D", "days": "D", "week": "W", "weeks": "W",
}
_UNIT = "(?:" + "|".join(sorted(_UNIT_WORDS, key=len, reverse=True)) + ")"
_AMOUNT = rf"(?:{NUMBER_PATTERN}|an?|a\s+couple\s+of|a\s+few)"
_PART = rf"(?:{_AMOUNT}\s+{_UNIT}(?:\s+and\s+a\s+half)?|half\s+an?\s+{_UNIT}|(?:a\s+)?quarter\s+of\s+an?\s+{_UNIT})"
DURATION_PATTERN = rf"{_PART}(?:\s+(?:and\s+)?{_PART})*"

_ONE_TO_NINE = "|".join(w for w, v in DIGIT_WORDS.items() if v > 0)
_TEENS_TENS = "|".join([*TEENS, *TENS])
_HOUR = rf"(?:\d{{1,2}}|{_ONE_TO_NINE}|{'|'.join(TEENS)})"
_MINUTE = rf"(?:\d{{2}}|oh\s+(?:{_ONE_TO_NINE})|(?:{_TEENS_TENS})(?:\s+(?:{_ONE_TO_NINE}))?)"
_PERIOD = r"(?:am|pm|o'clock|in\s+the\s+morning|in\s+the\s+afternoon|in\s+the\s+evening|at\s+night|tonight)"
_CLOCK = rf"(?:\d{{1,2}}:\d{{2}}|{_HOUR}(?:\s+{_MINUTE})?)"
_PAST = rf"(?:half\s+past|quarter\s+past|quarter\s+to|{NUMBER_PATTERN}\s+(?:minutes\s+)?(?:past|to))\s+{_HOUR}"
_NAMED = r"(?:noon|midday|midnight|(?:this\s+|in\s+the\s+)?(?:morning|afternoon|evening)|night|tonight)"
TIME_PATTERN = rf"(?:(?:{_CLOCK}|{_PAST})(?:\s+{_PERIOD})*|{_NAMED})"

_NAMED_TIMES = {"noon": "12:00", "midday": "12:00", "midnight": "00:00", "morning": "MO", "afternoon": "AF",
                "evening": "EV", "night": "NI", "tonight": "NI"}


def _words(text: str) -> list[str]:
    return [w for w in text.lower().split() if w != "and"]


def parse_number(text: str) -> str | None:
    """Digits as Alexa sends them; digit-by-digit speech ("double four one") is concatenated, like a code."""
    words = _words(text)
    if not words:
        return None
    if any(w in SCALES for w in words):
        return _arithmetic(words)
    groups: list[str] = []
    repeat = 1
    i = 0
    while i < len(words):
        word = words[i]
        if word in REPEATS:
            repeat = REPEATS[word]
            i += 1
            continue
        if word.isdigit():
            value = word
        elif word in DIGIT_WORDS:
            value = str(DIGIT_WORDS[word])
        elif word in TEENS:
            value = str(TEENS[word])
        elif word in TENS:
            tens = TENS[word]
            if i + 1 < len(words) and words[i + 1] in DIGIT_WORDS and DIGIT_WORDS[words[i + 1]] > 0:
                tens += DIGIT_WORDS[words[i + 1]]
                i += 1
            value = str(tens)
        else:
            return None
        groups.append(value * repeat)
        repeat = 1
        i += 1
    joined = "".join(groups)
    return str(int(joined)) if len(groups) == 1 else joined


def _arithmetic(words: list[str]) -> str | None:
    total = current = 0
    for word in words:
        if word.isdigit():
            current += int(word)
        elif word in DIGIT_WORDS:
            current += DIGIT_WORDS[word]
        elif word in TEENS:
            current += TEENS[word]
        elif word in TENS:
            current += TENS[word]
        elif word == "hundred":
            current = (current or 1) * 100
        elif word in SCALES:
            total += (current or 1) * SCALES[word]
            current = 0
        else:
            return None
    return str(total + current)


def _amount(text: str) -> float | None:
    text = text.strip()
    if text in ("a", "an"):
        return 1
    if text == "a couple of":
        return 2
    if text == "a few":
        return 3
    number = parse_number(text)
    return float(number) if number is not None else None


_PART_RE = re.compile(
    rf"(?P<half>half\s+an?\s+(?P<half_unit>{_UNIT}))"
    rf"|(?P<quarter>(?:a\s+)?quarter\s+of\s+an?\s+(?P<quarter_unit>{_UNIT}))"
    rf"|(?P<amount>{_AMOUNT})\s+(?P<unit>{_UNIT})(?P<and_half>\s+and\s+a\s+half)?"
)
_SECONDS = {"S": 1, "M": 60, "H": 3600, "D": 86400, "W": 7 * 86400}


def parse_duration(text: str) -> str | None:
    """ISO 8601 duration: "an hour and a half" -> "PT1H30M", "two days" -> "P2D"."""
    seconds = 0.0
    found = False
    for match in _PART_RE.finditer(text.lower()):
        found = True
        if match.group("half"):
            seconds += _SECONDS[_UNIT_WORDS[match.group("half_unit")]] / 2
        elif match.group("quarter"):
            seconds += _SECONDS[_UNIT_WORDS[match.group("quarter_unit")]] / 4
        else:
            amount = _amount(match.group("amount"))
            if amount is None:
                return None
            if match.group("and_half"):
                amount += 0.5
            seconds += amount * _SECONDS[_UNIT_WORDS[match.group("unit")]]
    if not found or seconds <= 0:
        return None
    return _iso_duration(int(seconds))


def _iso_duration(seconds: int) -> str:
    if seconds % 86400 == 0:
        days = seconds // 86400
        return f"P{days // 7}W" if days % 7 == 0 else f"P{days}D"
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    out = f"P{days}D" if days else "P"
    out += "T"
    out += f"{hours}H" if hours else ""
    out += f"{minutes}M" if minutes else ""
    out += f"{secs}S" if secs else ""
    return out


def _small(text: str) -> int | None:
    number = parse_number(text)
    return int(number) if number is not None else None


def parse_time(text: str) -> str | None:
    """HH:MM on a 24-hour clock, or MO/AF/EV/NI for a part of the day, as AMAZON.TIME resolves them."""
    text = " ".join(text.lower().split())
    named = re.fullmatch(r"(?:this\s+|in\s+the\s+)?(\w+)", text)
    if named and named.group(1) in _NAMED_TIMES:
        return _NAMED_TIMES[named.group(1)]
    pm = bool(re.search(r"\b(?:pm|in the afternoon|in the evening|at night|tonight)\b", text))
    am = bool(re.search(r"\b(?:am|in the morning)\b", text))
    core = re.sub(rf"\s*\b{_PERIOD}\b", "", text).strip()
    hour: int | None
    minute: int | None = 0
    if match := re.fullmatch(r"(\d{1,2}):(\d{2})", core):
        hour, minute = int(match.group(1)), int(match.group(2))
    elif match := re.fullmatch(rf"(half past|quarter past|quarter to|(.+?)\s+(?:minutes\s+)?(past|to))\s+({_HOUR})",
                               core):
        hour = _small(match.group(4))
        if match.group(1) == "half past":
            minute = 30
        elif match.group(1) == "quarter past":
            minute = 15
        elif match.group(1) == "quarter to":
            minute = -15
        else:
            minute = _small(match.group(2))
            if minute is not None and match.group(3) == "to":
                minute = -minute
    elif match := re.fullmatch(rf"({_HOUR})(?:\s+({_MINUTE}))?", core):
        hour = _small(match.group(1))
        minute = _small(match.group(2)) if match.group(2) else 0
    else:
        return None
    if hour is None or minute is None or hour > 23 or abs(minute) > 59:
        return None
    if minute < 0:
        hour, minute = (hour - 1) % 24, 60 + minute
    if pm and hour < 12:
        hour += 12
    elif am and hour == 12:
        hour = 0
    return f"{hour:02d}:{minute:02d}"


PATTERNS = {"AMAZON.NUMBER": NUMBER_PATTERN, "AMAZON.DURATION": DURATION_PATTERN, "AMAZON.TIME": TIME_PATTERN}
PARSERS = {"AMAZON.NUMBER": parse_number, "AMAZON.DURATION": parse_duration, "AMAZON.TIME": parse_time}
