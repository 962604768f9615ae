"""Delivering the outbox: each due alert is claimed, tried once through its channel, and its attempt kept.

Nothing here sleeps. A failed attempt stores its retry time (exponential backoff with jitter) on the row,
and a later sweep tries again when that time has come. When a channel fails in a way that says "down"
(unreachable, throttled, timed out), its other alerts wait for the next sweep instead of each waiting out
the same timeout, so one broken channel never holds up the others.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from skill.domain.alerts import Attempt, DeliveryState, OutboxItem
from skill.notify.channel import Channel, DeliveryError
from skill.notify.policy import MAX_ATTEMPTS, SENDING_LEASE, release_time, retry_at
from skill.observability import MetricName, count
from skill.store.alerts import AlertStore

log = logging.getLogger(__name__)


@dataclass(slots=True)
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    deferred: int = 0  # not tried this sweep because their channel was down
    by_channel: dict[str, int] = field(default_factory=dict)  # sent per channel


def _attempt_once(channel: Channel | None, item: OutboxItem) -> DeliveryError | None:
    if channel is None:
        return DeliveryError(f"no {item.channel} channel configured", transient=True)
    try:
        channel.send(item.message)
    except DeliveryError as exc:
        return exc
    except Exception as exc:  # an operator's channel with a bug must not stop the sweep
        log.warning("channel %s raised %s", item.channel, type(exc).__name__)
        return DeliveryError(f"channel error {type(exc).__name__}", transient=True)
    return None


def deliver_due(store: AlertStore, channels: Mapping[str, Channel], now: datetime,
                rng: random.Random | None = None, limit: int = 500) -> DeliveryReport:
    """Try every alert that is due; return what happened. Safe to run in several processes at once."""
    rng = rng or random.Random()  # noqa: S311 - jitter, not security
    report = DeliveryReport()
    down: set[str] = set()
    for due in store.due_alerts(now, limit):
        if due.channel in down:
            report.deferred += 1
            continue
        item = store.claim_alert(due, now, now + SENDING_LEASE)
        if item is None:  # another sweep has it, or finished it
            continue
        error = _attempt_once(channels.get(item.channel), item)
        if error is None:
            store.record_attempt(item.with_attempt(Attempt(now, True, "sent"), DeliveryState.SENT, now))
            report.sent += 1
            report.by_channel[item.channel] = report.by_channel.get(item.channel, 0) + 1
            continue
        attempt = Attempt(now, False, error.reason)
        if error.transient and len(item.attempts) + 1 < MAX_ATTEMPTS:
            later = release_time(retry_at(now, len(item.attempts) + 1, rng), item.quiet_hours, item.timezone)
            store.record_attempt(item.with_attempt(attempt, DeliveryState.PENDING, later))
            report.retrying += 1
            down.add(item.channel)
        else:
            store.record_attempt(item.with_attempt(attempt, DeliveryState.FAILED, now))
            report.failed += 1
        log.info("alert delivery to %s failed: %s", item.channel, error.reason)
    count(MetricName.ALERTS_SENT, report.sent)
    count(MetricName.ALERT_DELIVERY_FAILURES, report.retrying + report.failed)
    return report
