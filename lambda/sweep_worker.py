"""AWS Lambda entry point for one shard of the fanned-out sweep: an SQS event source, batch size 1.

Each message names a shard and the round's instant (skill/sweep_fanout.py); this sweeps that shard from its
own checkpoint, and with shard 0 also plans ahead, settles watched doses and delivers the outbox. A failure
raises, so SQS redelivers the message and, after the queue's receive limit, parks it in the dead-letter queue (alarmed).
The store and channels are built as the single sweep's are (sweep_handler.py), once per container.
"""

from __future__ import annotations

from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any

from skill.aws_clients import open_dynamo_store, required_env
from skill.observability import build_logger, build_metrics, use_metrics
from skill.settings import WEBHOOK_SECRET_ARN
from skill.sweep_fanout import ShardTask

if TYPE_CHECKING:
    from skill.notify.channel import Channel
    from skill.store.dynamodb import DynamoStore

logger = build_logger("sweep-worker")
metrics = build_metrics()
use_metrics(metrics)


@cache
def worker_store() -> DynamoStore:
    return open_dynamo_store()


@lru_cache(maxsize=1)
def channels_for(webhook_key: str) -> dict[str, Channel]:
    """As in sweep_handler.py (a sibling module mypy cannot see): built again only when the key rotates."""
    from skill.aws_clients import build_sesv2_client, build_sns_client
    from skill.notify.factory import ChannelSettings, build_channels

    return build_channels(ChannelSettings.from_env(webhook_secret=webhook_key),
                          ses_client=build_sesv2_client(), sns_client=build_sns_client())


@metrics.log_metrics(raise_on_empty_metrics=False)
@logger.inject_lambda_context(log_event=False, clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, object]:
    from skill.sweep import run_sweep

    records = event.get("Records") or []
    if len(records) != 1:  # the event source is configured with batch size 1
        raise ValueError(f"expected one shard message, got {len(records)}")
    task = ShardTask.from_message(str(records[0].get("body", "")))
    from skill.aws_clients import load_secret

    store, channels = worker_store(), channels_for(load_secret(required_env(WEBHOOK_SECRET_ARN)))
    if store.due_shards != task.shards:  # a deploy half done: refuse rather than sweep the wrong partitions
        raise RuntimeError(f"message is for {task.shards} shards, the store has {store.due_shards}")
    report = run_sweep(store, channels, task.at, shards=[task.shard], plan=task.housekeeping,
                       settle=task.housekeeping, deliver=task.housekeeping).to_dict()
    logger.info("sweep shard completed", extra={"shard": task.shard, "sweep": report})
    return report
