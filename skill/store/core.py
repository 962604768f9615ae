"""The core of the store: recipients, medications, doses and link codes.

Every method names the access pattern it serves; implementations promise its cost (see each docstring),
and the contract suite in tests/contract holds all of them to the same behaviour.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from skill.domain.models import Dose, DoseStatus, LinkCode, LogSource, Medication, Recipient


@dataclass(frozen=True, slots=True)
class RecipientView:
    """Everything a voice turn needs about one person, fetched in one read."""

    recipient: Recipient
    medications: tuple[Medication, ...]
    doses: tuple[Dose, ...]  # stored doses scheduled at or after the `since` asked for, in time order

    def medication(self, medication_id: str) -> Medication | None:
        return next((m for m in self.medications if m.id == medication_id), None)


@dataclass(frozen=True, slots=True)
class LogOutcome:
    """What a dose log did: `applied` is False when the dose was already logged (never logged twice)."""

    applied: bool
    dose: Dose  # the dose as stored after the call (the earlier log when not applied)
    previous_status: DoseStatus | None = None  # None when the dose had not been stored before
    pills_left: int | None = None
    extra: dict[str, object] = field(default_factory=dict)


class CoreStore(ABC):
    @abstractmethod
    def init(self) -> None:
        """Create the schema or table; safe to run again (idempotent)."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections; stores without any need not override it."""

    # -- recipients ---------------------------------------------------------------------------------
    @abstractmethod
    def put_recipient(self, recipient: Recipient) -> None:
        """Create or replace a recipient's profile (one write)."""

    @abstractmethod
    def get_recipient(self, recipient_id: str) -> Recipient | None:
        """One read."""

    @abstractmethod
    def list_recipients(self, organisation: str | None = None) -> list[Recipient]:
        """Recipients of one organisation (or all organisations), by name. One query per organisation."""

    # -- medications --------------------------------------------------------------------------------
    @abstractmethod
    def put_medication(self, medication: Medication) -> None:
        """Create or replace a medication (its schedule included). Keeps the dose planning horizon."""

    @abstractmethod
    def list_medications(self, recipient_id: str, include_stopped: bool = False) -> list[Medication]:
        """A recipient's medications, by name. One query."""

    @abstractmethod
    def adjust_pill_count(self, recipient_id: str, medication_id: str, delta: int) -> int | None:
        """Add `delta` (negative to take) to the pill count atomically; None when pills are not counted."""

    @abstractmethod
    def medications_to_plan(self, before: datetime) -> list[Medication]:
        """Active medications whose expected doses are stored only up to a time before `before`.

        This is how the sweep keeps doses materialised ahead without reading every medication.
        """

    @abstractmethod
    def mark_planned(self, recipient_id: str, medication_id: str, until: datetime) -> None:
        """Record that expected doses are stored up to `until` (exclusive)."""

    # -- doses --------------------------------------------------------------------------------------
    @abstractmethod
    def put_doses(self, doses: Iterable[Dose]) -> int:
        """Store expected doses that are not stored yet (never overwrites a log); returns how many were new."""

    @abstractmethod
    def delete_pending_doses(self, recipient_id: str, medication_id: str, after: datetime,
                             keep: Sequence[str] = ()) -> int:
        """Drop pending doses of one medication due at or after `after`, except ids in `keep`.

        Used when a schedule changes or a medication stops; logged doses are history and stay.
        """

    @abstractmethod
    def list_doses(self, recipient_id: str, start: datetime, end: datetime) -> list[Dose]:
        """Stored doses due in [start, end), in time order. One query."""

    @abstractmethod
    def load_recipient_views(self, recipient_ids: Sequence[str], start: datetime,
                             end: datetime) -> dict[str, RecipientView]:
        """Many people's profiles, medications (stopped too) and doses due in [start, end): cohort reports.

        DynamoDB: the voice turn's one Query per recipient, a few in parallel; SQLite: three queries in all.
        Never one request per recipient per day. Unknown recipients are left out.
        """

    @abstractmethod
    def record_dose(self, dose: Dose, status: DoseStatus, logged_at: datetime, source: LogSource,
                    pill_delta: int = 0) -> LogOutcome:
        """Log a dose as taken, taken late or skipped: one conditional write.

        Applies only when the dose is not stored yet, or is pending or missed; otherwise nothing changes and
        the outcome carries the earlier log ("you already took it at 8:05"). A non-zero `pill_delta` is
        applied to the medication's pill count in the same atomic write.
        """

    @abstractmethod
    def due_doses(self, start: datetime, end: datetime) -> list[Dose]:
        """Pending doses due in [start, end), from the due-time index: reads only those doses."""

    @abstractmethod
    def mark_missed(self, dose: Dose) -> bool:
        """Pending -> missed, exactly once across concurrent sweeps: True only for the call that did it."""

    @abstractmethod
    def load_recipient_view(self, recipient_id: str, since: datetime) -> RecipientView | None:
        """Profile, medications and stored doses due at or after `since`: ONE read (the voice turn's)."""

    # -- link codes ---------------------------------------------------------------------------------
    @abstractmethod
    def put_link_code(self, code: LinkCode) -> None:
        """Store a fresh code; a recipient's older unused codes stop working."""

    @abstractmethod
    def claim_link_code(self, code: str, now: datetime) -> LinkCode | None:
        """Use a code once: returns it when it existed, was unused and unexpired, else None (conditional)."""
