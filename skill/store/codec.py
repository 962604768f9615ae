"""Domain records to and from plain dicts: one encoding for every store, so SQLite and DynamoDB agree.

Instants are stored as fixed-width UTC strings ("2026-03-29T01:30:00Z") so that string order is time order,
which both SQLite indexes and DynamoDB sort keys rely on.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from skill.domain.models import (
    DEFAULT_GRACE_MINUTES,
    Dose,
    DoseStatus,
    LinkCode,
    LogSource,
    Medication,
    Recipient,
    Schedule,
    SpeechPreferences,
)

UTC_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
UNKNOWN_TIME = datetime(1970, 1, 1, tzinfo=UTC)  # a creation time an older release did not store

# Reading is forgiving on purpose: a row an older release wrote lacks the fields added since (or has them
# empty), and every optional field reads with its default, so an upgrade never breaks a list. Only the
# identity of a record (its ids, a dose's due time) is required.


def utc_text(value: datetime) -> str:
    return value.astimezone(UTC).strftime(UTC_FORMAT)


def parse_utc(text: str) -> datetime:
    # fromisoformat reads the trailing Z (3.11+) and is several times faster than strptime, which
    # dominated cohort reports over 90 days of doses.
    return datetime.fromisoformat(text).astimezone(UTC)


def opt_utc_text(value: datetime | None) -> str | None:
    return utc_text(value) if value is not None else None


def opt_parse_utc(text: object) -> datetime | None:
    return parse_utc(str(text)) if text else None


def parse_utc_or_unknown(text: object) -> datetime:
    return parse_utc(str(text)) if text else UNKNOWN_TIME


def opt_int(value: object, default: int | None = None) -> int | None:
    return int(value) if value is not None and value != "" else default  # type: ignore[call-overload]


def recipient_to_dict(r: Recipient) -> dict[str, Any]:
    return {
        "id": r.id,
        "display_name": r.display_name,
        "timezone": r.timezone,
        "locale": r.locale,
        "speech_rate": r.speech.rate,
        "speech_pause": r.speech.pause,
        "grace_minutes": r.grace_minutes,
        "organisation": r.organisation,
        "created_at": utc_text(r.created_at),
    }


def recipient_from_dict(d: dict[str, Any]) -> Recipient:
    return Recipient(
        id=str(d["id"]),
        display_name=str(d["display_name"]),
        timezone=str(d.get("timezone") or "UTC"),
        locale=str(d.get("locale") or "en-GB"),
        speech=SpeechPreferences(rate=str(d.get("speech_rate") or "medium"),
                                 pause=str(d.get("speech_pause") or "normal")),
        grace_minutes=opt_int(d.get("grace_minutes"), DEFAULT_GRACE_MINUTES) or DEFAULT_GRACE_MINUTES,
        organisation=str(d.get("organisation") or "default"),
        created_at=parse_utc_or_unknown(d.get("created_at")),
    )


def medication_to_dict(m: Medication) -> dict[str, Any]:
    return {
        "id": m.id,
        "recipient_id": m.recipient_id,
        "name": m.name,
        "schedule": m.schedule.to_dict(),
        "dose_text": m.dose_text,
        "instructions": m.instructions,
        "pill_count": m.pill_count,
        "refill_threshold": m.refill_threshold,
        "pills_per_dose": m.pills_per_dose,
        "active": m.active,
        "created_at": utc_text(m.created_at),
        "also_called": list(m.also_called),
        "taken_before_entry": m.taken_before_entry,
    }


def medication_from_dict(d: dict[str, Any]) -> Medication:
    created_at = parse_utc_or_unknown(d.get("created_at"))
    schedule = dict(d.get("schedule") or {})
    schedule["start"] = schedule.get("start") or created_at.date().isoformat()
    return Medication(
        id=str(d["id"]),
        recipient_id=str(d["recipient_id"]),
        name=str(d.get("name") or "medicine"),
        schedule=Schedule.from_dict(schedule),
        dose_text=str(d.get("dose_text") or ""),
        instructions=str(d.get("instructions") or ""),
        pill_count=opt_int(d.get("pill_count")),
        refill_threshold=opt_int(d.get("refill_threshold")),
        pills_per_dose=int(d.get("pills_per_dose") or 1),
        active=d.get("active") is None or bool(d["active"]),
        created_at=created_at,
        also_called=tuple(str(n) for n in d.get("also_called") or ()),
        taken_before_entry=bool(d.get("taken_before_entry", False)),  # rows written before the field: no
    )


def dose_to_dict(dose: Dose) -> dict[str, Any]:
    tz = dose.scheduled_local.tzinfo
    return {
        "id": dose.id,
        "recipient_id": dose.recipient_id,
        "medication_id": dose.medication_id,
        "medication_name": dose.medication_name,
        "due_utc": utc_text(dose.scheduled_utc),
        "tz": tz.key if isinstance(tz, ZoneInfo) else "UTC",
        "status": dose.status.value,
        "logged_at": opt_utc_text(dose.logged_at),
        "source": dose.source.value if dose.source else None,
        "quantity": dose.quantity,
    }


def dose_from_dict(d: dict[str, Any]) -> Dose:
    utc = parse_utc(str(d["due_utc"]))
    return Dose(
        id=str(d["id"]),
        recipient_id=str(d["recipient_id"]),
        medication_id=str(d["medication_id"]),
        medication_name=str(d.get("medication_name") or ""),
        scheduled_local=utc.astimezone(ZoneInfo(str(d.get("tz") or "UTC"))),
        scheduled_utc=utc,
        status=DoseStatus(str(d.get("status") or DoseStatus.PENDING.value)),
        logged_at=opt_parse_utc(d.get("logged_at")),
        source=LogSource(str(d["source"])) if d.get("source") else None,
        quantity=int(d.get("quantity") or 1),
    )


def link_code_to_dict(c: LinkCode) -> dict[str, Any]:
    return {
        "code": c.code,
        "recipient_id": c.recipient_id,
        "expires_at": utc_text(c.expires_at),
        "used_at": opt_utc_text(c.used_at),
    }


def link_code_from_dict(d: dict[str, Any]) -> LinkCode:
    return LinkCode(
        code=str(d["code"]),
        recipient_id=str(d["recipient_id"]),
        expires_at=parse_utc_or_unknown(d.get("expires_at")),  # unknown expiry: already expired
        used_at=opt_parse_utc(d.get("used_at")),
    )
