"""AWS Lambda entry point for the sweep: an EventBridge schedule (every 5 minutes) runs one sweep.

The sweep itself (marking missed doses, delivering carer alerts from the outbox) lives in ``skill.sweep``;
this file builds the store and the AWS channels once per cold start and runs it as of the schedule's
instant. Using the event's ``time`` rather than the clock makes an automatic retry sweep the same window as
the first attempt; the sweep's checkpoint covers anything between runs.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any

from skill.aws_clients import open_dynamo_store, required_env
from skill.observability import build_logger, build_metrics, use_metrics
from skill.settings import WEBHOOK_SECRET_ARN

if TYPE_CHECKING:
    from skill.notify.channel import Channel
    from skill.store.dynamodb import DynamoStore

logger = build_logger("sweep")
metrics = build_metrics()
use_metrics(metrics)  # the sweep counts missed doses, alerts sent and failed, and completed runs


@cache
def sweep_store() -> DynamoStore:
    return open_dynamo_store()


@lru_cache(maxsize=1)
def channels_for(webhook_key: str) -> dict[str, Channel]:
    """The delivery channels (SES email, SNS SMS, signed webhooks), built again only when the key rotates."""
    from skill.aws_clients import build_sesv2_client, build_sns_client
    from skill.notify.factory import ChannelSettings, build_channels

    return build_channels(
        ChannelSettings.from_env(webhook_secret=webhook_key),
        ses_client=build_sesv2_client(),
        sns_client=build_sns_client(),
    )


def sweep_parts() -> tuple[DynamoStore, dict[str, Channel]]:
    """The store, and channels signing with the current webhook key (cached; see load_secret's max age)."""
    from skill.aws_clients import load_secret

    return sweep_store(), channels_for(load_secret(required_env(WEBHOOK_SECRET_ARN)))


def scheduled_instant(event: dict[str, Any]) -> datetime:
    """The instant EventBridge scheduled this run for; a hand-made test event without one means now."""
    stamp = event.get("time")
    if isinstance(stamp, str):
        try:
            return datetime.fromisoformat(stamp).astimezone(UTC)
        except ValueError:
            logger.warning("scheduled event has an unreadable time; sweeping as of now")
    return datetime.now(UTC)


@metrics.log_metrics(raise_on_empty_metrics=False)
@logger.inject_lambda_context(log_event=False, clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, object]:
    from skill.sweep import run_sweep

    store, channels = sweep_parts()
    report = run_sweep(store, channels, scheduled_instant(event)).to_dict()
    logger.info("sweep completed", extra={"sweep": report})  # counts and instants only, no names
    return report
