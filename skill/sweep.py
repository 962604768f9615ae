"""The sweep: where a dose becomes missed, and where carers' alerts are recorded and delivered.

One run, at `now`:

1. tops up the expected doses ahead (medications whose planned horizon runs short), so the due-time index
   always holds the doses to come;
2. reads the pending doses due since the checkpoint (at most 24 hours back) from the due-time index, and
   marks each one whose grace window has ended as missed, recording its alerts in the same conditional
   write; the checkpoint then moves to the oldest dose still in its grace window;
3. settles watched missed doses that have since been logged (all clear to the contacts who were alerted)
   and stops watching doses missed more than a day ago;
4. delivers whatever is due in the outbox.

Every step is safe to run in two processes at once and to repeat after a crash.

Nothing may blind the sweep. The checkpoint is a low-water mark, not a promise: each sweep re-reads at
least `LOOK_BACK` before `now` whatever the checkpoint says (doses stored late, a slow concurrent sweep),
the stored checkpoint never moves past the real clock (a sweep `--now` in the future, or tests, cannot
push it ahead), and a checkpoint found ahead of `now` (a clock that ran fast and was corrected, a restored
file, a release before this rule) is ignored in favour of the whole catch-up day. Re-reading is cheap and
harmless: the index holds only pending doses, and marking one missed is a conditional write that happens
once.

Nor may one bad record stop the sweep for everyone: each medication planned, each dose swept, each watch
settled and each alert delivered is handled on its own; a failure is logged with ids only, counted in
the report, and the rest go on (a dose that failed stays pending and under the checkpoint, so the next
sweep tries it again).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime, timedelta

from skill.domain.models import Contact, Dose, DoseStatus, Recipient, utcnow
from skill.notify.channel import Channel
from skill.notify.factory import ChannelSettings, build_channels
from skill.notify.followups import settle_missed
from skill.notify.outbox import DeliveryReport, deliver_due
from skill.notify.policy import missed_alerts
from skill.observability import MetricName, count, get_logger
from skill.reports.rollups import changes_for
from skill.store.base import Store
from skill.store.rollups import RollupChange, SweepPerson, apply_changes
from skill.sweep_fanout import check_shards
from skill.usecases.planning import REPLAN_BEFORE, plan_medication

log = get_logger(__name__)

CATCH_UP_LIMIT = timedelta(hours=24)  # a dose this overdue when first swept is left alone: news too old
WATCH_FOR = timedelta(hours=24)  # how long a missed dose is watched for a late log (all clear)
LOOK_BACK = timedelta(hours=1)  # re-read at least this far back, whatever the checkpoint says


@dataclass
class SweepReport:
    now: datetime
    window_start: datetime
    doses_read: int = 0
    marked_missed: int = 0
    alerts_recorded: int = 0
    still_in_grace: int = 0
    all_clears: int = 0
    doses_planned: int = 0
    errors: int = 0  # medications, doses or watches that raised (logged with ids; the rest went on)
    checkpoint: datetime | None = None
    delivery: DeliveryReport = field(default_factory=DeliveryReport)

    def to_dict(self) -> dict[str, object]:
        data = asdict(self)
        for key in ("now", "window_start", "checkpoint"):
            value = data[key]
            data[key] = value.isoformat() if isinstance(value, datetime) else None
        return data


class _People:
    """Recipients and contacts read once per sweep, however many of their doses are swept.

    The batch read also says who has no contacts (their read is skipped), the ids of everyone else's where
    known (read by key in batches, not a query a person), and the version of their day counts, so each miss
    can carry the person's new rank in its own write; after a miss the cached counts and version move on
    with it, so a second miss of the same person in this sweep does the same.
    """

    def __init__(self, store: Store) -> None:
        self.store = store
        self._people: dict[str, SweepPerson | None] = {}
        self._contacts: dict[str, list[Contact]] = {}
        self.missed: dict[str, list[RollupChange]] = {}  # rollup changes of the doses this sweep marked

    def prefetch(self, recipient_ids: list[str]) -> None:
        """Read everyone with a due dose in batches (BatchGetItem on DynamoDB), not one by one."""
        wanted = [rid for rid in dict.fromkeys(recipient_ids) if rid not in self._people]
        if not wanted:
            return
        found = self.store.read_sweep_people(wanted)
        for rid in wanted:
            self._people[rid] = found.get(rid)
        known = {rid: p.contact_ids for rid, p in found.items() if p.contact_ids and rid not in self._contacts}
        if known:  # their contacts by key, in batches too; people whose ids are not known are queried one by one
            self._contacts.update(self.store.contacts_of(known))

    def person(self, recipient_id: str) -> SweepPerson | None:
        if recipient_id not in self._people:
            recipient = self.store.get_recipient(recipient_id)
            self._people[recipient_id] = SweepPerson(recipient, None) if recipient is not None else None
        return self._people[recipient_id]

    def recipient(self, recipient_id: str) -> Recipient | None:
        person = self.person(recipient_id)
        return person.recipient if person is not None else None

    def contacts(self, recipient_id: str) -> list[Contact]:
        if recipient_id not in self._contacts:
            person = self.person(recipient_id)
            known_none = person is not None and (person.has_contacts is False or person.contact_ids == frozenset())
            self._contacts[recipient_id] = [] if known_none else self.store.list_contacts(recipient_id)
        return self._contacts[recipient_id]

    def marked(self, person: SweepPerson, changes: list[RollupChange]) -> None:
        """The counts as they stand after this sweep's own write (one version on)."""
        self.missed.setdefault(person.recipient.id, []).extend(changes)
        if person.rollup is not None and person.version is not None:
            days = apply_changes(person.rollup.days, changes, date.min)
            self._people[person.recipient.id] = replace(
                person, rollup=replace(person.rollup, days=days), version=person.version + 1)


def plan_ahead(store: Store, people: _People, report: SweepReport) -> None:
    for medication in store.medications_to_plan(report.now + REPLAN_BEFORE):
        try:
            recipient = people.recipient(medication.recipient_id)
            if recipient is not None:
                report.doses_planned += plan_medication(store, recipient, medication, report.now)
        except Exception as exc:
            report.errors += 1
            log.error("sweep: planning medication %s failed: %s", medication.id, type(exc).__name__)


def _sweep_dose(store: Store, people: _People, report: SweepReport, dose: Dose) -> bool:
    """Mark one dose missed if its grace window has ended; True while it is still in grace."""
    person = people.person(dose.recipient_id)
    if person is None:  # an orphan dose: nobody to alert, and nothing to wait for
        return False
    recipient = person.recipient
    if dose.scheduled_utc + recipient.grace > report.now:
        report.still_in_grace += 1
        return True
    alerts = missed_alerts(recipient, dose, people.contacts(recipient.id), report.now)
    if store.mark_missed_with_alerts(dose, alerts, report.now, person):
        report.marked_missed += 1
        report.alerts_recorded += len(alerts)
        people.marked(person, changes_for(dose, DoseStatus.PENDING, DoseStatus.MISSED))
    return False


def update_rollups(store: Store, people: _People, report: SweepReport, ranks: bool = True) -> None:
    """The coordinator figures: one rollup write per person with doses marked missed in this sweep, unless
    the store counted each miss in its own write; then the rank entries those writes left stale (`ranks`:
    a table-wide queue, so a fanned-out round refreshes it in one worker, not in every one)."""
    try:
        if ranks:
            store.refresh_ranks(report.now)
    except Exception as exc:
        report.errors += 1
        log.error("sweep: refreshing ranks failed: %s", type(exc).__name__)
    if store.dose_writes_update_rollups:
        return
    for recipient_id, changes in people.missed.items():
        recipient = people.recipient(recipient_id)
        if recipient is None:
            continue
        try:
            store.apply_rollup_changes(recipient, changes, report.now)
        except Exception as exc:
            report.errors += 1
            log.error("sweep: rollup of recipient %s failed: %s", recipient_id, type(exc).__name__)


def mark_missed(store: Store, people: _People, report: SweepReport, due: list[Dose] | None = None) -> datetime:
    """Step 2; returns the new checkpoint: the oldest dose still open (in grace, or failed this time).

    `due` is one shard's doses when the sweep is sharded; by default the whole due index in the window."""
    oldest_open = report.now
    if due is None:
        due = store.due_doses(report.window_start, report.now)
    report.doses_read += len(due)
    try:
        people.prefetch([d.recipient_id for d in due])
    except Exception as exc:  # each dose then reads its own profile, as before: nothing is lost
        log.warning("sweep: reading profiles in a batch failed: %s", type(exc).__name__)
    for dose in due:
        try:
            still_open = _sweep_dose(store, people, report, dose)
        except Exception as exc:
            report.errors += 1
            still_open = True
            log.error("sweep: dose %s of recipient %s failed: %s", dose.id, dose.recipient_id,
                      type(exc).__name__)
        if still_open:
            oldest_open = min(oldest_open, dose.scheduled_utc)
    return oldest_open


def settle_watches(store: Store, people: _People, report: SweepReport) -> None:
    for watched in store.watched_doses():
        dose = watched.dose
        try:
            recipient = people.recipient(dose.recipient_id)
            if dose.status is DoseStatus.MISSED:
                if watched.missed_at + WATCH_FOR <= report.now or recipient is None:
                    store.settle_watch(dose, [])
                continue
            if recipient is None:
                store.settle_watch(dose, [])
                continue
            report.all_clears += settle_missed(store, recipient, dose, report.now) or 0
        except Exception as exc:
            report.errors += 1
            log.error("sweep: watch on dose %s failed: %s", dose.id, type(exc).__name__)


def window_start(checkpoint: datetime | None, now: datetime) -> datetime:
    """Where this sweep starts reading (see "Nothing may blind the sweep" above)."""
    floor = now - CATCH_UP_LIMIT
    if checkpoint is None or checkpoint > now:
        return floor
    return max(floor, min(checkpoint, now - LOOK_BACK))


def mark_missed_in_shards(store: Store, people: _People, report: SweepReport, shards: Sequence[int],
                          real_now: datetime) -> Callable[[], None]:
    """Step 2 for a shard-owning worker (skill/sweep_fanout.py): each shard read from its own checkpoint.

    Returns what moves the shards' checkpoints, called once the rollups are written, as in the whole sweep.
    """
    index = check_shards(store, shards)
    moves: list[tuple[int, datetime]] = []
    for shard in shards:
        start = window_start(index.shard_checkpoint(shard), report.now)
        report.window_start = min(report.window_start, start)
        due = index.due_doses_in_shards(start, report.now, [shard])
        moves.append((shard, min(mark_missed(store, people, report, due), real_now)))
    report.checkpoint = min((to for _, to in moves), default=None)

    def advance() -> None:
        for shard, to in moves:
            index.advance_shard_checkpoint(shard, to)
    return advance


def run_sweep(store: Store, channels: Mapping[str, Channel], now: datetime | None = None, *,
              rng: random.Random | None = None, plan: bool = True,
              clock: Callable[[], datetime] = utcnow, shards: Sequence[int] | None = None,
              settle: bool = True, deliver: bool = True) -> SweepReport:
    """One sweep (see the module docstring). `now` defaults to `clock()`; tests and `--now` pass it.

    `clock` is the real time, which the stored checkpoint never passes, whatever `now` says.
    `shards` makes this a worker of the fanned-out sweep (skill/sweep_fanout.py): it reads only those shards
    of the due index, each from its own checkpoint; None sweeps the whole index (the self-hosted sweeper).
    `plan`, `settle` (watches and ranks) and `deliver` off leave that once-a-round work to one worker: each
    reads a table-wide queue, so every worker would race on the same items (more requests, no more done).
    """
    real_now = clock()
    now = now or real_now
    if shards is None:
        report = SweepReport(now=now, window_start=window_start(store.sweep_checkpoint(), now))
    else:
        report = SweepReport(now=now, window_start=now)
    people = _People(store)
    if plan:
        plan_ahead(store, people, report)
    if shards is None:
        report.checkpoint = min(mark_missed(store, people, report), real_now)
        update_rollups(store, people, report)
        store.advance_sweep_checkpoint(report.checkpoint)
    else:
        advance_shards = mark_missed_in_shards(store, people, report, shards, real_now)
        update_rollups(store, people, report, ranks=settle)
        advance_shards()
    if settle:
        settle_watches(store, people, report)
    if deliver:
        report.delivery = deliver_due(store, channels, now, rng)
    count(MetricName.DOSES_MISSED, report.marked_missed)
    count(MetricName.SWEEPS_COMPLETED)
    log.info("sweep: %d read, %d missed, %d alerts sent, %d errors", report.doses_read, report.marked_missed,
             report.delivery.sent, report.errors + report.delivery.errors)
    return report


__all__ = ["ChannelSettings", "SweepReport", "build_channels", "run_sweep"]
