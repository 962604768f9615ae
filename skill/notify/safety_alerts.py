"""The alert a safety moment sends: at once, to every contact, through quiet hours.

A report of a double dose or feeling unwell cannot wait for the morning. The medicine is named only for
contacts who opted in, as for every other alert; the kind of moment is always said, since that is the news.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from skill.domain.alerts import AlertKind, Message, OutboxItem
from skill.domain.events import CareEvent, EventKind
from skill.domain.models import Contact, Recipient
from skill.notify.texts import clock


@dataclass(frozen=True)
class _SafetyWords:
    subject: str
    what: dict[EventKind, str]
    closing: str


_EN = _SafetyWords(
    subject="{person}: please check in now",
    what={
        EventKind.DOUBLE_DOSE: "{person} said they took too much{medicine}",
        EventKind.WRONG_MEDICINE: "{person} said they took the wrong medicine{medicine}",
        EventKind.OVER_LIMIT: "{person} reported a dose beyond the limit you set{medicine}",
        EventKind.DROPPED_DOSE: "{person} said they dropped or lost a dose{medicine}",
        EventKind.FEELING_UNWELL: "{person} said they feel unwell after their medicines",
    },
    closing=" at {time}. They were told to call a pharmacist or the emergency number if they feel unwell.",
)
_BY_LOCALE = {"en-GB": _EN, "en-US": _EN}


def safety_alerts(recipient: Recipient, event: CareEvent, contacts: Sequence[Contact],
                  now: datetime) -> list[OutboxItem]:
    words = _BY_LOCALE.get(recipient.locale, _EN)
    items = []
    for contact in contacts:
        named = contact.name_medicines and event.medication_name
        medicine = f" ({event.medication_name})" if named else ""
        fields = {"person": recipient.display_name, "medicine": medicine,
                  "time": clock(event.at.astimezone(recipient.tz), recipient.locale)}
        text = words.what[event.kind].format(**fields) + words.closing.format(**fields)
        data: dict[str, object] = {"kind": AlertKind.SAFETY.value, "event": event.kind.value,
                                   "recipient_id": recipient.id, "person": recipient.display_name,
                                   "at": event.at.isoformat()}
        if named:
            data["medicine"] = event.medication_name
        message = Message(channel=contact.channel, address=contact.address,
                          subject=words.subject.format(**fields), text=text,
                          key=f"{event.id}#{AlertKind.SAFETY.value}#{contact.id}", data=data)
        items.append(OutboxItem(recipient_id=recipient.id, contact_id=contact.id, kind=AlertKind.SAFETY,
                                subject_id=event.id, message=message, created_at=now, next_attempt_at=now,
                                timezone=recipient.timezone, quiet_hours=None))
    return items
