"""How a dose reads on the Today page: the same words as the reports (skill.reports.adherence)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from skill.domain.models import Dose, Recipient
from skill.doses import EARLY_WINDOW
from skill.reports.adherence import Outcome, RecordingStarts, classify

LABELS = {
    "taken": "Taken on time",
    "late": "Taken late",
    "missed": "Missed",
    "skipped": "Skipped",
    "due": "Due now",
    "upcoming": "Upcoming",
    "not_recorded": "Not recorded (before it was added)",
}


@dataclass(frozen=True)
class DoseLine:
    dose_id: str
    medication_id: str
    medication_name: str
    time: str  # local HH:MM
    status: str  # a key of LABELS
    label: str
    logged_at: str  # local HH:MM, or ""
    can_log: bool  # a carer may log it now (taken or skipped)

    def to_json(self) -> dict[str, object]:
        return {"id": self.dose_id, "status": self.status, "label": self.label, "logged_at": self.logged_at,
                "can_log": self.can_log}


def dose_line(recipient: Recipient, dose: Dose, now: datetime, starts: RecordingStarts | None = None) -> DoseLine:
    outcome = classify(dose, recipient.grace, now, starts)
    status = {Outcome.ON_TIME: "taken", Outcome.LATE: "late", Outcome.MISSED: "missed",
              Outcome.SKIPPED: "skipped", Outcome.NOT_RECORDED: "not_recorded"}.get(outcome)
    if status is None:
        status = "due" if dose.scheduled_utc <= now else "upcoming"
    loggable = not dose.is_logged and dose.scheduled_utc <= now + EARLY_WINDOW
    logged = dose.logged_at.astimezone(recipient.tz).strftime("%H:%M") if dose.logged_at else ""
    return DoseLine(dose_id=dose.id, medication_id=dose.medication_id, medication_name=dose.medication_name,
                    time=dose.scheduled_utc.astimezone(recipient.tz).strftime("%H:%M"), status=status,
                    label=LABELS[status], logged_at=logged, can_log=loggable)
