"""Records of the domain, immutable so a value read once cannot drift under a concurrent writer."""

from __future__ import annotations

import re
import secrets
import unicodedata
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from skill.domain.errors import ValidationError

LINK_CODE_LIFETIME = timedelta(hours=48)
DEFAULT_GRACE_MINUTES = 60
SUPPORTED_LOCALES = ("en-GB", "en-US", "en-AU", "en-CA", "en-IN")
_LOCALE_RE = re.compile(r"^[a-z]{2}-[A-Z]{2}$")


class DoseStatus(StrEnum):
    PENDING = "pending"
    TAKEN = "taken"
    TAKEN_LATE = "taken_late"
    SKIPPED = "skipped"
    MISSED = "missed"

    @property
    def is_logged(self) -> bool:
        """A logged dose (taken, late or skipped) must never be logged again: that is a double dose."""
        return self in (DoseStatus.TAKEN, DoseStatus.TAKEN_LATE, DoseStatus.SKIPPED)

    @property
    def is_taken(self) -> bool:
        return self in (DoseStatus.TAKEN, DoseStatus.TAKEN_LATE)


class LogSource(StrEnum):
    VOICE = "voice"
    WEB = "web"
    CLI = "cli"
    API = "api"


def new_id(prefix: str) -> str:
    """Short random ids: unguessable, and never derived from a name (names are health data)."""
    return f"{prefix}_{secrets.token_hex(8)}"


def utcnow() -> datetime:
    return datetime.now(UTC)


def require_aware(value: datetime, what: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValidationError(f"{what} must carry a UTC offset")
    return value


def load_zone(name: str) -> ZoneInfo:
    """Only IANA names are accepted: a fixed offset would silently ignore daylight saving."""
    if not name or ("/" not in name and name != "UTC"):
        raise ValidationError(f"unknown time zone {name!r}: use an IANA name such as Europe/London")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(f"unknown time zone {name!r}: use an IANA name such as Europe/London") from exc


# Bounds on numbers and dates every edge accepts: past them lie only typos and attacks (a pill count of 10^30
# overflowed SQLite's integers; a range in year 1 or 9999 overflowed datetime arithmetic).
FIRST_YEAR, LAST_YEAR = 1970, 2200
MAX_PILLS = 100_000


def require_year(day: date, what: str) -> date:
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise ValidationError(f"{what} must be in a year between {FIRST_YEAR} and {LAST_YEAR}")
    return day


def _printable(value: str) -> str:
    """Drop control, format, surrogate, private-use and unassigned characters, keeping whitespace to fold.

    A NUL in a name once made every later answer malformed SSML; a lone surrogate or U+FFFF cannot be
    written in XML at all, and invisible format characters make two names that look alike differ.
    """
    if value.isprintable():
        return value
    return "".join(ch for ch in value if ch.isspace() or unicodedata.category(ch)[0] != "C")


def clean_text(value: str, limit: int) -> str:
    """Free text as every edge must store it: printable, whitespace folded, at most `limit` characters."""
    return " ".join(_printable(value).split())[:limit]


def clean_name(value: str, what: str = "name") -> str:
    cleaned = " ".join(_printable(value).split())
    if not cleaned:
        raise ValidationError(f"{what} must not be empty")
    if len(cleaned) > 100:
        raise ValidationError(f"{what} is too long (100 characters at most)")
    return cleaned


@dataclass(frozen=True)
class SpeechPreferences:
    """How Alexa should speak to this person; 'slow' is remembered when they ask 'slower please'."""

    rate: str = "medium"
    pause: str = "normal"  # between the items of a list: "normal" or "long"

    def __post_init__(self) -> None:
        if self.rate not in ("x-slow", "slow", "medium"):
            raise ValidationError("speech rate must be x-slow, slow or medium")
        if self.pause not in ("normal", "long"):
            raise ValidationError("pauses must be normal or long")


@dataclass(frozen=True)
class Recipient:
    """The person who takes the medicines."""

    id: str
    display_name: str
    timezone: str
    locale: str = "en-GB"
    speech: SpeechPreferences = field(default_factory=SpeechPreferences)
    grace_minutes: int = DEFAULT_GRACE_MINUTES
    organisation: str = "default"
    created_at: datetime = field(default_factory=utcnow)

    def __post_init__(self) -> None:
        object.__setattr__(self, "display_name", clean_name(self.display_name))
        object.__setattr__(self, "organisation", clean_name(self.organisation, "organisation"))
        load_zone(self.timezone)
        if not _LOCALE_RE.match(self.locale):
            raise ValidationError(f"unknown locale {self.locale!r}: use a tag such as en-GB")
        if not 0 < self.grace_minutes <= 24 * 60:
            raise ValidationError("grace window must be between 1 minute and 24 hours")
        require_aware(self.created_at, "created_at")

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def grace(self) -> timedelta:
        return timedelta(minutes=self.grace_minutes)


WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class Schedule:
    """When a medication is due, in the recipient's local wall-clock time.

    Times are local on purpose: "8 in the morning" stays 8 in the morning across daylight saving.
    An as-needed schedule has no times, only the carer's limits.
    """

    times: tuple[time, ...] = ()
    weekdays: tuple[int, ...] | None = None
    every_n_days: int = 1
    start: date = field(default_factory=date.today)
    end: date | None = None
    as_needed: bool = False
    min_interval_minutes: int | None = None
    max_per_day: int | None = None

    def __post_init__(self) -> None:
        times = tuple(sorted(set(t.replace(second=0, microsecond=0, tzinfo=None) for t in self.times)))
        object.__setattr__(self, "times", times)
        if self.as_needed:
            if times:
                raise ValidationError("an as-needed medication has no fixed times")
            if self.min_interval_minutes is not None and not 0 < self.min_interval_minutes <= 7 * 24 * 60:
                raise ValidationError("minimum interval must be between 1 minute and 7 days")
            if self.max_per_day is not None and not 0 < self.max_per_day <= 48:
                raise ValidationError("maximum per day must be between 1 and 48")
        else:
            if not times:
                raise ValidationError("give at least one time of day (HH:MM), or make it as-needed")
            if self.min_interval_minutes is not None or self.max_per_day is not None:
                raise ValidationError("minimum interval and maximum per day are for as-needed medications")
        if self.weekdays is not None:
            days = tuple(sorted(set(self.weekdays)))
            if not days or any(d < 0 or d > 6 for d in days):
                raise ValidationError("weekdays must be some of mon,tue,wed,thu,fri,sat,sun")
            object.__setattr__(self, "weekdays", days)
        if not 1 <= self.every_n_days <= 366:
            raise ValidationError("every N days must be between 1 and 366")
        if self.weekdays is not None and self.every_n_days != 1:
            raise ValidationError("choose weekdays or every N days, not both")
        require_year(self.start, "the start date")
        if self.end is not None:
            require_year(self.end, "the end date")
        if self.end is not None and self.end < self.start:
            raise ValidationError("the end date is before the start date")

    def to_dict(self) -> dict[str, object]:
        return {
            "times": [t.strftime("%H:%M") for t in self.times],
            "weekdays": list(self.weekdays) if self.weekdays is not None else None,
            "every_n_days": self.every_n_days,
            "start": self.start.isoformat(),
            "end": self.end.isoformat() if self.end else None,
            "as_needed": self.as_needed,
            "min_interval_minutes": self.min_interval_minutes,
            "max_per_day": self.max_per_day,
        }

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> Schedule:
        weekdays = data.get("weekdays")
        end = data.get("end")
        mi = data.get("min_interval_minutes")
        mx = data.get("max_per_day")
        return cls(
            times=tuple(parse_hhmm(str(t)) for t in data.get("times") or ()),  # type: ignore[attr-defined]
            weekdays=tuple(int(d) for d in weekdays) if isinstance(weekdays, list) else None,
            every_n_days=int(data.get("every_n_days") or 1),  # type: ignore[call-overload]
            start=date.fromisoformat(str(data["start"])),
            end=date.fromisoformat(str(end)) if end else None,
            as_needed=bool(data.get("as_needed")),
            min_interval_minutes=int(mi) if mi is not None else None,  # type: ignore[call-overload]
            max_per_day=int(mx) if mx is not None else None,  # type: ignore[call-overload]
        )


def parse_hhmm(text: str) -> time:
    match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*", text)
    if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        raise ValidationError(f"invalid time {text!r}: use 24-hour HH:MM, such as 08:00 or 20:30")
    return time(int(match.group(1)), int(match.group(2)))


def parse_weekdays(text: str) -> tuple[int, ...]:
    days = []
    for part in text.lower().split(","):
        name = part.strip()[:3]
        if name not in WEEKDAY_NAMES:
            raise ValidationError(f"unknown weekday {part.strip()!r}: use mon,tue,wed,thu,fri,sat,sun")
        days.append(WEEKDAY_NAMES.index(name))
    return tuple(days)


@dataclass(frozen=True)
class Medication:
    """A medicine a recipient takes, with its schedule and (optionally) a pill count for refills."""

    id: str
    recipient_id: str
    name: str
    schedule: Schedule
    dose_text: str = ""
    instructions: str = ""
    pill_count: int | None = None
    refill_threshold: int | None = None
    pills_per_dose: int = 1
    active: bool = True
    created_at: datetime = field(default_factory=utcnow)
    also_called: tuple[str, ...] = ()  # what the person calls it ("heart pill"), heard as this medicine
    # The carer said it was already being taken when entered: doses scheduled before `created_at` are then
    # "not recorded" (shown apart, outside adherence) rather than not expected at all (skill.doses).
    taken_before_entry: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", clean_name(self.name, "medication name"))
        nicknames: dict[str, str] = {}
        for nickname in self.also_called:
            cleaned = clean_name(nickname, "also-called name")
            if cleaned.casefold() != self.name.casefold():
                nicknames.setdefault(cleaned.casefold(), cleaned)
        if len(nicknames) > 5:
            raise ValidationError("give at most 5 other names for a medication")
        object.__setattr__(self, "also_called", tuple(nicknames.values()))
        for attr, what, limit in (("dose_text", "dose", 100), ("instructions", "instructions", 300)):
            cleaned = clean_text(getattr(self, attr), limit + 1)
            if len(cleaned) > limit:
                raise ValidationError(f"{what} is too long ({limit} characters at most)")
            object.__setattr__(self, attr, cleaned)
        if self.pill_count is not None and not 0 <= self.pill_count <= MAX_PILLS:
            raise ValidationError(f"pill count must be between 0 and {MAX_PILLS:,}")
        if self.refill_threshold is not None and not 0 <= self.refill_threshold <= MAX_PILLS:
            raise ValidationError(f"refill threshold must be between 0 and {MAX_PILLS:,}")
        if not 1 <= self.pills_per_dose <= 20:
            raise ValidationError("pills per dose must be between 1 and 20")

    def stopped(self) -> Medication:
        return replace(self, active=False)


@dataclass(frozen=True, slots=True)
class Dose:
    """One expected (or as-needed) taking of a medication.

    `id` is derived from the medication and the *nominal* local time, so expanding a schedule twice, or
    on two machines, names the same dose: that is what makes logging idempotent.
    """

    id: str
    recipient_id: str
    medication_id: str
    medication_name: str
    scheduled_local: datetime
    scheduled_utc: datetime
    status: DoseStatus = DoseStatus.PENDING
    logged_at: datetime | None = None
    source: LogSource | None = None
    quantity: int = 1

    @property
    def is_logged(self) -> bool:
        return self.status.is_logged


def dose_id(medication_id: str, nominal_local: datetime) -> str:
    n = nominal_local  # formatted by hand: strftime dominated expanding a year of doses
    return f"{medication_id}@{n.year:04d}{n.month:02d}{n.day:02d}T{n.hour:02d}{n.minute:02d}"


CHANNELS = ("email", "sms", "webhook")


@dataclass(frozen=True)
class Contact:
    """A carer who is told when a dose is missed, taken late, or a refill is due."""

    id: str
    recipient_id: str
    name: str
    channel: str
    address: str
    quiet_hours: tuple[time, time] | None = None
    escalate_after_minutes: int | None = None
    name_medicines: bool = False
    priority: int = 0
    created_at: datetime = field(default_factory=utcnow)

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", clean_name(self.name, "contact name"))
        if self.channel not in CHANNELS:
            raise ValidationError(f"channel must be one of {', '.join(CHANNELS)}")
        if not self.address.strip():
            raise ValidationError("contact address must not be empty")
        if not self.address.isprintable() or len(self.address) > 320:  # a CR/LF in an address is a header
            raise ValidationError("contact address must be one line of printable characters (320 at most)")
        if not 0 <= self.priority <= 100:
            raise ValidationError("priority must be between 0 and 100")
        if self.escalate_after_minutes is not None and not 0 < self.escalate_after_minutes <= 24 * 60:
            raise ValidationError("escalate-after must be between 1 minute and 24 hours")


@dataclass(frozen=True)
class LinkCode:
    """Six spoken digits that tie an Alexa user to a recipient; single use and short-lived."""

    code: str
    recipient_id: str
    expires_at: datetime
    used_at: datetime | None = None

    @classmethod
    def issue(cls, recipient_id: str, now: datetime | None = None) -> LinkCode:
        # No leading zero: "zero" at the start is often dropped when spoken.
        code = str(100000 + secrets.randbelow(900000))
        return cls(code=code, recipient_id=recipient_id, expires_at=(now or utcnow()) + LINK_CODE_LIFETIME)

    def usable(self, now: datetime) -> bool:
        return self.used_at is None and now < self.expires_at
