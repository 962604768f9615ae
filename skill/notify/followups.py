"""What a dose log may owe the carers: an all clear (the dose was missed) and a refill warning.

`after_dose_logged` is called by the log path right after a log is stored. The all clear it records is
also found by the next sweep through the missed-dose watch, so a crash between the log and this call loses
nothing; calling it only makes the all clear go at once. Both are recorded with deduplication keys, so the
two routes (and repeated calls) produce one message per contact.
"""

from __future__ import annotations

from datetime import datetime

from skill.domain.alerts import DeliveryState
from skill.domain.models import Dose, DoseStatus, Medication, Recipient
from skill.notify.outbox import maybe_delivered
from skill.notify.policy import all_clear_alerts, refill_alerts
from skill.store.base import Store
from skill.store.core import LogOutcome


def crossed_refill_threshold(medication: Medication, outcome: LogOutcome) -> bool:
    """This log took the count from above the threshold to at or below it: happens once per refill."""
    threshold = medication.refill_threshold
    if threshold is None or outcome.pills_left is None or not outcome.applied:
        return False
    before = outcome.pills_left + outcome.dose.quantity
    return outcome.pills_left <= threshold < before


def warn_refill(store: Store, recipient: Recipient, medication: Medication, outcome: LogOutcome,
                now: datetime) -> int:
    if not crossed_refill_threshold(medication, outcome) or outcome.pills_left is None:
        return 0
    contacts = store.list_contacts(recipient.id)
    return store.enqueue_alerts(refill_alerts(recipient, medication, contacts, outcome.dose.id,
                                              outcome.pills_left, now))


def settle_missed(store: Store, recipient: Recipient, dose: Dose, now: datetime) -> int | None:
    """End the watch on a dose that was missed and is now logged: all clear to those who were alerted.

    Alerts about it not sent yet (held by quiet hours, escalations) are cancelled: they are no longer
    true. Returns how many all clears were recorded, or None while an alert about it is mid-send (the
    next sweep settles it, once it is known whether that alert went).
    """
    about = [a for a in store.alerts_about(recipient.id, dose.id) if a.kind.about_missed_dose]
    if any(a.state is DeliveryState.SENDING for a in about):
        return None
    for alert in about:
        if alert.state is DeliveryState.PENDING:
            store.cancel_alert(alert, now)
    about = [a for a in store.alerts_about(recipient.id, dose.id) if a.kind.about_missed_dose]
    if any(a.state.open for a in about):  # a concurrent sweep claimed one just now
        return None
    alerted = {a.contact_id for a in about if maybe_delivered(a)}  # a carer who may have heard hears the end
    contacts = [c for c in store.list_contacts(recipient.id) if c.id in alerted]
    clears = all_clear_alerts(recipient, dose, contacts, now)
    return len(clears) if store.settle_watch(dose, clears) else 0


def after_dose_logged(store: Store, recipient: Recipient, medication: Medication, outcome: LogOutcome,
                      now: datetime) -> None:
    """The log path's hook (voice, web, CLI): refill warning, and an immediate all clear."""
    if not outcome.applied:
        return
    warn_refill(store, recipient, medication, outcome, now)
    if outcome.previous_status is DoseStatus.MISSED:
        settle_missed(store, recipient, outcome.dose, now)


