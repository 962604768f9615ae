""" "I didn't take it", "that's wrong": undoing a recent log, with the correction kept for the carer.

Only a log from the last few hours can be undone by voice: older records are the carer's to correct. The dose
goes back to open (the pill count restored) and a `LOG_UNDONE` event records what was undone and by whom.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from skill.domain.actors import Actor
from skill.domain.events import EventKind
from skill.domain.models import Dose
from skill.reports.rollups import note_reopened
from skill.store.base import Store
from skill.store.core import RecipientView
from skill.usecases.access import recipient_for
from skill.usecases.dose_log import VIEW_MARGIN, person_view
from skill.usecases.errors import NotFound
from skill.usecases.safety import note_event

UNDO_WINDOW = timedelta(hours=3)


class UndoKind(StrEnum):
    UNDONE = "undone"
    NOTHING_RECENT = "nothing_recent"  # no log in the undo window
    CHANGED = "changed"  # the log changed meanwhile (another edge); nothing undone


@dataclass(frozen=True)
class UndoResult:
    kind: UndoKind
    dose: Dose | None = None


def undo_last_log(store: Store, actor: Actor, now: datetime, recipient_id: str, medication_id: str | None = None,
                  *, dose_id: str | None = None, view: RecipientView | None = None,
                  covered_from: datetime | None = None) -> UndoResult:
    recipient = recipient_for(store, actor, recipient_id, edit=True, known=view.recipient if view else None)
    view = person_view(store, recipient.id, now - VIEW_MARGIN, view, covered_from)
    recent = [d for d in view.doses if d.is_logged and d.logged_at is not None and now - d.logged_at <= UNDO_WINDOW
              and (medication_id is None or d.medication_id == medication_id) and (dose_id in (None, d.id))]
    if not recent:
        if dose_id is not None:
            raise NotFound("dose")
        return UndoResult(UndoKind.NOTHING_RECENT)
    dose = max(recent, key=lambda d: d.logged_at or d.scheduled_utc)
    med = view.medication(dose.medication_id)
    counted = med is not None and med.pill_count is not None and dose.status.is_taken
    if not store.reopen_dose(dose, pill_delta=dose.quantity if counted else 0):
        return UndoResult(UndoKind.CHANGED, dose)
    if med is not None and med.schedule.as_needed:  # an as-needed dose exists only once taken: drop it
        store.delete_pending_doses(recipient.id, med.id, dose.scheduled_utc, keep=())
        store.forget_as_needed_take(dose)
    else:
        note_reopened(store, recipient, dose, now)
    when = (dose.logged_at or now).astimezone(recipient.tz)
    note_event(store, actor, recipient, EventKind.LOG_UNDONE, now, medication=med, dose=dose,
               detail=f"{dose.status.value.replace('_', ' ')} at {when:%H:%M} undone")
    return UndoResult(UndoKind.UNDONE, dose)
