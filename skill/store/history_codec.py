"""Care events and heard names to and from plain dicts: one encoding for SQLite and DynamoDB alike.

Event times keep their microseconds (`event_time`), unlike the rest of the store's whole-second instants:
two events from one voice turn (a double dose and the over-limit it caused) land in the same second, and
the carer's history must list them in the order they happened. The format is fixed-width, so string order
is still time order for SQLite's index and DynamoDB's sort key.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from skill.domain.events import CareEvent, EventKind, HeardName
from skill.domain.models import LogSource
from skill.store.codec import parse_utc

EVENT_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"

# Heard names are a to-do list for the carer, not a record: each person keeps the HEARD_LIMIT most recently
# heard, and a name not heard for HEARD_KEPT is dropped, so the list (and the storage) stays small.
HEARD_LIMIT = 50
HEARD_KEPT = timedelta(days=365)


def event_time(value: datetime) -> str:
    return value.astimezone(UTC).strftime(EVENT_TIME_FORMAT)


def event_to_dict(e: CareEvent) -> dict[str, Any]:
    return {
        "id": e.id, "recipient_id": e.recipient_id, "kind": e.kind.value, "at": event_time(e.at),
        "source": e.source.value, "who": e.who, "medication_id": e.medication_id,
        "medication_name": e.medication_name, "dose_id": e.dose_id, "detail": e.detail,
    }


def event_from_dict(d: dict[str, Any]) -> CareEvent:
    def opt(key: str) -> str | None:
        value = d.get(key)
        return str(value) if value is not None else None

    return CareEvent(
        id=str(d["id"]), recipient_id=str(d["recipient_id"]), kind=EventKind(str(d["kind"])),
        at=parse_utc(str(d["at"])), source=LogSource(str(d["source"])), who=str(d["who"]),
        medication_id=opt("medication_id"), medication_name=opt("medication_name"), dose_id=opt("dose_id"),
        detail=str(d.get("detail") or ""),
    )


def heard_key(heard: str) -> str:
    """The stored form of a heard name, taken from `HeardName` itself so a note, a forget and the record
    always agree; empty when nothing printable was heard (nothing to store)."""
    return HeardName("", heard, datetime.min.replace(tzinfo=UTC), datetime.min.replace(tzinfo=UTC)).heard


def heard_from_dict(d: dict[str, Any]) -> HeardName:
    return HeardName(recipient_id=str(d["recipient_id"]), heard=str(d["heard"]),
                     first_at=parse_utc(str(d["first_at"])), last_at=parse_utc(str(d["last_at"])),
                     times=int(d["times"]))

