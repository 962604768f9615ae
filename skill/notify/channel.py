"""The one small interface every delivery channel implements, so operators can add their own.

A channel sends one worded message and either returns (delivered) or raises `DeliveryError`, saying
whether trying again later could help, and whether the message may have gone anyway (`outcome_unknown`:
the request was sent but no answer came, so the receiver may hold it). The outbox retries an unknown
outcome at most once; the channel itself never repeats a send. Retrying, backing off, holding for quiet
hours and recording attempts are the outbox's job, never the channel's: a channel makes one attempt, with
a short timeout.
"""

from __future__ import annotations

import hashlib
from typing import Protocol

from skill.domain.alerts import Message

DEFAULT_TIMEOUT_SECONDS = 10.0


class DeliveryError(Exception):
    """A failed attempt. `reason` is short and free of personal data: it is stored with the attempt."""

    def __init__(self, reason: str, *, transient: bool, outcome_unknown: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.transient = transient or outcome_unknown
        self.outcome_unknown = outcome_unknown


def delivery_id(key: str) -> str:
    """A stable id per alert (its dedupe key hashed): every copy of one alert carries the same id, so a
    receiver or a mail client can tell a repeat from a new alert, and the id reveals nothing itself."""
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def message_id(key: str) -> str:
    return f"<{delivery_id(key)}@dosekeeper>"


class Channel(Protocol):
    """Delivers messages whose `channel` equals `name` (a contact's channel: email, sms, webhook...)."""

    name: str

    def send(self, message: Message) -> None:
        """One attempt; raise DeliveryError(transient=True) for "try later", False for "never will"."""
