"""Contacts who are told about missed doses: each address checked the same way from every edge, audited.

A contact saved with an address that cannot work ("sam@example", "call me") means a carer silently gets no
alerts, so every edge goes through `validate_address`, with the person's country for national phone numbers.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from skill.accounts.audit import contact_record
from skill.domain.actors import Actor
from skill.domain.models import Contact, Recipient
from skill.notify.addresses import validate_address
from skill.store.base import Store
from skill.usecases.access import recipient_for
from skill.usecases.audit import audit
from skill.usecases.errors import Invalid, NotFound


def region_of(recipient: Recipient) -> str | None:
    """The person's country from their locale ("en-GB" -> "GB"): how a national phone number is read."""
    _, _, region = recipient.locale.partition("-")
    return region or None


def add_contact(store: Store, actor: Actor, now: datetime, contact: Contact) -> Contact:
    recipient = recipient_for(store, actor, contact.recipient_id, edit=True)
    try:
        address = validate_address(contact.channel, contact.address, region_of(recipient))
    except ValueError as exc:
        raise Invalid("address", str(exc)) from exc
    saved = replace(contact, address=address, created_at=now)
    store.put_contact(saved)
    audit(store, actor, recipient.id, "contact", "create", None, contact_record(saved), now)
    return saved


def remove_contact(store: Store, actor: Actor, now: datetime, recipient_id: str, contact_id: str) -> Contact:
    recipient = recipient_for(store, actor, recipient_id, edit=True)
    contact = next((c for c in store.list_contacts(recipient.id) if c.id == contact_id), None)
    if contact is None or not store.delete_contact(recipient.id, contact_id):
        raise NotFound("contact")
    audit(store, actor, recipient.id, "contact", "delete", contact_record(contact), None, now)
    return contact
