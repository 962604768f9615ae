"""A test alert to one contact, through the outbox like any real alert: the operator's deploy check and the
carer's "send a test alert" button build it the same way, so what arrives is what a real alert would do.

The subject is the minute it was asked for, so pressing the button twice in a minute queues one message
(the outbox deduplicates by key), and a carer cannot flood a contact.
"""

from __future__ import annotations

from datetime import datetime

from skill.domain.actors import Actor
from skill.domain.alerts import AlertKind, Message, OutboxItem
from skill.domain.models import Contact, Recipient
from skill.store.base import Store
from skill.usecases.access import recipient_for
from skill.usecases.audit import audit
from skill.usecases.errors import NotFound

TEST_SUBJECT = "DoseKeeper test alert"
CARER_TEXT = ("This is a test alert from DoseKeeper, sent from the carers' web app. Nothing needs doing: it "
              "shows that alerts about missed doses will reach you here.")


def build_test_alert(recipient: Recipient, contact: Contact, now: datetime, text: str = CARER_TEXT,
                     subject_id: str | None = None) -> OutboxItem:
    """An outbox row like any other; `subject_id` defaults to the minute, one test per contact a minute."""
    subject_id = subject_id or f"test-{now:%Y%m%dT%H%M}"
    key = f"{subject_id}#{AlertKind.TEST.value}#{contact.id}"
    message = Message(channel=contact.channel, address=contact.address, subject=TEST_SUBJECT, text=text,
                      key=key, data={"kind": AlertKind.TEST.value, "recipient_id": recipient.id, "test": True})
    return OutboxItem(recipient_id=recipient.id, contact_id=contact.id, kind=AlertKind.TEST,
                      subject_id=subject_id, message=message, created_at=now, next_attempt_at=now,
                      timezone=recipient.timezone)


def send_test_alert(store: Store, actor: Actor, now: datetime, recipient_id: str, contact_id: str) -> OutboxItem:
    """Queue a test alert for the sweep to send (quiet hours do not hold it: the carer is testing now)."""
    recipient = recipient_for(store, actor, recipient_id, edit=True)
    contact = next((c for c in store.list_contacts(recipient.id) if c.id == contact_id), None)
    if contact is None:
        raise NotFound("contact")
    item = build_test_alert(recipient, contact, now)
    store.enqueue_alerts([item])
    audit(store, actor, recipient.id, "contact", "test alert", None,
          {"name": contact.name, "test alert": f"queued for {contact.channel} to {contact.address}"}, now)
    return item
