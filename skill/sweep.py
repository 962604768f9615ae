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
"""

from __future__ import annotations

import logging
import random
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta

from skill.domain.models import Contact, DoseStatus, Recipient, utcnow
from skill.doses import REPLAN_BEFORE, plan_medication
from skill.notify.channel import Channel
from skill.notify.factory import ChannelSettings, build_channels
from skill.notify.followups import settle_missed
from skill.notify.outbox import DeliveryReport, deliver_due
from skill.notify.policy import missed_alerts
from skill.observability import MetricName, count
from skill.store.base import Store

log = logging.getLogger(__name__)

CATCH_UP_LIMIT = timedelta(hours=24)  # a dose this overdue when first swept is left alone: news too old
WATCH_FOR = timedelta(hours=24)  # how long a missed dose is watched for a late log (all clear)


@dataclass(slots=True)
class SweepReport:
    now: datetime
    window_start: datetime
    doses_read: int = 0
    marked_missed: int = 0
    alerts_recorded: int = 0
    still_in_grace: int = 0
    all_clears: int = 0
    doses_planned: int = 0
    checkpoint: datetime | None = None
    delivery: DeliveryReport = field(default_factory=DeliveryReport)

    def to_dict(self) -> dict[str, object]:
        data = asdict(self)
        for key in ("now", "window_start", "checkpoint"):
            value = data[key]
            data[key] = value.isoformat() if isinstance(value, datetime) else None
        return data


class _People:
    """Recipients and contacts read once per sweep, however many of their doses are swept."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._recipients: dict[str, Recipient | None] = {}
        self._contacts: dict[str, list[Contact]] = {}

    def recipient(self, recipient_id: str) -> Recipient | None:
        if recipient_id not in self._recipients:
            self._recipients[recipient_id] = self.store.get_recipient(recipient_id)
        return self._recipients[recipient_id]

    def contacts(self, recipient_id: str) -> list[Contact]:
        if recipient_id not in self._contacts:
            self._contacts[recipient_id] = self.store.list_contacts(recipient_id)
        return self._contacts[recipient_id]


def plan_ahead(store: Store, people: _People, now: datetime) -> int:
    planned = 0
    for medication in store.medications_to_plan(now + REPLAN_BEFORE):
        recipient = people.recipient(medication.recipient_id)
        if recipient is not None:
            planned += plan_medication(store, recipient, medication, now)
    return planned


def mark_missed(store: Store, people: _People, report: SweepReport) -> datetime:
    """Step 2; returns the new checkpoint."""
    now = report.now
    oldest_open: datetime | None = None
    due = store.due_doses(report.window_start, now)
    report.doses_read = len(due)
    for dose in due:
        recipient = people.recipient(dose.recipient_id)
        if recipient is None:  # an orphan dose: nobody to alert, and nothing to wait for
            continue
        if dose.scheduled_utc + recipient.grace > now:
            report.still_in_grace += 1
            oldest_open = min(oldest_open or dose.scheduled_utc, dose.scheduled_utc)
            continue
        alerts = missed_alerts(recipient, dose, people.contacts(recipient.id), now)
        if store.mark_missed_with_alerts(dose, alerts, now):
            report.marked_missed += 1
            report.alerts_recorded += len(alerts)
    return oldest_open or now


def settle_watches(store: Store, people: _People, report: SweepReport) -> None:
    for watched in store.watched_doses():
        dose = watched.dose
        recipient = people.recipient(dose.recipient_id)
        if dose.status is DoseStatus.MISSED:
            if watched.missed_at + WATCH_FOR <= report.now or recipient is None:
                store.settle_watch(dose, [])
            continue
        if recipient is None:
            store.settle_watch(dose, [])
            continue
        report.all_clears += settle_missed(store, recipient, dose, report.now) or 0


def run_sweep(store: Store, channels: Mapping[str, Channel], now: datetime | None = None, *,
              rng: random.Random | None = None, plan: bool = True) -> SweepReport:
    """One sweep (see the module docstring). `now` defaults to the clock; tests and `--now` pass it."""
    now = now or utcnow()
    checkpoint = store.sweep_checkpoint()
    floor = now - CATCH_UP_LIMIT
    start = max(checkpoint, floor) if checkpoint is not None else floor
    report = SweepReport(now=now, window_start=min(start, now))
    people = _People(store)
    if plan:
        report.doses_planned = plan_ahead(store, people, now)
    report.checkpoint = mark_missed(store, people, report)
    store.advance_sweep_checkpoint(report.checkpoint)
    settle_watches(store, people, report)
    report.delivery = deliver_due(store, channels, now, rng)
    count(MetricName.DOSES_MISSED, report.marked_missed)
    count(MetricName.SWEEPS_COMPLETED)
    log.info("sweep: %d read, %d missed, %d alerts sent", report.doses_read, report.marked_missed,
             report.delivery.sent)
    return report


__all__ = ["ChannelSettings", "SweepReport", "build_channels", "run_sweep"]
