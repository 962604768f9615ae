"""Care events, heard-but-unknown medicine names, and undoing a log: the story around the doses.

A log that the person says was wrong is re-opened (the dose is pending again, the pill count restored) and
a `LOG_UNDONE` event keeps what was undone, so the carer's history shows the correction instead of a record
that silently changed.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from datetime import datetime

from skill.domain.events import CareEvent, HeardName
from skill.domain.models import Dose


class HistoryStore(ABC):
    @abstractmethod
    def append_event(self, event: CareEvent) -> None:
        """One write; appending the same event id again is a no-op."""

    @abstractmethod
    def list_events(self, recipient_id: str, start: datetime, end: datetime) -> list[CareEvent]:
        """A person's events with `at` in [start, end), newest first. One query."""

    @abstractmethod
    def reopen_dose(self, dose: Dose, pill_delta: int = 0) -> bool:
        """Undo a log: back to pending, only if the dose is still logged exactly as `dose` says (same status
        and `logged_at`), with `pill_delta` added back to the pill count in the same atomic write. True only
        for the call that did it (a second undo, or an undo racing a new log, changes nothing)."""

    @abstractmethod
    def note_heard_name(self, recipient_id: str, heard: str, at: datetime) -> None:
        """Count a medicine name that matched nothing (case-folded text only). One write (upsert)."""

    @abstractmethod
    def list_heard_names(self, recipient_id: str) -> list[HeardName]:
        """Most recently heard first. One query."""

    @abstractmethod
    def forget_heard_name(self, recipient_id: str, heard: str) -> bool:
        """Drop one (the carer added it as a nickname, or dismissed it). One write."""
