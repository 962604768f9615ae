"""Safety moments: a double dose, the wrong tablet, an over-limit report, a dropped tablet, feeling unwell.

Each is recorded as a care event and every contact is alerted at once through the outbox. What the person
hears is one short signpost from the message catalog; DoseKeeper gives no medical advice.
"""

from __future__ import annotations

from datetime import datetime

from skill.domain.actors import Actor
from skill.domain.events import CareEvent, EventKind
from skill.domain.models import Dose, Medication, Recipient, new_id
from skill.notify.safety_alerts import safety_alerts
from skill.store.base import Store


def note_event(store: Store, actor: Actor, recipient: Recipient, kind: EventKind, now: datetime, *,
               medication: Medication | None = None, dose: Dose | None = None, detail: str = "") -> CareEvent:
    """An event for the carer's history that alerts nobody (an early log, an undone log)."""
    event = CareEvent(id=new_id("evt"), recipient_id=recipient.id, kind=kind, at=now, source=actor.source,
                      who=actor.audit_name, medication_id=medication.id if medication else None,
                      medication_name=medication.name if medication else None,
                      dose_id=dose.id if dose else None, detail=detail)
    store.append_event(event)
    return event


def report_safety(store: Store, actor: Actor, recipient: Recipient, kind: EventKind, now: datetime, *,
                  medication: Medication | None = None, dose: Dose | None = None, detail: str = "") -> CareEvent:
    """Record the moment and alert every contact at once (quiet hours do not hold a safety alert)."""
    event = note_event(store, actor, recipient, kind, now, medication=medication, dose=dose, detail=detail)
    if kind.is_safety:
        store.enqueue_alerts(safety_alerts(recipient, event, store.list_contacts(recipient.id), now))
    return event
