"""Care events: what happened beside the doses themselves, for the carer's history and exports.

Safety moments (a double dose, the wrong tablet, an over-limit report, a dropped tablet, feeling unwell after
the tablets) and corrections (a log undone) are recorded as events, so the dose record stays the truth of what
was taken and the story of how it got there is kept beside it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from skill.domain.models import LogSource, clean_text, require_aware


class EventKind(StrEnum):
    DOUBLE_DOSE = "double_dose"
    WRONG_MEDICINE = "wrong_medicine"
    OVER_LIMIT = "over_limit"
    DROPPED_DOSE = "dropped_dose"
    FEELING_UNWELL = "feeling_unwell"
    LOG_UNDONE = "log_undone"
    EARLY_LOG = "early_log"

    @property
    def is_safety(self) -> bool:
        return self in SAFETY_KINDS


SAFETY_KINDS = frozenset({EventKind.DOUBLE_DOSE, EventKind.WRONG_MEDICINE, EventKind.OVER_LIMIT,
                          EventKind.DROPPED_DOSE, EventKind.FEELING_UNWELL})

EVENT_LABELS = {
    EventKind.DOUBLE_DOSE: "Reported taking too much",
    EventKind.WRONG_MEDICINE: "Reported taking the wrong medicine",
    EventKind.OVER_LIMIT: "Took more than the carer's limit",
    EventKind.DROPPED_DOSE: "Dropped or lost a dose",
    EventKind.FEELING_UNWELL: "Said they feel unwell after their medicines",
    EventKind.LOG_UNDONE: "Said a logged dose was not taken (log undone)",
    EventKind.EARLY_LOG: "Took a dose early",
}


@dataclass(frozen=True)
class CareEvent:
    id: str
    recipient_id: str
    kind: EventKind
    at: datetime
    source: LogSource
    who: str
    medication_id: str | None = None
    medication_name: str | None = None
    dose_id: str | None = None
    detail: str = ""  # a short plain-words note ("2 taken, limit 1 a day"); never free speech from the person

    def __post_init__(self) -> None:
        require_aware(self.at, "event time")
        object.__setattr__(self, "detail", clean_text(self.detail, 200))
        object.__setattr__(self, "who", clean_text(self.who, 200))
        if self.medication_name is not None:
            object.__setattr__(self, "medication_name", clean_text(self.medication_name, 100))

    @property
    def label(self) -> str:
        return EVENT_LABELS[self.kind]


@dataclass(frozen=True)
class HeardName:
    """A medicine name Alexa heard that matched none of the person's medicines: the carer may add it as a
    nickname. Only the heard text is kept, never audio."""

    recipient_id: str
    heard: str
    first_at: datetime
    last_at: datetime
    times: int = 1

    def __post_init__(self) -> None:
        object.__setattr__(self, "heard", clean_text(self.heard, 60).casefold())
