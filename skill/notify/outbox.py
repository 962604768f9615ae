"""Delivering the outbox: each due alert is claimed, tried once through its channel, and its attempt kept.

Nothing here sleeps. A failed attempt stores its retry time (exponential backoff with jitter) on the row,
and a later sweep tries again when that time has come. When a channel fails in a way that says "down"
(unreachable, throttled, timed out), its other alerts wait for the next sweep instead of each waiting out
the same timeout, so one broken channel never holds up the others.

Retrying is done here and only here: channels (and the AWS clients under them) make one attempt. An
attempt whose outcome is unknown (the request went out, no answer came) is recorded as such and retried
at most once, since the carer may already have the message.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from skill.domain.alerts import Attempt, DeliveryState, OutboxItem
from skill.notify.channel import Channel, DeliveryError
from skill.notify.policy import (
    MAX_ATTEMPTS,
    SENDING_LEASE,
    UNKNOWN_OUTCOME_RETRIES,
    UNKNOWN_OUTCOME_WAIT,
    release_time,
    retry_at,
)
from skill.observability import MetricName, count, get_logger
from skill.store.alerts import AlertStore

log = get_logger(__name__)

UNKNOWN_OUTCOME = "outcome unknown: "  # the start of an attempt's detail when the send may have gone


@dataclass
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    deferred: int = 0  # not tried this sweep because their channel was down
    errors: int = 0  # alerts that raised while being handled (logged by key; the others went on)
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


def unknown_outcomes(item: OutboxItem) -> int:
    """How many attempts at this alert may have been delivered although no answer said so."""
    return sum(1 for a in item.attempts if a.detail.startswith(UNKNOWN_OUTCOME))


def maybe_delivered(item: OutboxItem) -> bool:
    """Sent, or given up on after an attempt that may have gone: its contact may have heard the news."""
    if item.state is DeliveryState.SENT:
        return True
    return item.state is DeliveryState.FAILED and bool(item.attempts) and \
        item.attempts[-1].detail.startswith(UNKNOWN_OUTCOME)


def _after_failure(item: OutboxItem, error: DeliveryError, now: datetime, rng: random.Random) -> OutboxItem:
    """The row to store after a failed attempt: pending again with its retry time, or failed for good.

    An unknown outcome is retried at most `UNKNOWN_OUTCOME_RETRIES` times, and not before
    `UNKNOWN_OUTCOME_WAIT` (a slow receiver may still be finishing the first copy): a carer may get the
    same alert twice (with the same id), never a stream of copies.
    """
    made = len(item.attempts) + 1
    if error.outcome_unknown:
        attempt = Attempt(now, False, f"{UNKNOWN_OUTCOME}{error.reason}")
        retry = unknown_outcomes(item) < UNKNOWN_OUTCOME_RETRIES and made < MAX_ATTEMPTS
        at = max(retry_at(now, made, rng), now + UNKNOWN_OUTCOME_WAIT)
    else:
        attempt = Attempt(now, False, error.reason)
        retry = error.transient and made < MAX_ATTEMPTS
        at = retry_at(now, made, rng)
    if retry:
        return item.with_attempt(attempt, DeliveryState.PENDING, release_time(at, item.quiet_hours, item.timezone))
    return item.with_attempt(attempt, DeliveryState.FAILED, now)


def _deliver_one(store: AlertStore, channels: Mapping[str, Channel], due: OutboxItem, now: datetime,
                 rng: random.Random, report: DeliveryReport, down: set[str]) -> None:
    item = store.claim_alert(due, now, now + SENDING_LEASE)
    if item is None:  # another sweep has it, or finished it
        return
    error = _attempt_once(channels.get(item.channel), item)
    if error is None:
        store.record_attempt(item.with_attempt(Attempt(now, True, "sent"), DeliveryState.SENT, now))
        report.sent += 1
        report.by_channel[item.channel] = report.by_channel.get(item.channel, 0) + 1
        return
    after = _after_failure(item, error, now, rng)
    store.record_attempt(after)
    if error.transient:
        down.add(item.channel)  # slow or unreachable: its other alerts wait for the next sweep
    if after.state is DeliveryState.PENDING:
        report.retrying += 1
    else:
        report.failed += 1
    log.info("alert delivery to %s failed: %s", item.channel, after.attempts[-1].detail)


def deliver_due(store: AlertStore, channels: Mapping[str, Channel], now: datetime,
                rng: random.Random | None = None, limit: int = 500) -> DeliveryReport:
    """Try every alert that is due; return what happened. Safe to run in several processes at once.

    Each alert is delivered on its own: one that cannot be handled (a damaged row, a store error on it)
    is logged by key (ids only) and left for its claim to lapse, and the rest still go.
    """
    rng = rng or random.Random()  # noqa: S311 - jitter, not security
    report = DeliveryReport()
    down: set[str] = set()
    for due in store.due_alerts(now, limit):
        if due.channel in down:
            report.deferred += 1
            continue
        try:
            _deliver_one(store, channels, due, now, rng, report, down)
        except Exception as exc:
            report.errors += 1
            log.error("alert %s could not be delivered: %s", due.key, type(exc).__name__)
    count(MetricName.ALERTS_SENT, report.sent)
    count(MetricName.ALERT_DELIVERY_FAILURES, report.retrying + report.failed + report.errors)
    return report
