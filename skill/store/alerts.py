"""Contacts, the notification outbox, missed-dose watches and the sweep checkpoint (missed-dose alerts).

The outbox is what makes alerts never lost and never doubled: an alert is a row recorded in the same
atomic write that changes what it is about (the dose marked missed, the watch settled), keyed by
(dose, kind, contact) so recording it again is a no-op; delivery then claims a row before sending it, so
two sweeps never send the same row, and a sweep that dies mid-send leaves a claim that lapses and is
picked up again.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from skill.domain.alerts import OutboxItem
from skill.domain.models import Contact, Dose

if TYPE_CHECKING:
    from skill.store.rollups import SweepPerson


@dataclass(frozen=True)
class WatchedDose:
    """A dose that was marked missed, as stored now: when its status changes, its carers get an all clear."""

    dose: Dose
    missed_at: datetime


class AlertStore(ABC):
    """Storage the sweep and the notification channels need."""

    # -- contacts -----------------------------------------------------------------------------------
    @abstractmethod
    def put_contact(self, contact: Contact) -> None:
        """Create or replace a contact (one write)."""

    @abstractmethod
    def list_contacts(self, recipient_id: str) -> list[Contact]:
        """A recipient's contacts by priority, then age. One query."""

    def contacts_of(self, known: Mapping[str, frozenset[str]]) -> dict[str, list[Contact]]:
        """The contacts of several people whose contact ids are known (`SweepPerson.contact_ids`), as
        `list_contacts` orders them. A store that can fetch them by key in batches overrides this."""
        return {rid: [c for c in self.list_contacts(rid) if c.id in ids] for rid, ids in known.items()}

    @abstractmethod
    def delete_contact(self, recipient_id: str, contact_id: str) -> bool:
        """True when it existed. Alerts already recorded for it still go out."""

    # -- the sweep ----------------------------------------------------------------------------------
    @abstractmethod
    def sweep_checkpoint(self) -> datetime | None:
        """Doses due before this instant have all been swept (None before the first sweep)."""

    @abstractmethod
    def advance_sweep_checkpoint(self, to: datetime) -> None:
        """Move the checkpoint forward to `to`; never back (a slower concurrent sweep cannot rewind it)."""

    @abstractmethod
    def mark_missed_with_alerts(self, dose: Dose, alerts: Sequence[OutboxItem], now: datetime,
                                person: SweepPerson | None = None) -> bool:
        """Pending -> missed, its alerts recorded and the dose watched, in ONE atomic conditional write.

        True only for the one call that changed the dose; any concurrent or repeated call changes nothing.
        SQLite: one BEGIN IMMEDIATE transaction (1 UPDATE, 1 INSERT per alert, 1 INSERT of the watch).
        DynamoDB: one TransactWriteItems (the dose's conditional update + one put-if-absent per alert,
        at most 99); no alerts: one UpdateItem. A lost race costs the one refused request.
        """

    @abstractmethod
    def watched_doses(self, limit: int = 1000) -> list[WatchedDose]:
        """Missed doses still watched for a late log, with their current status. Cost: the watches only.

        SQLite: one SELECT (a join). DynamoDB: one Query per watch shard (4). An undecodable row is logged
        by id and skipped.
        """

    @abstractmethod
    def settle_watch(self, dose: Dose, alerts: Sequence[OutboxItem]) -> bool:
        """Record a dose's all-clear alerts and stop watching it: True for the one call that ended the watch.

        The alerts are recorded by deduplication key, so a repeated or concurrent call records nothing new.
        SQLite: one transaction. DynamoDB: one TransactWriteItems (no alerts: one UpdateItem).
        """

    # -- the outbox ---------------------------------------------------------------------------------
    @abstractmethod
    def enqueue_alerts(self, alerts: Sequence[OutboxItem]) -> int:
        """Record alerts not recorded yet (by key); returns how many were new."""

    @abstractmethod
    def alerts_about(self, recipient_id: str, subject_id: str) -> list[OutboxItem]:
        """Every alert about one dose (or refill crossing). One query."""

    @abstractmethod
    def due_alerts(self, now: datetime, limit: int = 500) -> list[OutboxItem]:
        """Pending alerts whose time has come, and claims that lapsed, oldest first. Reads only those.

        SQLite: one SELECT. DynamoDB: one Query per outbox shard (4). An undecodable row is logged by key and
        skipped, so one bad row never holds up everyone's alerts.
        """

    @abstractmethod
    def claim_alert(self, item: OutboxItem, now: datetime, lease_until: datetime) -> OutboxItem | None:
        """Take an alert for one attempt (conditional): None when another sweep has it or it is done."""

    @abstractmethod
    def record_attempt(self, item: OutboxItem) -> None:
        """Store a claimed alert's new state, attempts and next attempt time (see OutboxItem.with_attempt)."""

    @abstractmethod
    def cancel_alert(self, item: OutboxItem, now: datetime) -> bool:
        """Pending -> cancelled (conditional): the alert became untrue before it went."""

    @abstractmethod
    def list_alerts(self, recipient_id: str | None = None, limit: int = 200) -> list[OutboxItem]:
        """Newest first, with every attempt: one recipient's, or (where the store can list cheaply) all."""
