"""The one DynamoDB table: its definition, key formats, and the low-level item helpers every area uses.

Item types (kept in step with the comment beside the table in template.yaml; each area's module says more):

    recipient profile   PK=REC#<rid>        SK=~PROFILE               GSI2: ORG#<org> / <name>#<rid>
    organisation        PK=ORG#<org>        SK=~ORG                   GSI2: ORGS / <org>
    medication          PK=REC#<rid>        SK=~MED#<mid>             GSI2 (active only): PLAN / <until>#<rid>#<mid>
                                                                  as-needed guard: an_version, an_last_at, an_day_*
    dose                PK=REC#<rid>        SK=DOSE#<utc iso>#<did>   GSI1 (pending): DUE#<utc hour> / <utc>#<rid>#<did>
                                                                      (sharded: DUE#<utc hour>#<shard>, table.due_shard)
                                                                      GSI2 (missed): MISSED#<shard> / <utc>#<rid>#<did>
    current link code   PK=REC#<rid>        SK=~LINKCODE
    link code           PK=CODE#<code>      SK=CODE                   TTL expires_at
    voice state         PK=REC#<rid>        SK=~VOICE                 flags, one rt#<key> per reminder token
    alexa link          PK=ALEXA#<user>     SK=LINK                   (user = Alexa user or voice-profile person id)
    link attempts       PK=ALEXA#<user>     SK=ATTEMPTS               TTL expires_at
    contact             PK=ALERTS#<rid>     SK=CONTACT#<cid>
    outbox row          PK=ALERTS#<rid>     SK=OUTBOX#<did>#<kind>#<cid>
                                                            GSI2 (open): OUTBOX#<shard> / <next try>#<key>; TTL
    sweep checkpoint    PK=SWEEP            SK=CHECKPOINT             (one per shard: SK=CHECKPOINT#<shard>)
    user                PK=USER#<uid>       SK=USER                   GSI2: USERS#<org> / <email>
    email pointer       PK=EMAIL#<email>    SK=EMAIL                  (unique emails: written with attribute_not_exists)
    access token        PK=TOKEN#<sha256>   SK=TOKEN                  GSI2: TOKENS#<uid> / <created>#<sha256>
    invitation          PK=INVITE#<sha256>  SK=INVITE                 TTL expires_at
    password reset      PK=RESET#<sha256>   SK=RESET                  TTL expires_at
    rate counter        PK=RATE#<key>       SK=RATE                   TTL expires_at (key: kind + hash)
    audit entry         PK=AUDIT#<rid>      SK=<when>#<id>
    feed token          PK=FEED#<sha256>    SK=FEED
    feed pointer        PK=REC#<rid>        SK=~FEED
    care event          PK=EVENTS#<rid>     SK=<utc iso.usec>#<eid>   (written with attribute_not_exists)
    heard name          PK=HEARD#<rid>      SK=<heard, case-folded>   times, first_at, last_at; TTL expires_at

Doses sort before the `~` items, so one Query from `DOSE#<since>` returns a person's upcoming doses and
their profile and medications together: the voice turn's single read.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

TABLE_DEFINITION: dict[str, Any] = {
    "AttributeDefinitions": [
        {"AttributeName": "PK", "AttributeType": "S"},
        {"AttributeName": "SK", "AttributeType": "S"},
        {"AttributeName": "GSI1PK", "AttributeType": "S"},
        {"AttributeName": "GSI1SK", "AttributeType": "S"},
        {"AttributeName": "GSI2PK", "AttributeType": "S"},
        {"AttributeName": "GSI2SK", "AttributeType": "S"},
    ],
    "KeySchema": [
        {"AttributeName": "PK", "KeyType": "HASH"},
        {"AttributeName": "SK", "KeyType": "RANGE"},
    ],
    "GlobalSecondaryIndexes": [
        {
            "IndexName": "GSI1",
            "KeySchema": [
                {"AttributeName": "GSI1PK", "KeyType": "HASH"},
                {"AttributeName": "GSI1SK", "KeyType": "RANGE"},
            ],
            "Projection": {"ProjectionType": "ALL"},
        },
        {
            "IndexName": "GSI2",
            "KeySchema": [
                {"AttributeName": "GSI2PK", "KeyType": "HASH"},
                {"AttributeName": "GSI2SK", "KeyType": "RANGE"},
            ],
            "Projection": {"ProjectionType": "ALL"},
        },
    ],
    "BillingMode": "PAY_PER_REQUEST",
}
TTL_ATTRIBUTE = "expires_at"

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


def rec_pk(recipient_id: str) -> str:
    return f"REC#{recipient_id}"


def due_bucket(instant: datetime) -> str:
    return "DUE#" + instant.astimezone(UTC).strftime("%Y-%m-%dT%H")


def due_shard(recipient_id: str, shards: int) -> int:
    """The due-index shard a person's doses go to: a stable hash (not Python's salted `hash`), so every
    process and every release agrees, and one person's doses stay together."""
    digest = hashlib.blake2b(recipient_id.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") % shards


def due_partition(bucket: str, shard: int, shards: int) -> str:
    """`DUE#<hour>` on an unsharded table (shards=1, every table before sharding), else `DUE#<hour>#<shard>`."""
    return bucket if shards == 1 else f"{bucket}#{shard}"


def shard_partitions(bucket: str, shard: int, shards: int) -> list[str]:
    """The partitions one shard's sweep reads for an hour: its own, and for shard 0 of a table moving to
    shards also the unsharded `DUE#<hour>`, where doses written before the move still wait (the migration
    window lasts as long as the planning horizon; reading an empty partition costs one Query)."""
    own = due_partition(bucket, shard, shards)
    return [own, bucket] if shards > 1 and shard == 0 else [own]


def hour_buckets(start: datetime, end: datetime) -> Iterator[str]:
    """Every UTC hour bucket that [start, end) touches."""
    hour = start.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    while hour < end:
        yield due_bucket(hour)
        hour += timedelta(hours=1)


def to_item(values: Mapping[str, Any]) -> dict[str, Any]:
    """Plain values to DynamoDB's typed form, leaving out None (DynamoDB has no use for empty attributes)."""
    return {k: _serializer.serialize(v) for k, v in values.items() if v is not None}


def from_item(item: Mapping[str, Any]) -> dict[str, Any]:
    return {k: _plain(_deserializer.deserialize(v)) for k, v in item.items()}


def to_value(value: Any) -> dict[str, Any]:
    serialized: dict[str, Any] = dict(_serializer.serialize(value))
    return serialized


def _plain(value: Any) -> Any:
    from decimal import Decimal

    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


class DynamoTable:
    """The table name and client every area mixin shares; pagination and batching in one place."""

    def __init__(self, table_name: str, client: Any) -> None:
        self.table_name = table_name
        self.client = client

    def query_all(self, **kwargs: Any) -> Iterator[dict[str, Any]]:
        kwargs["TableName"] = self.table_name
        while True:
            page = self.client.query(**kwargs)
            yield from (from_item(i) for i in page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                return
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def batch_write(self, requests: list[dict[str, Any]]) -> None:
        """BatchWriteItem in chunks of 25, resending what DynamoDB hands back as unprocessed."""
        for i in range(0, len(requests), 25):
            pending: dict[str, Any] = {self.table_name: requests[i:i + 25]}
            for _ in range(8):
                response = self.client.batch_write_item(RequestItems=pending)
                pending = response.get("UnprocessedItems") or {}
                if not pending:
                    break
            else:
                raise RuntimeError("DynamoDB left writes unprocessed after retries")

    def create(self) -> None:
        """Create the table if missing and wait for it (idempotent, like `store init`)."""
        try:
            self.client.describe_table(TableName=self.table_name)
            return
        except self.client.exceptions.ResourceNotFoundException:
            pass
        with contextlib.suppress(self.client.exceptions.ResourceInUseException):  # created meanwhile
            self.client.create_table(TableName=self.table_name, **TABLE_DEFINITION)
        self.client.get_waiter("table_exists").wait(TableName=self.table_name,
                                                    WaiterConfig={"Delay": 1, "MaxAttempts": 60})
        # Local servers (dynalite) lack TTL; on AWS the template sets it anyway.
        with contextlib.suppress(Exception):
            self.client.update_time_to_live(
                TableName=self.table_name,
                TimeToLiveSpecification={"Enabled": True, "AttributeName": TTL_ATTRIBUTE},
            )


class RequestCounter:
    """Counts DynamoDB API calls by operation through botocore's event hooks (for benchmarks and tests)."""

    def __init__(self, client: Any) -> None:
        self.counts: dict[str, int] = {}
        client.meta.events.register("before-call.dynamodb", self._count)

    def _count(self, model: Any, **_: Any) -> None:
        self.counts[model.name] = self.counts.get(model.name, 0) + 1

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def reset(self) -> None:
        self.counts.clear()
