"""Medications and their schedules: add, change and stop, with the same rules and audit from every edge.

One medicine name per person (a second "Metformin" would make "I took my metformin" ambiguous), nicknames
that do not clash with another medicine, doses planned ahead, and every change in the audit log.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from skill.accounts.audit import medication_record
from skill.domain.actors import Actor
from skill.domain.errors import NotFoundError
from skill.domain.models import Medication, Recipient
from skill.doses import find_medication
from skill.store.base import Store
from skill.usecases.access import recipient_for
from skill.usecases.audit import audit
from skill.usecases.errors import Invalid
from skill.usecases.planning import plan_medication


def _names(med: Medication) -> set[str]:
    return {med.name.casefold(), *(n.casefold() for n in med.also_called)}


def _check_unique(store: Store, med: Medication) -> None:
    for other in store.list_medications(med.recipient_id):
        if other.id == med.id or not other.active:
            continue
        if other.name.casefold() == med.name.casefold():
            raise Invalid("name", f"is already on the list ({other.name}): change that one instead")
        clash = _names(med) & _names(other)
        if clash:
            raise Invalid("also_called", f"{sorted(clash)[0]!r} is already a name of {other.name}")


def _save(store: Store, actor: Actor, recipient: Recipient, before: Medication | None, med: Medication,
          action: str, now: datetime) -> Medication:
    store.put_medication(med)
    plan_medication(store, recipient, med, now, replan=before is not None)
    audit(store, actor, recipient.id, "medication", action, medication_record(before) if before else None,
          medication_record(med), now)
    return med


def medication_of(store: Store, recipient: Recipient, reference: str, include_stopped: bool = True) -> Medication:
    """By id, or by exact name (any case) for the command line."""
    meds = store.list_medications(recipient.id, include_stopped=include_stopped)
    found = next((m for m in meds if m.id == reference), None)
    if found is not None:
        return found
    try:
        return find_medication([m for m in meds if m.active] or meds, reference)
    except ValueError:
        raise NotFoundError(f"no medication named {reference!r} for this person") from None


def add_medication(store: Store, actor: Actor, now: datetime, medication: Medication) -> Medication:
    recipient = recipient_for(store, actor, medication.recipient_id, edit=True)
    med = replace(medication, active=True, created_at=now)
    _check_unique(store, med)
    return _save(store, actor, recipient, None, med, "create", now)


def change_medication(store: Store, actor: Actor, now: datetime, medication: Medication) -> Medication:
    recipient = recipient_for(store, actor, medication.recipient_id, edit=True)
    before = medication_of(store, recipient, medication.id)
    med = replace(medication, created_at=before.created_at)
    if med == before:
        return before
    if med.active:
        _check_unique(store, med)
    return _save(store, actor, recipient, before, med, "update", now)


def stop_medication(store: Store, actor: Actor, now: datetime, recipient_id: str, reference: str) -> Medication:
    recipient = recipient_for(store, actor, recipient_id, edit=True)
    before = medication_of(store, recipient, reference)
    if not before.active:
        return before
    return _save(store, actor, recipient, before, before.stopped(), "stop", now)
