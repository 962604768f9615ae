"""Alexa user links, link attempts, reminder tokens and voice preferences.

A voice turn should cost one read: the link is read on a session's first turn only (the skill caches it in
session attributes), and everything else a turn needs about a person comes from `load_voice_view`, which
returns the core `RecipientView` and this area's `VoiceState` together.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from skill.store.core import RecipientView

MAX_LINK_FAILURES = 5  # wrong codes allowed ...
LINK_FAILURE_WINDOW = timedelta(hours=1)  # ... within this window, before ...
LINK_LOCKOUT = timedelta(hours=1)  # ... linking is locked for this long
DEFAULT_FOLLOWUP_MINUTES = 30


@dataclass(frozen=True, slots=True)
class AlexaLink:
    """Ties an Alexa account (userId) or a voice profile (personId) to one recipient."""

    alexa_id: str
    recipient_id: str
    linked_at: datetime


@dataclass(frozen=True, slots=True)
class LinkAttempts:
    """Wrong link codes counted in the current window; `locked_until` is set once the limit is reached."""

    failures: int = 0
    locked_until: datetime | None = None

    def locked(self, now: datetime) -> bool:
        return self.locked_until is not None and now < self.locked_until


@dataclass(frozen=True, slots=True)
class ReminderToken:
    """An Alexa reminder we created, and the recurrence rule it was made with (to notice schedule changes)."""

    token: str
    rule: str


@dataclass(frozen=True, slots=True)
class VoiceState:
    """Per-person facts only the voice skill needs."""

    recipient_id: str
    disclaimer_heard_at: datetime | None = None
    permission_declined_at: datetime | None = None
    device_timezone: str | None = None  # set when the device's zone differs from the recipient's (for the carer)
    followup_minutes: int = DEFAULT_FOLLOWUP_MINUTES
    reminders: Mapping[str, ReminderToken] = field(default_factory=dict)  # key: "<med id>@HHMM[+f]"


@dataclass(frozen=True, slots=True)
class VoiceView:
    """The voice turn's one read: the person's core view and their voice state."""

    view: RecipientView
    state: VoiceState
    linked_ids: frozenset[str] = frozenset()  # Alexa users/persons linked to this recipient right now

    def is_linked(self, alexa_id: str) -> bool:
        """Lets a turn that guessed the recipient (from session or a warm cache) confirm it in the same read."""
        return alexa_id in self.linked_ids


class VoiceStore(ABC):
    """Storage the voice skill needs."""

    # -- links ----------------------------------------------------------------------------------------
    @abstractmethod
    def get_alexa_link(self, alexa_id: str) -> AlexaLink | None:
        """One read."""

    @abstractmethod
    def put_alexa_link(self, link: AlexaLink) -> None:
        """Create or move a link (one write): a later code wins, as a household re-links a speaker."""

    @abstractmethod
    def delete_alexa_link(self, alexa_id: str) -> None:
        """Forget a link (one write); a no-op when there is none."""

    # -- link attempts --------------------------------------------------------------------------------
    @abstractmethod
    def link_attempts(self, alexa_id: str, now: datetime) -> LinkAttempts:
        """Wrong tries within the current window (an expired window counts as none). One read."""

    @abstractmethod
    def record_link_failure(self, alexa_id: str, now: datetime) -> LinkAttempts:
        """Count a wrong code; the MAX_LINK_FAILURES-th within LINK_FAILURE_WINDOW locks for LINK_LOCKOUT."""

    @abstractmethod
    def clear_link_failures(self, alexa_id: str) -> None:
        """A right code clears the count (one write)."""

    # -- voice state ----------------------------------------------------------------------------------
    @abstractmethod
    def load_voice_view(self, recipient_id: str, since: datetime) -> VoiceView | None:
        """`load_recipient_view` plus the voice state: ONE read."""

    @abstractmethod
    def get_voice_state(self, recipient_id: str) -> VoiceState:
        """One read; a person never seen by voice has the default state."""

    @abstractmethod
    def mark_disclaimer_heard(self, recipient_id: str, at: datetime) -> None:
        """One write."""

    @abstractmethod
    def set_permission_declined(self, recipient_id: str, at: datetime | None) -> None:
        """Remember when reminders were declined (None: granted or forgotten). One write."""

    @abstractmethod
    def set_device_timezone(self, recipient_id: str, device_timezone: str | None) -> None:
        """Flag a device whose zone differs from the recipient's (None clears the flag). One write."""

    @abstractmethod
    def set_followup_minutes(self, recipient_id: str, minutes: int) -> None:
        """How long after a dose-time reminder the "have you taken it?" reminder comes. One write."""

    @abstractmethod
    def put_reminder_token(self, recipient_id: str, key: str, token: ReminderToken) -> None:
        """One write."""

    @abstractmethod
    def delete_reminder_token(self, recipient_id: str, key: str) -> None:
        """One write; a no-op when missing."""


@dataclass(frozen=True, slots=True)
class AttemptRecord:
    """What is stored for link attempts; `effective` turns it into what counts now."""

    failures: int = 0
    window_start: datetime | None = None
    locked_until: datetime | None = None

    def effective(self, now: datetime) -> LinkAttempts:
        if self.locked_until is not None and now < self.locked_until:
            return LinkAttempts(self.failures, self.locked_until)
        if self.window_start is not None and now - self.window_start < LINK_FAILURE_WINDOW:
            return LinkAttempts(self.failures, None)
        return LinkAttempts()

    def after_failure(self, now: datetime) -> AttemptRecord:
        """The rule every store applies; a failure while locked changes nothing (the lock is not extended)."""
        current = self.effective(now)
        if current.locked(now):
            return self
        if current.failures == 0:
            return AttemptRecord(1, now, None)
        failures = current.failures + 1
        locked = now + LINK_LOCKOUT if failures >= MAX_LINK_FAILURES else None
        return AttemptRecord(failures, self.window_start, locked)


def validate_followup(minutes: int) -> int:
    from skill.domain.errors import ValidationError

    if not 5 <= minutes <= 240:
        raise ValidationError("the follow-up reminder must come 5 to 240 minutes after the dose time")
    return minutes
