"""The words of every alert, per locale: short, and naming a medicine only when the contact opted in.

By default a message names the person and the dose time ("Edith has not confirmed the 8:00 am medicine"):
an email or SMS can be read over a shoulder or on a lock screen, so medicine names (health data) appear only
for contacts who chose `name_medicines`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from skill.domain.alerts import AlertKind


@dataclass(frozen=True)
class Wording:
    subject: str
    text: str


@dataclass(frozen=True)
class _Texts:
    am: str
    pm: str
    missed_subject: str
    missed: str
    escalation_subject: str
    escalation: str
    all_clear_subject: str
    all_clear: str
    skipped_after_all: str
    refill_subject: str
    refill: str
    the_medicine: str  # how "the medicine" is said when the name stays private
    a_medicine: str  # the same, for refills (which are about one of several medicines)
    named: str  # how a named medicine is said


_EN_GB = _Texts(
    am="am",
    pm="pm",
    missed_subject="{person}: dose not confirmed",
    missed="{person} has not confirmed {medicine} due at {time}.",
    escalation_subject="{person}: dose still not confirmed",
    escalation="{person} has still not confirmed {medicine} due at {time}. Could you check in?",
    all_clear_subject="{person}: all clear",
    all_clear="All clear: {person} has now taken {medicine} due at {time}.",
    skipped_after_all="{person} has now recorded {medicine} due at {time} as skipped.",
    refill_subject="{person}: refill needed soon",
    refill="{person} is running low on {medicine}: {pills} left. Time to arrange a refill.",
    the_medicine="the medicine",
    a_medicine="one medicine",
    named="{name}",
)
_EN_US = replace(_EN_GB, am="AM", pm="PM")
_BY_LOCALE = {"en-GB": _EN_GB, "en-US": _EN_US}
DEFAULT_LOCALE = "en-GB"


def texts_for(locale: str) -> _Texts:
    """English variants fall back to en-GB (day-month habits); en-US keeps its own."""
    return _BY_LOCALE.get(locale, _BY_LOCALE[DEFAULT_LOCALE])


def clock(local: datetime, locale: str) -> str:
    """'8:00 am' (en-GB) or '8:00 AM' (en-US): people read a 12-hour clock most easily."""
    t = texts_for(locale)
    hour = local.hour % 12 or 12
    return f"{hour}:{local.minute:02d} {t.am if local.hour < 12 else t.pm}"


def word(
    kind: AlertKind,
    *,
    locale: str,
    person: str,
    due_local: datetime,
    medicine: str | None,
    pills_left: int | None = None,
    skipped: bool = False,
) -> Wording:
    """The subject and text of one alert; `medicine` is None unless the contact opted in to names."""
    t = texts_for(locale)
    private = t.a_medicine if kind is AlertKind.REFILL else t.the_medicine
    what = t.named.format(name=medicine) if medicine else private
    fields = {"person": person, "medicine": what, "time": clock(due_local, locale), "pills": pills_left}
    if kind is AlertKind.MISSED:
        subject, text = t.missed_subject, t.missed
    elif kind is AlertKind.ESCALATION:
        subject, text = t.escalation_subject, t.escalation
    elif kind is AlertKind.ALL_CLEAR:
        subject, text = t.all_clear_subject, (t.skipped_after_all if skipped else t.all_clear)
    else:
        subject, text = t.refill_subject, t.refill
    return Wording(subject=subject.format(**fields), text=text.format(**fields))
