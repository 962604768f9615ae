"""AWS Lambda entry point that starts a round of the fanned-out sweep: EventBridge every 5 minutes.

It sends one SQS message per shard of the due index (skill/sweep_fanout.py), all as of the schedule's
instant, and nothing else: it never touches the table, so its role can only send to the queue. A retry of
the same scheduled event sends the same messages again, which the workers' conditional writes make harmless.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from skill.aws_clients import build_sqs_client, required_env
from skill.observability import build_logger
from skill.settings import SWEEP_QUEUE_URL, due_shards
from skill.sweep_fanout import round_instant, round_tasks

logger = build_logger("sweep-dispatcher")
SQS_BATCH = 10  # SendMessageBatch's limit


@cache
def sqs_client() -> Any:
    return build_sqs_client()


@logger.inject_lambda_context(log_event=False, clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, int]:
    queue_url = required_env(SWEEP_QUEUE_URL)
    tasks = round_tasks(due_shards(), round_instant(event.get("time")))
    failed = 0
    for first in range(0, len(tasks), SQS_BATCH):
        batch = tasks[first:first + SQS_BATCH]
        response = sqs_client().send_message_batch(QueueUrl=queue_url, Entries=[
            {"Id": str(task.shard), "MessageBody": task.to_message()} for task in batch])
        failed += len(response.get("Failed") or [])
    if failed:  # the Lambda fails, EventBridge retries the round; shards already sent are swept twice, harmlessly
        raise RuntimeError(f"{failed} of {len(tasks)} shard messages were not sent")
    logger.info("sweep round dispatched", extra={"shards": len(tasks)})
    return {"shards": len(tasks)}
