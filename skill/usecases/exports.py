"""Exports and the calendar feed: one set of rules for the person's page and `/api/v1`.

A range is checked before anything is read: local days between 2000 and a year from now, at most 366 of them
(year 1 or 9999 would overflow a time zone's arithmetic; a typo is a 422, never a 500). The calendar feed's
secret URL is the credential, so making or revoking one is a change to the person's record and audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from skill.domain.actors import Actor
from skill.exports import csv_export, fhir, ical
from skill.store.base import Store
from skill.usecases.access import recipient_for
from skill.usecases.audit import audit
from skill.usecases.errors import Invalid, NotFound

EARLIEST = date(2000, 1, 1)
MAX_DAYS = csv_export.MAX_DAYS
AHEAD = timedelta(days=366)


class ExportFormat(StrEnum):
    CSV = "csv"
    FHIR = "fhir"


@dataclass(frozen=True)
class Export:
    body: str
    mimetype: str
    filename: str


def check_range(start: date, end: date, today: date) -> None:
    if start < EARLIEST or end < EARLIEST:
        raise Invalid("start", f"must be on or after {EARLIEST.isoformat()}")
    if start > today + AHEAD or end > today + AHEAD:
        raise Invalid("end", "must be within a year from today")
    if end < start:
        raise Invalid("end", "is before the start date")
    if (end - start).days >= MAX_DAYS:
        raise Invalid("end", f"makes the range longer than {MAX_DAYS} days")


def export_doses(store: Store, actor: Actor, now: datetime, recipient_id: str, start: date, end: date,
                 fmt: ExportFormat) -> Export:
    recipient = recipient_for(store, actor, recipient_id)
    check_range(start, end, now.astimezone(recipient.tz).date())
    stamp = f"{start.isoformat()}-to-{end.isoformat()}"
    if fmt is ExportFormat.FHIR:
        return Export(fhir.export_fhir(store, recipient, start, end, now), "application/fhir+json",
                      f"doses-{stamp}.fhir.json")
    return Export(csv_export.export_csv(store, recipient, start, end, now), "text/csv", f"doses-{stamp}.csv")


def feed_created(store: Store, actor: Actor, recipient_id: str) -> datetime | None:
    return store.feed_token_created(recipient_for(store, actor, recipient_id).id)


def create_feed(store: Store, actor: Actor, now: datetime, recipient_id: str) -> str:
    """A new secret token (shown once; only its hash is kept); any earlier link stops working."""
    recipient = recipient_for(store, actor, recipient_id, edit=True)
    token = ical.new_feed_token()
    replaced = store.feed_token_created(recipient.id) is not None
    store.put_feed_token(recipient.id, ical.hash_feed_token(token), now)
    audit(store, actor, recipient.id, "calendar_feed", "create", None,
          {"calendar link": "a new link (the earlier one stopped working)" if replaced else "a new link"}, now)
    return token


def revoke_feed(store: Store, actor: Actor, now: datetime, recipient_id: str) -> None:
    recipient = recipient_for(store, actor, recipient_id, edit=True)
    if not store.revoke_feed_token(recipient.id):
        raise NotFound("calendar feed")
    audit(store, actor, recipient.id, "calendar_feed", "revoke", {"calendar link": "working"},
          {"calendar link": "stopped"}, now)
