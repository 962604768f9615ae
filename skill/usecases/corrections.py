"""A carer correcting a logged dose ("she skipped it, not took it"; "that was never taken"), from any edge.

Voice may only undo the last few hours (skill/usecases/undo.py); a carer's correction reaches back as far as
a log may be recorded. The dose record stays the truth of what was taken: the old log is reopened (its pills
given back) and the corrected one recorded through the store's conditional writes, and the story of the
change is kept twice: a care event in History and an entry in the Changes log.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from enum import StrEnum

from skill.domain.actors import Actor
from skill.domain.events import EventKind
from skill.domain.models import Dose, DoseStatus
from skill.doses import log_status, parse_dose_id
from skill.store.base import Store
from skill.usecases.access import recipient_for
from skill.usecases.audit import audit
from skill.usecases.dose_log import MAX_LOOKBACK
from skill.usecases.errors import Invalid, NotFound
from skill.usecases.reading import doses_between
from skill.usecases.safety import note_event


class Correction(StrEnum):
    TAKEN = "taken"
    SKIPPED = "skipped"
    NOT_TAKEN = "not_taken"  # back to open: missed once its grace window has passed


WORDS = {DoseStatus.TAKEN: "taken", DoseStatus.TAKEN_LATE: "taken late", DoseStatus.SKIPPED: "skipped",
         DoseStatus.PENDING: "not taken", DoseStatus.MISSED: "not taken"}


def correct_dose(store: Store, actor: Actor, now: datetime, recipient_id: str, dose_id: str,
                 to: Correction) -> Dose:
    """Change what a logged dose says; returns the dose as it now stands. A correction that changes nothing
    is no correction (nothing audited)."""
    recipient = recipient_for(store, actor, recipient_id, edit=True)
    medication_id, nominal = parse_dose_id(dose_id)
    local = nominal.replace(tzinfo=recipient.tz)
    if local > now + timedelta(days=1) or now - local > MAX_LOOKBACK:
        raise NotFound("dose")
    dose = next((d for d in doses_between(store, recipient, local - timedelta(days=1), local + timedelta(days=1))
                 if d.id == dose_id), None)
    med = next((m for m in store.list_medications(recipient.id, include_stopped=True) if m.id == medication_id),
               None)
    if dose is None or med is None or not dose.is_logged:
        raise NotFound("dose")
    at = dose.logged_at or now
    target = (DoseStatus.PENDING if to is Correction.NOT_TAKEN
              else log_status(recipient, replace(dose, status=DoseStatus.PENDING), at, to is Correction.SKIPPED))
    if target is dose.status:
        return dose
    counted = med.pill_count is not None
    if not store.reopen_dose(dose, pill_delta=dose.quantity if counted and dose.status.is_taken else 0):
        raise Invalid("dose", "changed while you were looking at it: reload the page and try again")
    now_stands = replace(dose, status=DoseStatus.PENDING, logged_at=None, source=None)
    if target is not DoseStatus.PENDING:
        outcome = store.record_dose(now_stands, target, at, actor.source,
                                    pill_delta=-dose.quantity if counted and target.is_taken else 0)
        now_stands = outcome.dose
    if med.schedule.as_needed and target is DoseStatus.PENDING:  # an as-needed dose exists only once taken
        store.delete_pending_doses(recipient.id, med.id, dose.scheduled_utc, keep=())
        store.forget_as_needed_take(dose)
    when = dose.scheduled_utc.astimezone(recipient.tz)
    change = f"{WORDS[dose.status]} corrected to {WORDS[target]}"
    note_event(store, actor, recipient, EventKind.LOG_UNDONE, now, medication=med, dose=dose,
               detail=f"{when:%d %b %H:%M} dose: {change}")
    audit(store, actor, recipient.id, "dose", "correct",
          {"name": med.name, "dose due": f"{when:%d %b %H:%M}", "recorded as": WORDS[dose.status]},
          {"name": med.name, "dose due": f"{when:%d %b %H:%M}", "recorded as": WORDS[target]}, now)
    return now_stands
