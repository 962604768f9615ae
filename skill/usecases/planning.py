"""Keeping expected doses stored ahead, so the sweep finds them in its due-time index.

Called when a medication is added, changed or stopped, when a person moves time zone, and by the sweep to
top up the horizon; each is the same rule: pending doses the schedule no longer expects go, logged ones stay.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from skill.domain.models import Medication, Recipient
from skill.doses import expected_doses
from skill.store.base import Store
from skill.store.core import CoreStore

PLAN_AHEAD = timedelta(days=14)  # expected doses are stored this far ahead ...
REPLAN_BEFORE = timedelta(days=7)  # ... and topped up when less than this is left


def plan_medication(store: CoreStore, recipient: Recipient, medication: Medication, now: datetime,
                    replan: bool = False) -> int:
    """Store the expected doses ahead; with `replan` (a schedule changed or stopped), pending doses the new
    schedule no longer expects are dropped from now on. Returns how many doses were new."""
    until = now + PLAN_AHEAD
    doses = expected_doses(recipient, medication, now, until)
    if replan:
        store.delete_pending_doses(recipient.id, medication.id, now, keep=[d.id for d in doses])
    created = store.put_doses(doses)
    if medication.active:
        store.mark_planned(recipient.id, medication.id, until)
    return created


def replan_after_move(store: Store, recipient: Recipient, now: datetime) -> int:
    """Dose times are local wall-clock times, so after a move "8 in the morning" is 8 in the new zone:
    pending doses from now on are dropped and planned again (logged ones are history and keep their instants).
    Returns how many doses were planned again."""
    planned = 0
    for medication in store.list_medications(recipient.id):
        store.delete_pending_doses(recipient.id, medication.id, now)
        planned += plan_medication(store, recipient, medication, now)
    return planned

