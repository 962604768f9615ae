"""Rollups in DynamoDB: a person's day counts in one small item, their rank in another, indexed on GSI2.

    day counts   PK=ROLLUP#<rid>   SK=DAYS   days ("YYYY-MM-DD:on,late,missed,skipped;..."), v (version)
    rank entry   PK=ROLLUP#<rid>   SK=RANK   v; GSI2: RANK#<org> / A#<30-day adherence, 6 places>#<rid>
                                                             or Z#<rid> without a figure

The day counts are one string attribute, so botocore parses one value per person, not hundreds. The rank
entry is apart from them so the index (projection ALL) holds a few bytes per person: counting a whole
organisation for the page's total reads kilobytes, not every person's days.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from botocore.exceptions import ClientError

from skill.domain.models import Recipient
from skill.store import codec
from skill.store.dynamodb.base import DynamoBase
from skill.store.dynamodb.core import PROFILE
from skill.store.dynamodb.table import from_item, rec_pk, to_item, to_value
from skill.store.rollups import (
    DayCounts,
    PersonRollup,
    RankPage,
    RollupChange,
    RollupStore,
    apply_changes,
    decode_days,
    encode_days,
    later,
    oldest_kept,
    rank_value,
)

DAYS = "DAYS"
RANK = "RANK"
_BATCH_GET = 100


def rollup_pk(recipient_id: str) -> str:
    return f"ROLLUP#{recipient_id}"


def rank_sort_key(rank: float | None, recipient_id: str) -> str:
    return f"A#{rank:.6f}#{recipient_id}" if rank is not None else f"Z#{recipient_id}"


class DynamoRollups(DynamoBase, RollupStore):
    def _read_rollup(self, recipient_id: str) -> tuple[dict[date, DayCounts], int | None, datetime | None]:
        item = self.client.get_item(TableName=self.table.table_name, ConsistentRead=True,
                                    Key=to_item({"PK": rollup_pk(recipient_id), "SK": DAYS})).get("Item")
        if not item:
            return {}, None, None
        plain = from_item(item)
        last = plain.get("last")
        return (decode_days(str(plain.get("days", ""))), int(plain.get("v", 0)),
                datetime.fromisoformat(str(last)) if last else None)

    def _write_rollup(self, recipient: Recipient, days: Mapping[date, DayCounts], now: datetime,
                      version: int | None, activity: datetime | None) -> bool:
        """The day counts, conditioned on the version read (None: absent); then the rank entry, unless a
        later write's rank is already there. Two Puts, not a transaction, so dynalite runs it too: a crash
        between them leaves a rank one change old until the person's next change."""
        rank = rank_value(days, now.astimezone(recipient.tz).date())
        written = (version or 0) + 1
        condition: dict[str, Any]
        if version is None:
            condition = {"ConditionExpression": "attribute_not_exists(PK)"}
        else:
            condition = {"ConditionExpression": "v = :v", "ExpressionAttributeValues": {":v": to_value(version)}}
        try:
            self.client.put_item(TableName=self.table.table_name, **condition, Item=to_item({
                "PK": rollup_pk(recipient.id), "SK": DAYS, "type": "rollup_days", "days": encode_days(days),
                "v": written, "last": activity.isoformat() if activity else None}))
        except ClientError as exc:
            if self.is_conditional_failure(exc):
                return False
            raise
        try:
            self.client.put_item(
                TableName=self.table.table_name, ConditionExpression="attribute_not_exists(v) OR v < :v",
                ExpressionAttributeValues={":v": to_value(written)}, Item=to_item({
                    "PK": rollup_pk(recipient.id), "SK": RANK, "type": "rollup_rank", "v": written,
                    "GSI2PK": f"RANK#{recipient.organisation}", "GSI2SK": rank_sort_key(rank, recipient.id),
                    "as_of": now.isoformat()}))
        except ClientError as exc:
            if not self.is_conditional_failure(exc):
                raise
        return True

    def apply_rollup_changes(self, recipient: Recipient, changes: Sequence[RollupChange], now: datetime,
                             activity: datetime | None = None) -> None:
        for attempt in range(1_000):
            current, version, last = self._read_rollup(recipient.id)
            if not changes and activity is None and version is not None:
                return  # the rank entry exists; nothing to add
            days = apply_changes(current, changes, oldest_kept(now, recipient))
            if self._write_rollup(recipient, days, now, version, later(last, activity)):
                return
            self.backoff(attempt)

    def replace_rollups(self, recipient: Recipient, days: Mapping[date, DayCounts], now: datetime,
                        activity: datetime | None = None) -> None:
        kept = apply_changes(days, (), oldest_kept(now, recipient))
        for attempt in range(1_000):
            _, version, _ = self._read_rollup(recipient.id)
            if self._write_rollup(recipient, kept, now, version, activity):
                return
            self.backoff(attempt)

    def _batch_get(self, keys: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """BatchGetItem in chunks of 100 keys, resending what DynamoDB hands back as unprocessed."""
        name = self.table.table_name
        items: list[dict[str, Any]] = []
        for i in range(0, len(keys), _BATCH_GET):
            pending: dict[str, Any] = {name: {"Keys": keys[i:i + _BATCH_GET]}}
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
    def _rollup_of(item: dict[str, Any]) -> PersonRollup:
        """Straight from the typed item: one string to split per person, nothing else deserialised."""
        last = item.get("last", {}).get("S")
        return PersonRollup(item["PK"]["S"].removeprefix("ROLLUP#"), decode_days(item.get("days", {}).get("S", "")),
                            datetime.fromisoformat(last) if last else None)

    def read_rollups(self, recipient_ids: Sequence[str]) -> dict[str, PersonRollup]:
        keys = [to_item({"PK": rollup_pk(rid), "SK": DAYS}) for rid in dict.fromkeys(recipient_ids)]
        rollups = (self._rollup_of(i) for i in self._batch_get(keys))
        return {r.recipient_id: r for r in rollups}

    def read_cohort_people(self, recipient_ids: Sequence[str]) -> dict[str, tuple[Recipient, PersonRollup | None]]:
        keys: list[dict[str, Any]] = []
        for rid in dict.fromkeys(recipient_ids):
            keys += [to_item({"PK": rollup_pk(rid), "SK": DAYS}), to_item({"PK": rec_pk(rid), "SK": PROFILE})]
        people: dict[str, Recipient] = {}
        rollups: dict[str, PersonRollup] = {}
        for item in self._batch_get(keys):
            if item["SK"]["S"] == DAYS:
                rollup = self._rollup_of(item)
                rollups[rollup.recipient_id] = rollup
            else:
                person = codec.recipient_from_dict(from_item(item))
                people[person.id] = person
        return {rid: (person, rollups.get(rid)) for rid, person in people.items()}

    def _rank_organisations(self, organisation: str | None) -> list[str]:
        if organisation is not None:
            return [organisation]
        return [str(i["GSI2SK"]) for i in self.table.query_all(
            IndexName="GSI2", KeyConditionExpression="GSI2PK = :p", ExpressionAttributeValues={":p": to_value("ORGS")})]

    def _rank_count(self, org: str, condition: str, values: dict[str, Any]) -> int:
        kwargs: dict[str, Any] = {"TableName": self.table.table_name, "IndexName": "GSI2", "Select": "COUNT",
                                  "KeyConditionExpression": condition,
                                  "ExpressionAttributeValues": {":p": to_value(f"RANK#{org}"), **values}}
        total = 0
        while True:
            page = self.client.query(**kwargs)
            total += int(page.get("Count", 0))
            if "LastEvaluatedKey" not in page:
                return total
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def _rank_first(self, org: str, condition: str, values: dict[str, Any], forward: bool, wanted: int) -> list[str]:
        """The first `wanted` sort keys of one part of an organisation's rank partition, reading only those."""
        kwargs: dict[str, Any] = {"TableName": self.table.table_name, "IndexName": "GSI2",
                                  "KeyConditionExpression": condition, "ScanIndexForward": forward,
                                  "ProjectionExpression": "GSI2SK", "Limit": wanted,
                                  "ExpressionAttributeValues": {":p": to_value(f"RANK#{org}"), **values}}
        keys: list[str] = []
        while len(keys) < wanted:
            page = self.client.query(**kwargs)
            keys += [str(from_item(i)["GSI2SK"]) for i in page.get("Items", [])]
            if "LastEvaluatedKey" not in page:
                break
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
            kwargs["Limit"] = wanted - len(keys)
        return keys[:wanted]

    def ranked_recipients(self, organisation: str | None, *, offset: int, limit: int, below: float | None = None,
                          descending: bool = False) -> RankPage:
        wanted = offset + limit  # every organisation's first `wanted` entries are enough to merge a page
        if below is not None:
            present_cond = "GSI2PK = :p AND GSI2SK < :hi"  # "A#0.500000#<rid>" sorts after "A#0.500000"
            present_vals = {":hi": to_value(f"A#{below:.6f}")}
        else:
            present_cond, present_vals = "GSI2PK = :p AND begins_with(GSI2SK, :a)", {":a": to_value("A#")}
        absent_cond, absent_vals = "GSI2PK = :p AND begins_with(GSI2SK, :z)", {":z": to_value("Z#")}
        present: list[str] = []
        absent: list[str] = []
        total = 0
        for org in self._rank_organisations(organisation):
            total += self._rank_count(org, present_cond, present_vals) + self._rank_count(org, absent_cond, absent_vals)
            present += self._rank_first(org, present_cond, present_vals, not descending, wanted)
            absent += self._rank_first(org, absent_cond, absent_vals, True, wanted)
        present.sort(reverse=descending)
        absent.sort()
        ordered = [k.rsplit("#", 1)[1] for k in present] + [k.removeprefix("Z#") for k in absent]
        return RankPage(total=total, recipient_ids=ordered[offset:offset + limit])
