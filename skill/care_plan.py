"""Saving a carer's change to a medication, the same way from the web pages and the REST API."""

from __future__ import annotations

from datetime import datetime

from skill.accounts.audit import medication_record, record_change
from skill.domain.accounts import User
from skill.domain.models import Medication, Recipient
from skill.doses import plan_medication
from skill.store.base import Store


def save_medication(store: Store, who: User, recipient: Recipient, before: Medication | None, med: Medication,
                    action: str, now: datetime) -> None:
    """Store it, re-plan the doses still to come (a changed or stopped schedule drops pending ones it no
    longer expects), and write the audit entry: who, when, before and after."""
    store.put_medication(med)
    plan_medication(store, recipient, med, now, replan=True)
    record_change(store, who, recipient.id, "medication", action,
                  medication_record(before) if before else None, medication_record(med), now)
