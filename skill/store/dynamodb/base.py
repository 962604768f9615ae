"""What every DynamoDB area mixin shares: the table, and no client made here (it is passed in)."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from skill.domain.errors import ConflictError
from skill.store import codec
from skill.store.dynamodb.table import DynamoTable, from_item, rec_pk, to_value

DOSE_PREFIX = "DOSE#"
TRANSACT_ATTEMPTS = 10  # a lost race is retried this often before the caller is told (ConflictError)
TRANSACT_MAX_ITEMS = 100  # DynamoDB's limit on one TransactWriteItems


@dataclass(frozen=True)
class Cancelled:
    """Why one item of a cancelled transaction failed, and the item as it was (ALL_OLD), if asked for."""

    code: str  # "None" for the items that were fine, "ConditionalCheckFailed", "TransactionConflict", ...
    item: dict[str, Any] | None  # plain values; None when the item does not exist or was not returned

    @property
    def failed_condition(self) -> bool:
        return self.code == "ConditionalCheckFailed"


BATCH_GET_KEYS = 100  # BatchGetItem's limit per request


class DynamoBase:
    def __init__(self, table_name: str, client: Any, *, due_shards: int = 1) -> None:
        if due_shards < 1:
            raise ValueError("due_shards must be at least 1")
        self.table = DynamoTable(table_name, client)
        self.due_shards = due_shards  # the due index's shards (GSI1PK=DUE#<hour>#<shard>); 1 = unsharded

    @property
    def client(self) -> Any:
        return self.table.client

    def init(self) -> None:
        self.table.create()

    def is_conditional_failure(self, exc: Exception) -> bool:
        code = getattr(exc, "response", {}).get("Error", {}).get("Code")
        return bool(code == "ConditionalCheckFailedException")

    def claim_once(self, key: dict[str, Any], now: datetime) -> dict[str, Any] | None:
        """Use a single-use secret's item (an invitation, a reset link, an OAuth code): one conditional write
        that only the first claim within its lifetime wins. Returns the item as stored, or None."""
        try:
            response = self.client.update_item(
                TableName=self.table.table_name, Key=key, UpdateExpression="SET used_at = :now",
                ConditionExpression="attribute_exists(PK) AND attribute_not_exists(used_at) AND expires > :now",
                ExpressionAttributeValues={":now": to_value(codec.utc_text(now))}, ReturnValues="ALL_NEW")
        except ClientError as exc:
            if self.is_conditional_failure(exc):
                return None
            raise
        return from_item(response["Attributes"])

    def transact(self, items: list[dict[str, Any]]) -> list[Cancelled] | None:
        """One TransactWriteItems: None when it applied, else one `Cancelled` per item, in order.

        botocore adds a ClientRequestToken, so its own retries of a request whose answer was lost do not
        apply it twice (DynamoDB remembers the token for ten minutes).
        """
        try:
            self.client.transact_write_items(TransactItems=items)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "TransactionCanceledException":
                raise
            response: dict[str, Any] = dict(exc.response)
            reasons: list[dict[str, Any]] = response.get("CancellationReasons") or []
            return [Cancelled(code=str(r.get("Code", "None")), item=from_item(r["Item"]) if r.get("Item") else None)
                    for r in reasons] or [Cancelled(code="Unknown", item=None) for _ in items]
        return None

    def _batch_get(self, keys: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """BatchGetItem in chunks of 100 keys, resending what DynamoDB hands back as unprocessed."""
        name = self.table.table_name
        items: list[dict[str, Any]] = []
        for i in range(0, len(keys), BATCH_GET_KEYS):
            pending: dict[str, Any] = {name: {"Keys": keys[i:i + BATCH_GET_KEYS]}}
            for _ in range(10):
                response = self.client.batch_get_item(RequestItems=pending)
                items += response.get("Responses", {}).get(name, [])
                pending = response.get("UnprocessedKeys") or {}
                if not pending:
                    break
            else:
                raise RuntimeError("DynamoDB left reads unprocessed after retries")
        return items

    @staticmethod
    def backoff(attempt: int) -> None:
        """Between retries of a lost race: a few milliseconds, jittered, so racers stop colliding."""
        if attempt >= TRANSACT_ATTEMPTS - 1:
            raise ConflictError("the store is busy with the same record; try again")
        time.sleep(random.uniform(0, 0.005 * 2 ** min(attempt, 5)))  # noqa: S311 - jitter, not a secret

    def recipient_partition(self, recipient_id: str, since: datetime) -> dict[str, list[dict[str, Any]]]:
        """The voice turn's one Query: a person's doses from `since` and every `~` item, grouped by type.

        Doses sort before the `~` items (profile, medications, voice state), so one key condition gets all.
        """
        groups: dict[str, list[dict[str, Any]]] = {}
        for item in self.table.query_all(
                KeyConditionExpression="PK = :pk AND SK >= :since",
                ExpressionAttributeValues={":pk": to_value(rec_pk(recipient_id)),
                                           ":since": to_value(DOSE_PREFIX + codec.utc_text(since))}):
            groups.setdefault(str(item.get("type")), []).append(item)
        return groups
