"""The parts of a person's page that read beyond their care plan: recent logs a carer may correct, safety
moments and corrections, names Alexa heard but did not recognise, and whether a calendar link is live."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from skill.domain.events import CareEvent, HeardName
from skill.domain.models import Dose, Recipient
from skill.store.base import Store
from skill.usecases.reading import doses_between

RECENT_LOGS = timedelta(days=3)
EVENTS_SHOWN = timedelta(days=30)


@dataclass(frozen=True)
class LoggedDose:
    dose: Dose
    when: str  # the dose's local day and time, in words
    logged: str  # how it was logged, in words


STATUS_WORDS = {"taken": "Taken", "taken_late": "Taken late", "skipped": "Skipped"}


def logged_line(recipient: Recipient, dose: Dose) -> LoggedDose:
    local = dose.scheduled_utc.astimezone(recipient.tz)
    at = dose.logged_at.astimezone(recipient.tz) if dose.logged_at else None
    words = STATUS_WORDS.get(dose.status.value, dose.status.value)
    by = f" by {dose.source.value}" if dose.source else ""
    return LoggedDose(dose=dose, when=f"{local:%a %d %b} {local:%H:%M}",
                      logged=f"{words}{f' at {at:%H:%M}' if at else ''}{by}")


def recent_logs(store: Store, recipient: Recipient, now: datetime, span: timedelta = RECENT_LOGS) -> list[LoggedDose]:
    """Logged doses of the last few days, newest first: what a carer may correct."""
    doses = doses_between(store, recipient, now - span, now + timedelta(hours=16))
    logged = [d for d in doses if d.is_logged]
    return [logged_line(recipient, d) for d in sorted(logged, key=lambda d: d.scheduled_utc, reverse=True)]


def recent_events(store: Store, recipient: Recipient, now: datetime,
                  span: timedelta = EVENTS_SHOWN) -> list[CareEvent]:
    return store.list_events(recipient.id, now - span, now + timedelta(minutes=1))


def heard_names(store: Store, recipient: Recipient) -> list[HeardName]:
    return store.list_heard_names(recipient.id)


def person_sections(store: Store, recipient: Recipient, now: datetime) -> dict[str, Any]:
    return {
        "recent_logs": recent_logs(store, recipient, now),
        "events": recent_events(store, recipient, now),
        "heard": heard_names(store, recipient),
        "feed_created": store.feed_token_created(recipient.id),
        "export_default": {"start": (now.astimezone(recipient.tz).date() - timedelta(days=29)).isoformat(),
                           "end": now.astimezone(recipient.tz).date().isoformat()},
    }
