"""Word lists for the slots Alexa fills from its built-in types (numbers, clock times, durations).

Alexa resolves "ten", "half past eight" and "an hour" itself and sends "10", "08:30" and "PT1H"; Home
Assistant's matcher only knows what a list spells out. So the same values are written out here, each as the
words people say (`in`) and the value Alexa would have sent (`out`), and the dialogue reads them unchanged.
Times are kept to five-minute steps: nobody says "I took it at seven thirty-three".
"""

from __future__ import annotations

from typing import Any

UNITS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
         "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen")
TENS = {20: "twenty", 30: "thirty", 40: "forty", 50: "fifty"}
MAX_COUNT = 20  # "I took ten paracetamol"; more is never one intake


def number_words(n: int) -> str:
    if n < 20:
        return UNITS[n]
    tens, unit = divmod(n, 10)
    return TENS[tens * 10] + (f" {UNITS[unit]}" if unit else "")


def _either(*forms: str) -> str:
    unique = list(dict.fromkeys(forms))
    return unique[0] if len(unique) == 1 else "(" + "|".join(unique) + ")"


def count_values() -> list[dict[str, Any]]:
    return [{"in": _either(number_words(n), str(n)), "out": str(n)} for n in range(1, MAX_COUNT + 1)]


def _hour_words(hour: int) -> str:
    return _either(number_words(hour), str(hour))


def dose_time_values() -> list[dict[str, Any]]:
    """ "my {doseTime} o'clock ones": the hour alone, as Alexa reads "8 o'clock" (08:00, never guessed pm)."""
    return [{"in": _hour_words(h), "out": f"{h:02d}:00"} for h in range(1, 13)]


_MORNING = "(am|a m|in the morning)"
_LATER = "(pm|p m|in the afternoon|in the evening|at night|tonight)"


def _clock_forms(hour: int, minute: int) -> list[str]:
    """Ways to say a time on a 12-hour clock face, without morning or evening."""
    following = hour % 12 + 1
    forms = [f"{hour}:{minute:02d}", f"{hour} {minute:02d}"] if minute else [_hour_words(hour),
                                                                                f"{_hour_words(hour)} o'clock"]
    if minute:
        said = f"oh {UNITS[minute]}" if minute < 10 else number_words(minute)
        forms.append(f"{number_words(hour)} {said}")
    named = {15: f"quarter past {_hour_words(hour)}", 30: f"half past {_hour_words(hour)}",
             45: f"quarter to {_hour_words(following)}"}
    if minute in named:
        forms.append(named[minute])
    elif minute and minute < 30:
        forms.append(f"{number_words(minute)} [minutes] past {_hour_words(hour)}")
    elif minute > 30:
        forms.append(f"{number_words(60 - minute)} [minutes] to {_hour_words(following)}")
    return forms


def taken_at_values() -> list[dict[str, Any]]:
    """ "at {takenAt}": the hour as said ("seven" is 07:00, as Alexa sends it), or with am / pm."""
    values: list[dict[str, Any]] = [{"in": "(noon|midday)", "out": "12:00"}, {"in": "midnight", "out": "00:00"}]
    for hour in range(1, 13):
        for minute in range(0, 60, 5):
            face = _either(*_clock_forms(hour, minute))
            morning, later = hour % 12, hour % 12 + 12
            values.append({"in": face, "out": f"{hour:02d}:{minute:02d}"})
            values.append({"in": f"{face} {_MORNING}", "out": f"{morning:02d}:{minute:02d}"})
            values.append({"in": f"{face} {_LATER}", "out": f"{later:02d}:{minute:02d}"})
    return values


def taken_ago_values() -> list[dict[str, Any]]:
    """ "{takenAgo} ago", as ISO 8601 durations."""
    values: list[dict[str, Any]] = [
        {"in": "(a minute|one minute|1 minute)", "out": "PT1M"},
        {"in": "((half an|half a|a half) hour|thirty minutes|30 minutes)", "out": "PT30M"},
        {"in": "([a] quarter of an hour|fifteen minutes|15 minutes)", "out": "PT15M"},
        {"in": "(an hour|one hour|1 hour|a hour)", "out": "PT1H"},
        {"in": "(an hour and a half|one and a half hours|1 and a half hours|ninety minutes|90 minutes)",
         "out": "PT1H30M"},
        {"in": "(a couple of hours|a couple hours)", "out": "PT2H"},
        {"in": "(a couple of minutes|a couple minutes)", "out": "PT2M"},
    ]
    for minutes in (2, 3, 4, 5, 10, 20, 25, 40, 45, 50):
        values.append({"in": f"({number_words(minutes)}|{minutes}) minutes", "out": f"PT{minutes}M"})
    for hours in range(2, 13):
        values.append({"in": f"({number_words(hours)}|{hours}) hours", "out": f"PT{hours}H"})
        values.append({"in": f"({number_words(hours)}|{hours}) and a half hours", "out": f"PT{hours}H30M"})
    return values


BUILT_IN = {"AMAZON.NUMBER": count_values, "AMAZON.TIME": taken_at_values, "AMAZON.DURATION": taken_ago_values}
EXCEPTIONS = {"doseTime": dose_time_values}  # "8 o'clock ones": the o'clock is in the sentence, not the value
