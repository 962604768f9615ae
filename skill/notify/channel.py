"""The one small interface every delivery channel implements, so operators can add their own.

A channel sends one worded message and either returns (delivered) or raises `DeliveryError`, saying
whether trying again later could help. Retrying, backing off, holding for quiet hours and recording
attempts are the outbox's job, never the channel's: a channel makes one attempt, with a short timeout.
"""

from __future__ import annotations

from typing import Protocol

from skill.domain.alerts import Message

DEFAULT_TIMEOUT_SECONDS = 10.0


class DeliveryError(Exception):
    """A failed attempt. `reason` is short and free of personal data: it is stored with the attempt."""

    def __init__(self, reason: str, *, transient: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.transient = transient


class Channel(Protocol):
    """Delivers messages whose `channel` equals `name` (a contact's channel: email, sms, webhook...)."""

    name: str

    def send(self, message: Message) -> None:
        """One attempt; raise DeliveryError(transient=True) for "try later", False for "never will"."""
