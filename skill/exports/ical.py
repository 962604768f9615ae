"""The schedule as an iCalendar feed: one recurring VEVENT per medication and time of day.

Events carry the recipient's TZID, so "08:00" stays 08:00 across daylight saving in any calendar app, and
their RRULE comes from skill.schedules.to_rrule_text, the same rule the Alexa reminders use. RFC 5545 wants
UNTIL in UTC when DTSTART has a TZID, so the rule's local end of day is converted here.

The feed is served at a secret URL (see skill.store.feeds): the token is the credential, only its hash is
stored, and issuing a new one revokes the old.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta

from icalendar import Calendar, Event, vRecur

from skill.domain.models import Medication, Recipient
from skill.schedules import build_rule, place, to_rrule_text

PRODID = "-//DoseKeeper//Medication schedule//EN"


def new_feed_token() -> str:
    return secrets.token_urlsafe(32)


def hash_feed_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def first_day(medication: Medication, at: time) -> date | None:
    """The first day the rule really fires (a weekly rule's start date may not be one of its weekdays)."""
    schedule = medication.schedule
    horizon = schedule.start + timedelta(days=max(8, schedule.every_n_days + 1))
    rule = build_rule(schedule, horizon)
    for nominal in rule:
        if nominal.time() == at:
            return nominal.date()
    return None


def recurrence(medication: Medication, at: time, recipient: Recipient) -> vRecur:
    rule: vRecur = vRecur.from_ical(to_rrule_text(medication.schedule, at))
    if medication.schedule.end is not None:
        local_end = datetime.combine(medication.schedule.end, time(23, 59, 59))
        rule["UNTIL"] = [place(local_end, recipient.tz)[1].astimezone(UTC)]
    return rule


def build_calendar(recipient: Recipient, medications: Sequence[Medication]) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", "Medication schedule")
    calendar.add("x-wr-timezone", recipient.timezone)
    for medication in medications:
        if not medication.active or medication.schedule.as_needed:
            continue
        for at in medication.schedule.times:
            day = first_day(medication, at)
            if day is None:
                continue
            event = Event()
            event.add("uid", f"{medication.id}-{at.strftime('%H%M')}@dosekeeper")
            event.add("dtstamp", medication.created_at.astimezone(UTC))
            event.add("dtstart", datetime.combine(day, at, tzinfo=recipient.tz))
            event.add("duration", timedelta(minutes=15))
            event.add("rrule", recurrence(medication, at, recipient))
            summary = medication.name + (f" ({medication.dose_text})" if medication.dose_text else "")
            event.add("summary", summary)
            if medication.instructions:
                event.add("description", medication.instructions)
            calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar


def render_ical(recipient: Recipient, medications: Sequence[Medication]) -> bytes:
    return bytes(build_calendar(recipient, medications).to_ical())
