"""Rate-limit counters in the single table, shared by every Lambda container.

    rate counter    PK=RATE#<key>   SK=RATE     hits, ends_at (epoch ms)     TTL expires_at

A hit inside a live window is one conditional `ADD` (`ends_at > now`). When there is no live window, a
conditional put opens one (`attribute_not_exists(PK) OR ends_at <= now`); if another container opened it
first, the `ADD` is tried again. TTL deletes counters lazily, so reads always check `ends_at` themselves.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from skill.store.dynamodb.base import DynamoBase
from skill.store.dynamodb.table import from_item, to_item, to_value
from skill.store.ratelimit import RateLimitStore, Window

ATTEMPTS = 4  # add / open races are settled within a couple of rounds; more means something else is wrong


def _key(key: str) -> dict[str, Any]:
    return to_item({"PK": f"RATE#{key}", "SK": "RATE"})


def _ms(value: datetime) -> int:
    return int(value.timestamp() * 1000)


def _window(values: dict[str, Any]) -> Window:
    return Window(count=int(values["hits"]), ends_at=datetime.fromtimestamp(int(values["ends_at"]) / 1000, UTC))


class DynamoRateLimits(DynamoBase, RateLimitStore):
    def rate_hit(self, key: str, window: timedelta, now: datetime, amount: int = 1) -> Window:
        name = self.table.table_name
        for _ in range(ATTEMPTS):
            try:
                response = self.client.update_item(
                    TableName=name, Key=_key(key), UpdateExpression="ADD hits :n",
                    ConditionExpression="attribute_exists(PK) AND ends_at > :now",
                    ExpressionAttributeValues={":n": to_value(amount), ":now": to_value(_ms(now))},
                    ReturnValues="ALL_NEW")
                return _window(from_item(response["Attributes"]))
            except ClientError as exc:
                if not self.is_conditional_failure(exc):
                    raise
            ends = now + window
            item = {"PK": f"RATE#{key}", "SK": "RATE", "type": "rate", "hits": amount, "ends_at": _ms(ends),
                    "expires_at": int(ends.timestamp()) + 1}
            try:
                self.client.put_item(TableName=name, Item=to_item(item),
                                     ConditionExpression="attribute_not_exists(PK) OR ends_at <= :now",
                                     ExpressionAttributeValues={":now": to_value(_ms(now))})
                return Window(count=amount, ends_at=datetime.fromtimestamp(_ms(ends) / 1000, UTC))
            except ClientError as exc:
                if not self.is_conditional_failure(exc):
                    raise
        raise RuntimeError("rate counter kept changing under us")

    def rate_peek(self, key: str, now: datetime) -> Window | None:
        item = self.client.get_item(TableName=self.table.table_name, Key=_key(key), ConsistentRead=True).get("Item")
        if not item:
            return None
        values = from_item(item)
        return _window(values) if int(values["ends_at"]) > _ms(now) else None

    def rate_clear(self, key: str) -> None:
        self.client.delete_item(TableName=self.table.table_name, Key=_key(key))
