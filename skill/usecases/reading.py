"""Reading a person's doses for pages, reports and exports: expected doses overlaid with what is stored."""

from __future__ import annotations

from datetime import date, datetime

from skill.domain.models import Dose, Recipient
from skill.doses import merge_doses
from skill.schedules import day_window
from skill.store.core import CoreStore


def doses_between(store: CoreStore, recipient: Recipient, start: datetime, end: datetime) -> list[Dose]:
    meds = store.list_medications(recipient.id, include_stopped=True)
    return merge_doses(recipient, meds, store.list_doses(recipient.id, start, end), start, end)


def doses_on(store: CoreStore, recipient: Recipient, day: date | datetime) -> list[Dose]:
    """A local day's doses with their status (an instant names the person's local day it falls in)."""
    local_day = day.astimezone(recipient.tz).date() if isinstance(day, datetime) else day
    start, end = day_window(local_day, recipient.tz)
    return doses_between(store, recipient, start, end)
