"""Per-person, per-day dose counts, so the coordinator page reads one small record per person, not every dose.

A rollup counts a person's *decided* scheduled doses by the local day they were due (in the dose's own zone):
taken on time, taken late, missed (marked by the sweep) and skipped. It changes only when a dose changes
status, and the use-case layer that made the change applies the change right after it (`RollupChange`:
one outcome -1 and another +1), so a rollup is a running total, not a recomputation. A pending dose counts
nowhere until the sweep marks it missed or someone logs it; that is the one way a rollup may differ from
`skill.reports.adherence.classify` (a dose past its grace window that no sweep has marked yet, for at most
one sweep interval). `dosekeeper rollups rebuild` recomputes them from the doses by the same rule.

Beside the day counts each person has a rank entry, the 30-day adherence as of their last change, kept in an
index per organisation: the coordinator's first page is the first N entries of that index, whatever the
number of people.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from skill.domain.models import Dose, DoseStatus, Recipient

FIELDS = ("on_time", "late", "missed", "skipped")
FIELD_OF_STATUS = {DoseStatus.TAKEN: "on_time", DoseStatus.TAKEN_LATE: "late", DoseStatus.MISSED: "missed",
                   DoseStatus.SKIPPED: "skipped"}
KEEP_DAYS = 100  # longer than the longest report window (90 days), so a rollup never loses a day it shows
RANK_DAYS = 30


@dataclass(frozen=True, slots=True)
class DayCounts:
    on_time: int = 0
    late: int = 0
    missed: int = 0
    skipped: int = 0

    @property
    def expected(self) -> int:
        """Every decided scheduled dose of the day, skipped ones included."""
        return self.on_time + self.late + self.missed + self.skipped

    def plus(self, field: str, delta: int) -> DayCounts:
        values = {f: getattr(self, f) for f in FIELDS}
        values[field] = max(values[field] + delta, 0)
        return DayCounts(**values)

    def as_tuple(self) -> tuple[int, int, int, int]:
        return (self.on_time, self.late, self.missed, self.skipped)


@dataclass(frozen=True)
class RollupChange:
    """One dose moving into (`delta` +1) or out of (-1) one of the counts of one day."""

    day: date
    field: str  # one of FIELDS
    delta: int

    def __post_init__(self) -> None:
        if self.field not in FIELDS:
            raise ValueError(f"unknown rollup field {self.field!r}")


@dataclass(frozen=True)
class PersonRollup:
    recipient_id: str
    days: Mapping[date, DayCounts]
    last_activity: datetime | None = None  # the latest log the rollup has seen (an undone one included)


@dataclass(frozen=True)
class SweepPerson:
    """What the sweep needs of a person, read in one batch with their rollup.

    `version` is the day counts' version as read (DynamoDB): the sweep's miss can then carry the person's new
    rank in its own write, conditioned on nothing having changed the counts since. `has_contacts` None means
    unknown (the contacts must be read); False lets the sweep skip the read for people nobody is told about.
    `contact_ids`, when known, are all of the person's contacts, so they are read with everyone else's in a
    batch rather than one query a person.
    """
    recipient: Recipient
    rollup: PersonRollup | None
    version: int | None = None
    has_contacts: bool | None = None
    contact_ids: frozenset[str] | None = None


@dataclass(frozen=True)
class RankPage:
    total: int  # people in the index for this organisation (after the `below` filter)
    recipient_ids: list[str]  # this page, in order


def dose_day(dose: Dose) -> date:
    return dose.scheduled_local.date()


def changes_for(dose: Dose, before: DoseStatus | None, after: DoseStatus | None) -> list[RollupChange]:
    """What one scheduled dose moving from `before` to `after` (None: not stored) does to its day.

    Here, beside the records, so a store that folds the rollup into its own dose write counts by the
    same rule as the use cases and the rebuild."""
    if before == after:
        return []
    changes = []
    if before in FIELD_OF_STATUS:
        changes.append(RollupChange(dose_day(dose), FIELD_OF_STATUS[before], -1))
    if after in FIELD_OF_STATUS:
        changes.append(RollupChange(dose_day(dose), FIELD_OF_STATUS[after], +1))
    return changes


def rank_value(days: Mapping[date, DayCounts], today: date) -> float | None:
    """The index's sort value: 30-day adherence ((on time + late) / (on time + late + missed)), None without data."""
    since = today - timedelta(days=RANK_DAYS - 1)
    taken = decided = 0
    for day, counts in days.items():
        if since <= day <= today:
            taken += counts.on_time + counts.late
            decided += counts.on_time + counts.late + counts.missed
    return taken / decided if decided else None


def apply_changes(days: Mapping[date, DayCounts], changes: Sequence[RollupChange],
                  oldest: date) -> dict[date, DayCounts]:
    """The day counts after `changes`, with days before `oldest` dropped (a stored rollup stays small)."""
    updated = {d: c for d, c in days.items() if d >= oldest}
    for change in changes:
        if change.day >= oldest:
            updated[change.day] = updated.get(change.day, DayCounts()).plus(change.field, change.delta)
    return {d: c for d, c in updated.items() if c.expected}


def encode_days(days: Mapping[date, DayCounts]) -> str:
    return ";".join(f"{d.isoformat()}:{c.on_time},{c.late},{c.missed},{c.skipped}" for d, c in sorted(days.items()))


def decode_days(text: str) -> dict[date, DayCounts]:
    days: dict[date, DayCounts] = {}
    for part in filter(None, text.split(";")):
        day, _, counts = part.partition(":")
        on_time, late, missed, skipped = (int(n) for n in counts.split(","))
        days[date.fromisoformat(day)] = DayCounts(on_time, late, missed, skipped)
    return days


def later(a: datetime | None, b: datetime | None) -> datetime | None:
    return max(a, b) if a is not None and b is not None else a or b


def oldest_kept(now: datetime, recipient: Recipient) -> date:
    return now.astimezone(recipient.tz).date() - timedelta(days=KEEP_DAYS)


class RollupStore(ABC):
    """Storage for rollups; see each method's request cost."""

    # True when the store's own scheduled-dose writes (`record_dose`, `mark_missed_with_alerts`) count in the
    # rollup in that same write, so the use case must not count them again. (DynamoDB: a request saved per
    # log. SQLite: the use case's separate update is one more statement in a local file, so it stays.)
    dose_writes_update_rollups: bool = False

    def refresh_ranks(self, now: datetime) -> int:
        """Recompute rank entries a folded write left behind (see `dose_writes_update_rollups`); the sweep
        calls it each run. Returns how many were refreshed. Stores that rank on every write have none."""
        return 0

    @abstractmethod
    def apply_rollup_changes(self, recipient: Recipient, changes: Sequence[RollupChange], now: datetime,
                             activity: datetime | None = None) -> None:
        """Add `changes` to the person's day counts and refresh their rank entry, atomically per person.

        With no changes it only makes sure the person has a rank entry (a new person is on the page).
        SQLite: one transaction. DynamoDB: 1 GetItem + 1 conditional PutItem (a lost race re-reads).
        """

    @abstractmethod
    def replace_rollups(self, recipient: Recipient, days: Mapping[date, DayCounts], now: datetime,
                        activity: datetime | None = None) -> None:
        """Set the person's day counts to exactly `days` (the rebuild). One write."""

    @abstractmethod
    def read_rollups(self, recipient_ids: Sequence[str]) -> dict[str, PersonRollup]:
        """Many people's day counts. SQLite: one indexed SELECT per 500 people. DynamoDB: one BatchGetItem
        per 100 people (unprocessed keys retried). People without a rollup are left out."""

    @abstractmethod
    def ranked_recipients(self, organisation: str | None, *, offset: int, limit: int, below: float | None = None,
                          descending: bool = False) -> RankPage:
        """A page of the rank index, by 30-day adherence (people without a figure last), then id.

        `organisation` None: every organisation. `below` (a fraction) keeps people under it and people with
        no figure. SQLite: two indexed SELECTs and a COUNT. DynamoDB: Queries of the organisation's
        partition of GSI2 reading only the page (plus a COUNT query for the total).
        """

    @abstractmethod
    def read_cohort_people(self, recipient_ids: Sequence[str]) -> dict[str, tuple[Recipient, PersonRollup | None]]:
        """A page's people: profiles and rollups together. SQLite: two SELECTs. DynamoDB: one BatchGetItem per
        50 people (profile and day counts). Unknown people are left out."""

    def read_sweep_people(self, recipient_ids: Sequence[str]) -> dict[str, SweepPerson]:
        """The sweep's batch read of everyone with a due dose; unknown people are left out. Stores that keep
        a contact flag or a rollup version override this to say so (see `SweepPerson`)."""
        people = self.read_cohort_people(recipient_ids)
        return {rid: SweepPerson(person, rollup) for rid, (person, rollup) in people.items()}
