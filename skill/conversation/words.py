"""Putting doses into words: names once each, grouped by time, times said the way the locale says them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from skill.conversation.speech import choice, dose_words, is_us, spoken_list
from skill.conversation.talk import Talk
from skill.domain.models import Dose
from skill.domain.times_of_day import TimeOfDay, slot_of


def names(doses: Iterable[Dose]) -> list[str]:
    """Each medicine once, in time order: a sentence never repeats a name."""
    return list(dict.fromkeys(d.medication_name for d in sorted(doses, key=lambda d: d.scheduled_utc)))


def said_names(doses: Iterable[Dose]) -> str:
    return spoken_list(names(doses))


def o_clock(talk: Talk, local: datetime) -> str:
    """ "8 o'clock", "half past 8" (en-GB) or "8:30" (en-US): how a dose time names a group of medicines."""
    twelve = local.hour % 12 or 12
    if local.minute == 0:
        return talk.say("time.o_clock", hour=twelve)
    if not is_us(talk.locale) and local.minute == 30:
        return talk.say("time.half_past", hour=twelve)
    return f"{twelve}:{local.minute:02d}"


def slot_word(talk: Talk, slot: TimeOfDay) -> str:
    return talk.say(f"slot.{slot.value.lower()}")


def group_label(talk: Talk, doses: Sequence[Dose]) -> str:
    """What to call a group of doses: "your 8 o'clock medicines", "this morning's"."""
    return o_clock(talk, doses[0].scheduled_local)


def by_time(doses: Iterable[Dose]) -> list[list[Dose]]:
    groups: dict[datetime, list[Dose]] = {}
    for d in sorted(doses, key=lambda d: (d.scheduled_utc, d.medication_name.casefold())):
        groups.setdefault(d.scheduled_utc, []).append(d)
    return list(groups.values())


def grouped(talk: Talk, doses: Iterable[Dose]) -> list[str]:
    """ "Metformin and Aspirin at 8 this morning", one item per time."""
    return [talk.say("dose.group", names=said_names(g), when=talk.when(g[0].scheduled_utc)) for g in by_time(doses)]


def medicine_with_dose(talk: Talk, dose: Dose) -> str:
    med = talk.medication(dose.medication_id)
    if med is None or not med.dose_text:
        return dose.medication_name
    return talk.say("dose.with_amount", name=dose.medication_name, amount=dose_words(med.dose_text, talk.locale))


def part_of_day(talk: Talk, dose: Dose) -> str:
    """ "this morning's", "last night's": how an earlier dose is named back."""
    day = (dose.scheduled_local.date() - talk.local_now.date()).days
    slot = slot_of(dose.scheduled_local.time())
    key = f"earlier.{slot.value.lower()}" if day == 0 else f"earlier.yesterday_{slot.value.lower()}"
    return talk.say(key)


def options(items: Sequence[str]) -> str:
    return choice(items)
