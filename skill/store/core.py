"""The core of the store: recipients, medications, doses and link codes.

Every method names the access pattern it serves; implementations promise its cost (see each docstring),
and the contract suite in tests/contract holds all of them to the same behaviour.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from skill.domain.models import Dose, DoseStatus, LinkCode, LogSource, Medication, Recipient


@dataclass(frozen=True)
class RecipientView:
    """Everything a voice turn needs about one person, fetched in one read."""

    recipient: Recipient
    medications: tuple[Medication, ...]
    doses: tuple[Dose, ...]  # stored doses scheduled at or after the `since` asked for, in time order

    def medication(self, medication_id: str) -> Medication | None:
        return next((m for m in self.medications if m.id == medication_id), None)


@dataclass(frozen=True)
class LogOutcome:
    """What a dose log did: `applied` is False when the dose was already logged (never logged twice)."""

    applied: bool
    dose: Dose  # the dose as stored after the call (the earlier log when not applied)
    previous_status: DoseStatus | None = None  # None when the dose had not been stored before
    pills_left: int | None = None
    extra: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class AsNeededOutcome:
    """What an as-needed log did, with the numbers the interval and daily-maximum rules need.

    The numbers were read in the same atomic step as the write, so two logs racing each other can never
    both see "nothing taken yet": the use-case layer decides what they mean (too soon, over the maximum),
    the store only guarantees they are exact.
    """

    applied: bool  # False: a second report of an intake already recorded (nothing was written)
    dose: Dose  # the dose as stored (the earlier report's dose when not applied)
    previous_taken_at: datetime | None  # the latest taken dose of this medicine before this one (see LOOKBACK)
    taken_today_before: int  # pills of this medicine taken in [day_start, day_end) before this one
    pills_left: int | None = None  # the pill count after the call; None when pills are not counted


AS_NEEDED_LOOKBACK = timedelta(days=8)  # longer than the longest minimum interval a carer can set (7 days)


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
        """Log a dose as taken, taken late or skipped, exactly once.

        Applies only when the dose is not stored yet, or is pending or missed; otherwise nothing changes and
        the outcome carries the earlier log ("you already took it at 8:05"). A non-zero `pill_delta` is
        applied to the medication's pill count (never below zero) in the same atomic write, and
        `pills_left` is the count that write left. Repeating a call whose outcome was lost (a timeout)
        answers from what was recorded: applied False, the stored log, and the pills counted once.

        SQLite: one BEGIN IMMEDIATE transaction (1 SELECT, 1 upsert, 1 pill UPDATE when counted).
        DynamoDB, pills not counted: one conditional UpdateItem (dynalite, lacking
        ReturnValuesOnConditionCheckFailure, adds a GetItem when already logged). Pills counted:
        1 BatchGetItem (the dose and the count, strongly consistent) + 1 TransactWriteItems conditioned on
        exactly what was read; already logged: the BatchGetItem only. A lost race retries (bounded) from
        the values the cancelled transaction returns.
        """

    @abstractmethod
    def record_as_needed_dose(self, dose: Dose, status: DoseStatus, logged_at: datetime, source: LogSource, *,
                              pill_delta: int, same_intake_within: timedelta, day_start: datetime,
                              day_end: datetime) -> AsNeededOutcome:
        """Log an as-needed dose through the medicine's guard, so its limits are judged on exact numbers.

        A voice log and a carer's API log of the same intake arrive at nearly the same moment; checking the
        limits by reading and then writing let both through. Here the read and the write are one atomic
        step per medicine: if a taken dose of this medicine lies less than `same_intake_within` from this
        one (by dose time, which for an as-needed dose is when it was taken), this is a second report of
        that intake and nothing is written (`applied` False, `dose` the earlier one). Otherwise the dose,
        the guard and the pill count (`pill_delta`, never below zero) are written together, and the outcome
        carries the latest taken dose before this one (within AS_NEEDED_LOOKBACK, else None) and the pills
        of this medicine taken in [day_start, day_end) before it. Every as-needed log must come through
        here: a dose written by `record_dose` is not seen by the guard's fast path.

        SQLite: one BEGIN IMMEDIATE transaction (the write lock is the guard; the numbers are read from the
        doses inside it): 3 SELECTs (the medicine, this dose, its recent doses) + up to 2 writes.
        DynamoDB: the guard lives on the medication item (its version, last take, the day's total):
        1 GetItem + 1 TransactWriteItems (dose put + guard and pill count update, conditioned on the
        guard's version); + 1 Query of the medicine's recent doses only when the guard cannot answer
        (first as-needed log after an upgrade, a back-dated log, or a new day window after a zone move).
        A second report of the same intake costs the GetItem only. A lost race retries (bounded) from the
        values the cancelled transaction returns, without another read.
        """

    def forget_as_needed_take(self, dose: Dose) -> None:  # noqa: B027 - a store with nothing to forget keeps it
        """After a taken as-needed dose is undone (and deleted): whatever the store keeps to answer "too
        soon?" and "how many today?" quickly must stop counting it, or the next report would be taken for the
        same intake or pushed over the day's limit. SQLite counts the doses themselves: nothing to do.
        DynamoDB: 1 UpdateItem clearing the guard's last take (the next log re-counts from the doses)."""


    @abstractmethod
    def due_doses(self, start: datetime, end: datetime) -> list[Dose]:
        """Pending doses due in [start, end), from the due-time index: reads only those doses.

        A row that cannot be decoded (corrupt, or written by a future release) is logged by id and
        skipped, so one bad row never stops the sweep for everyone else.
        SQLite: one SELECT on the partial pending index. DynamoDB: one Query per UTC hour the window
        touches (GSI1), usually 1 or 2.
        """

    @abstractmethod
    def mark_missed(self, dose: Dose) -> bool:
        """Pending -> missed, exactly once across concurrent sweeps: True only for the call that did it.

        SQLite: one UPDATE in a transaction. DynamoDB: one conditional UpdateItem.
        """

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
