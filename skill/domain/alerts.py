"""What an alert is on its way to a carer: the worded message and the outbox row that carries it.

A message is worded when it is recorded, not when it is sent, so a retry hours later says exactly what the
first try would have said, and delivery needs no further reads.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, time
from enum import StrEnum


class AlertKind(StrEnum):
    MISSED = "missed"  # the first contacts, as soon as the dose is missed
    ESCALATION = "escalation"  # the next contacts, when the dose is still missed after escalate-after
    ALL_CLEAR = "all_clear"  # the dose was logged after all; only to contacts who were alerted
    REFILL = "refill"  # the pill count fell to the refill threshold
    TEST = "test"  # `dosekeeper deploy-check`: an operator proving a contact's channel delivers
    SAFETY = "safety"  # a safety moment: too much taken, the wrong tablet, feeling unwell; sent at once

    @property
    def about_missed_dose(self) -> bool:
        """Alerts that turn moot (and are cancelled) once the dose is logged."""
        return self in (AlertKind.MISSED, AlertKind.ESCALATION)


class DeliveryState(StrEnum):
    PENDING = "pending"  # waiting for its next attempt (first try, retry, or held by quiet hours)
    SENDING = "sending"  # claimed by one sweep until its lease ends (a crashed sweep's claim lapses)
    SENT = "sent"
    FAILED = "failed"  # permanent refusal, or out of attempts
    CANCELLED = "cancelled"  # no longer true (the dose was logged before the alert went)

    @property
    def open(self) -> bool:
        return self in (DeliveryState.PENDING, DeliveryState.SENDING)


@dataclass(frozen=True)
class Message:
    """Everything a channel needs, already worded; the channel only carries it."""

    channel: str  # "email", "sms", "webhook" or an operator's own
    address: str
    subject: str
    text: str
    key: str  # the deduplication key: receivers (webhooks) can drop a repeat with it
    data: Mapping[str, object] = field(default_factory=dict)  # structured form for webhooks


@dataclass(frozen=True)
class Attempt:
    """One try at delivery; `detail` is a short reason (an error class or status), never personal data."""

    at: datetime
    ok: bool
    detail: str


def outbox_key(subject_id: str, kind: AlertKind, contact_id: str) -> str:
    """One row per (dose, kind, contact): recording it twice is a no-op, never a second alert."""
    return f"{subject_id}#{kind.value}#{contact_id}"


@dataclass(frozen=True)
class OutboxItem:
    """One alert for one contact, from the moment it is recorded to its last delivery attempt."""

    recipient_id: str
    contact_id: str
    kind: AlertKind
    subject_id: str  # the dose id (missed, escalation, all clear) or the dose whose log crossed the threshold
    message: Message
    created_at: datetime
    next_attempt_at: datetime  # when it may be tried (held by quiet hours, backed off) or its lease ends
    state: DeliveryState = DeliveryState.PENDING
    attempts: tuple[Attempt, ...] = ()
    timezone: str = "UTC"  # the recipient's zone, in which quiet hours are read
    quiet_hours: tuple[time, time] | None = None

    @property
    def key(self) -> str:
        return outbox_key(self.subject_id, self.kind, self.contact_id)

    @property
    def channel(self) -> str:
        return self.message.channel

    def with_attempt(self, attempt: Attempt, state: DeliveryState, next_attempt_at: datetime) -> OutboxItem:
        return replace(self, attempts=(*self.attempts, attempt), state=state, next_attempt_at=next_attempt_at)
