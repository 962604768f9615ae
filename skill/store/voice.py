"""Alexa user links, link attempts, reminder tokens and voice preferences.

A voice turn should cost one read: the link is read on a session's first turn only (the skill caches it in
session attributes), and everything else a turn needs about a person comes from `load_voice_view`, which
returns the core `RecipientView` and this area's `VoiceState` together.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime

from skill.domain.voice import (
    AlexaLink,
    LinkAttempts,
    ReminderToken,
    VoiceState,
)
from skill.store.core import RecipientView


@dataclass(frozen=True)
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
    def set_device_timezone(self, recipient_id: str, device_timezone: str | None,
                            checked_at: datetime | None = None) -> None:
        """Flag a device whose zone differs from the recipient's (None clears the flag), and when the device
        was last asked (`checked_at`, kept as it was when None). One write."""

    @abstractmethod
    def set_followup_minutes(self, recipient_id: str, minutes: int) -> None:
        """How long after a dose-time reminder the "have you taken it?" reminder comes. One write."""

    @abstractmethod
    def set_name_medicines_in_reminders(self, recipient_id: str, name_them: bool) -> None:
        """The carer's opt-in to medicine names in Alexa reminders (stored in Amazon's cloud). One write."""

    @abstractmethod
    def put_reminder_token(self, recipient_id: str, key: str, token: ReminderToken) -> None:
        """One write."""

    @abstractmethod
    def delete_reminder_token(self, recipient_id: str, key: str) -> None:
        """One write; a no-op when missing."""
