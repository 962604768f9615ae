"""Voice records: Alexa user links, link attempts, reminder tokens and per-person voice state.

Kept in the domain so the store and the voice edge share one definition and neither imports the other.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from skill.domain.errors import ValidationError

MAX_LINK_FAILURES = 5  # wrong codes allowed ...
LINK_FAILURE_WINDOW = timedelta(hours=1)  # ... within this window, before ...
LINK_LOCKOUT = timedelta(hours=1)  # ... linking is locked for this long
DEFAULT_FOLLOWUP_MINUTES = 30


@dataclass(frozen=True)
class AlexaLink:
    """Ties an Alexa account (userId) or a voice profile (personId) to one recipient."""

    alexa_id: str
    recipient_id: str
    linked_at: datetime


@dataclass(frozen=True)
class LinkAttempts:
    """Wrong link codes counted in the current window; `locked_until` is set once the limit is reached."""

    failures: int = 0
    locked_until: datetime | None = None

    def locked(self, now: datetime) -> bool:
        return self.locked_until is not None and now < self.locked_until


@dataclass(frozen=True)
class ReminderToken:
    """An Alexa reminder we created, and the recurrence rule it was made with (to notice schedule changes)."""

    token: str
    rule: str


@dataclass(frozen=True)
class VoiceState:
    """Per-person facts only the voice skill needs."""

    recipient_id: str
    disclaimer_heard_at: datetime | None = None
    permission_declined_at: datetime | None = None
    device_timezone: str | None = None  # set when the device's zone differs from the recipient's (for the carer)
    device_zone_checked_at: datetime | None = None  # the last ask of Alexa's Settings API (asked at most daily)
    followup_minutes: int = DEFAULT_FOLLOWUP_MINUTES
    reminders: Mapping[str, ReminderToken] = field(default_factory=dict)  # key: "at<HHMM>[-<rule>][+f]"
    # Reminders are stored by Amazon and shown in the Alexa app: medicine names only when a carer opts in.
    name_medicines_in_reminders: bool = False


@dataclass(frozen=True)
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
    if not 5 <= minutes <= 240:
        raise ValidationError("the follow-up reminder must come 5 to 240 minutes after the dose time")
    return minutes
