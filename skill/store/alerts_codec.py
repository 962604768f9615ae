"""Contacts and outbox items to and from plain dicts: one encoding for SQLite and DynamoDB alike."""

from __future__ import annotations

from typing import Any

from skill.domain.alerts import AlertKind, Attempt, DeliveryState, Message, OutboxItem, outbox_key
from skill.domain.models import Contact, parse_hhmm
from skill.store.codec import parse_utc, parse_utc_or_unknown, utc_text


def quiet_text(quiet: tuple[Any, Any] | None) -> str | None:
    return f"{quiet[0].strftime('%H:%M')}-{quiet[1].strftime('%H:%M')}" if quiet else None


def parse_quiet(text: object) -> Any:
    if not text:
        return None
    start, _, end = str(text).partition("-")
    return parse_hhmm(start), parse_hhmm(end)


def contact_to_dict(c: Contact) -> dict[str, Any]:
    return {
        "id": c.id, "recipient_id": c.recipient_id, "name": c.name, "channel": c.channel,
        "address": c.address,
        "quiet_hours": quiet_text(c.quiet_hours), "escalate_after_minutes": c.escalate_after_minutes,
        "name_medicines": c.name_medicines, "priority": c.priority, "created_at": utc_text(c.created_at),
    }


def contact_from_dict(d: dict[str, Any]) -> Contact:
    escalate = d.get("escalate_after_minutes")
    return Contact(
        id=str(d["id"]), recipient_id=str(d["recipient_id"]), name=str(d.get("name") or "Contact"),
        channel=str(d.get("channel") or "email"), address=str(d["address"]),
        quiet_hours=parse_quiet(d.get("quiet_hours")),
        escalate_after_minutes=int(escalate) if escalate not in (None, "") else None,
        name_medicines=bool(d.get("name_medicines")), priority=int(d.get("priority") or 0),
        created_at=parse_utc_or_unknown(d.get("created_at")),
    )


def outbox_to_dict(item: OutboxItem) -> dict[str, Any]:
    m = item.message
    return {
        "key": item.key, "recipient_id": item.recipient_id, "contact_id": item.contact_id,
        "kind": item.kind.value, "subject_id": item.subject_id, "state": item.state.value,
        "created_at": utc_text(item.created_at), "next_attempt_at": utc_text(item.next_attempt_at),
        "timezone": item.timezone, "quiet_hours": quiet_text(item.quiet_hours),
        "message": {"channel": m.channel, "address": m.address, "subject": m.subject, "text": m.text,
                    "data": dict(m.data)},
        "attempts": [{"at": utc_text(a.at), "ok": a.ok, "detail": a.detail} for a in item.attempts],
    }


def outbox_from_dict(d: dict[str, Any]) -> OutboxItem:
    """Only what the row is (recipient, contact, kind, subject) and where it goes are required."""
    m = d["message"]
    kind = AlertKind(str(d["kind"]))
    created_at = parse_utc_or_unknown(d.get("created_at"))
    return OutboxItem(
        recipient_id=str(d["recipient_id"]), contact_id=str(d["contact_id"]), kind=kind,
        subject_id=str(d["subject_id"]),
        message=Message(channel=str(m["channel"]), address=str(m["address"]), subject=str(m.get("subject") or ""),
                        text=str(m.get("text") or ""),
                        key=str(d.get("key") or outbox_key(str(d["subject_id"]), kind, str(d["contact_id"]))),
                        data=dict(m.get("data") or {})),
        created_at=created_at,
        next_attempt_at=parse_utc(str(d["next_attempt_at"])) if d.get("next_attempt_at") else created_at,
        state=DeliveryState(str(d.get("state") or DeliveryState.PENDING.value)),
        attempts=tuple(Attempt(at=parse_utc_or_unknown(a.get("at")), ok=bool(a.get("ok")),
                               detail=str(a.get("detail") or "")) for a in d.get("attempts") or ()),
        timezone=str(d.get("timezone") or "UTC"), quiet_hours=parse_quiet(d.get("quiet_hours")),
    )
