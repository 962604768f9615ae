"""Rollups in DynamoDB: a person's day counts in one small item, their rank in another, indexed on GSI2.

    day counts   PK=ROLLUP#<rid>   SK=DAYS   one number per day (see rollup_items.py), v, last, tz, org
                                             GSI2 while the rank is stale: RERANK / <rid>
    rank entry   PK=ROLLUP#<rid>   SK=RANK   v; GSI2: RANK#<org> / A#<30-day adherence, 6 places>#<rid>
                                                             or Z#<rid> without a figure

Scheduled-dose writes (a log, the sweep's miss) add to the day counts inside their own request
(`dose_writes_update_rollups`): no read, no second write. The rank entry is apart from the day counts so
the index (projection ALL) holds a few bytes per person: counting a whole organisation for the page's
total reads kilobytes, not every person's days; it is refreshed by the sweep for people marked stale.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from botocore.exceptions import ClientError

from skill.domain.models import Recipient
from skill.store import codec
from skill.store.dynamodb.base import DynamoBase
from skill.store.dynamodb.core import PROFILE
from skill.store.dynamodb.rollup_items import (
    CONTACT_IDS,
    CONTACTS_FLAG,
    CONTACTS_VERSION,
    DAY_PREFIX,
    DAYS,
    RANK,
    RERANK,
    counts_update,
    day_attribute,
    days_of,
    pack,
    rank_sort_key,
    rollup_pk,
)
from skill.store.dynamodb.table import from_item, rec_pk, to_item, to_value
from skill.store.rollups import (
    KEEP_DAYS,
    DayCounts,
    PersonRollup,
    RankPage,
    RollupChange,
    RollupStore,
    SweepPerson,
    apply_changes,
    oldest_kept,
    rank_value,
)

__all__ = ["DAYS", "RANK", "DynamoRollups", "rank_sort_key", "rollup_pk"]


def _today(item: Mapping[str, Any], now: datetime) -> date:
    tz = item.get("tz", {}).get("S")
    return now.astimezone(ZoneInfo(tz) if tz else UTC).date()


class DynamoRollups(DynamoBase, RollupStore):
    dose_writes_update_rollups = True

    def _key(self, recipient_id: str, sk: str) -> dict[str, Any]:
        return to_item({"PK": rollup_pk(recipient_id), "SK": sk})

    def _write_rank(self, recipient_id: str, rank: float | None, version: int, now: datetime,
                    organisation: str | None, name: str) -> None:
        """The rank entry as of day counts `version`, unless a later version's rank is already there.

        Without `organisation` (a refresh) only an existing entry is moved: everyone gets one when added."""
        sets = ["GSI2SK = :k", "v = :v", "as_of = :at", "#t = :type"]
        values = {":k": to_value(rank_sort_key(rank, recipient_id, name)), ":v": to_value(version),
                  ":at": to_value(now.isoformat()), ":type": to_value("rollup_rank")}
        condition = "attribute_not_exists(v) OR v < :v"
        if organisation is not None:
            sets.append("GSI2PK = :org")
            values[":org"] = to_value(f"RANK#{organisation}")
        else:
            condition = f"attribute_exists(GSI2PK) AND ({condition})"
        try:
            self.client.update_item(TableName=self.table.table_name, Key=self._key(recipient_id, RANK),
                                    UpdateExpression="SET " + ", ".join(sets), ConditionExpression=condition,
                                    ExpressionAttributeNames={"#t": "type"}, ExpressionAttributeValues=values)
        except ClientError as exc:
            if not self.is_conditional_failure(exc):
                raise

    def apply_rollup_changes(self, recipient: Recipient, changes: Sequence[RollupChange], now: datetime,
                             activity: datetime | None = None) -> None:
        """One UpdateItem adding the changes (ALL_NEW back), then the rank entry: two writes, no read.

        `last` is the latest activity written, not the latest in time (a backdated log may set it back)."""
        name = recipient.display_name.casefold()
        if not changes and activity is None:
            added = counts_update(  # who they are, for re-ranking after folded writes
                self.table.table_name, self._key(recipient.id, DAYS), recipient.id, (), None, recipient.timezone,
                stale=False, organisation=recipient.organisation, name=name)
            # A new person has no contacts yet (one added first already set the flag): the sweep skips the read.
            expression = added["UpdateExpression"]
            added["UpdateExpression"] = expression.replace("SET ", "SET #cf = if_not_exists(#cf, :no), ", 1)
            added["ExpressionAttributeNames"]["#cf"] = CONTACTS_FLAG
            added["ExpressionAttributeValues"][":no"] = {"BOOL": False}
            self.client.update_item(**added)
            try:  # a new person: on the page at once, without a figure
                self.client.put_item(TableName=self.table.table_name, ConditionExpression="attribute_not_exists(PK)",
                                     Item=to_item({"PK": rollup_pk(recipient.id), "SK": RANK, "type": "rollup_rank",
                                                   "v": 0, "GSI2PK": f"RANK#{recipient.organisation}",
                                                   "GSI2SK": rank_sort_key(None, recipient.id, name),
                                                   "as_of": now.isoformat()}))
            except ClientError as exc:
                if not self.is_conditional_failure(exc):
                    raise
            return
        update = counts_update(self.table.table_name, self._key(recipient.id, DAYS), recipient.id, changes,
                               activity, recipient.timezone, stale=False, organisation=recipient.organisation,
                               name=name)
        item = self.client.update_item(**update, ReturnValues="ALL_NEW")["Attributes"]
        today = now.astimezone(recipient.tz).date()
        self._write_rank(recipient.id, rank_value(days_of(item), today), int(item["v"]["N"]), now,
                         recipient.organisation, name)

    def replace_rollups(self, recipient: Recipient, days: Mapping[date, DayCounts], now: datetime,
                        activity: datetime | None = None) -> None:
        """The rebuild: a Put of exactly `days` (conditioned on the version read), then the rank entry."""
        kept = apply_changes(days, (), oldest_kept(now, recipient))
        for attempt in range(1_000):
            old = self.client.get_item(TableName=self.table.table_name, ConsistentRead=True,
                                       Key=self._key(recipient.id, DAYS)).get("Item")
            # the item may hold only the contact flag (written by put_contact before any rollup): keep it
            version = int(old["v"]["N"]) if old and "v" in old else None
            kept_flags = {k: v for k, v in (old or {}).items() if k in (CONTACTS_FLAG, CONTACTS_VERSION, CONTACT_IDS)}
            item = {"PK": rollup_pk(recipient.id), "SK": DAYS, "type": "rollup_days", "v": (version or 0) + 1,
                    "last": activity.isoformat() if activity else None, "tz": recipient.timezone,
                    "org": recipient.organisation, "name": recipient.display_name.casefold(),
                    **{day_attribute(d): pack(c) for d, c in kept.items()}}
            condition: dict[str, Any] = (
                {"ConditionExpression": "attribute_not_exists(v)"} if version is None else
                {"ConditionExpression": "v = :v", "ExpressionAttributeValues": {":v": to_value(version)}})
            try:
                self.client.put_item(TableName=self.table.table_name, Item={**to_item(item), **kept_flags},
                                     **condition)
            except ClientError as exc:
                if not self.is_conditional_failure(exc):
                    raise
                self.backoff(attempt)
                continue
            rank = rank_value(kept, now.astimezone(recipient.tz).date())
            self._write_rank(recipient.id, rank, (version or 0) + 1, now, recipient.organisation,
                             recipient.display_name.casefold())
            return

    def _stale_items(self) -> Iterator[dict[str, Any]]:
        """The stale day-counts items, typed (not deserialised): `days_of` reads the numbers as they come."""
        kwargs: dict[str, Any] = {"TableName": self.table.table_name, "IndexName": "GSI2",
                                  "KeyConditionExpression": "GSI2PK = :p",
                                  "ExpressionAttributeValues": {":p": to_value(RERANK)}}
        while True:
            page = self.client.query(**kwargs)
            yield from page.get("Items", [])
            if "LastEvaluatedKey" not in page:
                return
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def refresh_ranks(self, now: datetime) -> int:
        """Re-rank everyone a folded write marked stale: per person the rank Update, then an Update clearing
        the mark (and days older than kept) if no write came between. A lost race leaves the mark for the
        next sweep. The Query reads the day counts too (projection ALL): no GetItem."""
        refreshed = 0
        for item in self._stale_items():
            rid = item["PK"]["S"].removeprefix("ROLLUP#")
            version = int(item.get("v", {}).get("N", "0"))
            days = days_of(item)
            self._write_rank(rid, rank_value(days, _today(item, now)), version, now, None,
                             item.get("name", {}).get("S", ""))
            oldest = _today(item, now) - timedelta(days=KEEP_DAYS)
            old = [n for n in item if n[:1] == DAY_PREFIX and n[1:2].isdigit() and n[1:] < oldest.isoformat()]
            names = {f"#o{i}": n for i, n in enumerate(old)}
            try:
                self.client.update_item(
                    TableName=self.table.table_name, Key=self._key(rid, DAYS), ConditionExpression="v = :v",
                    UpdateExpression="REMOVE " + ", ".join(["GSI2PK", "GSI2SK", *names]),
                    ExpressionAttributeValues={":v": to_value(version)},
                    **({"ExpressionAttributeNames": names} if names else {}))
            except ClientError as exc:
                if not self.is_conditional_failure(exc):
                    raise
            refreshed += 1
        return refreshed

    @staticmethod
    def _rollup_of(item: dict[str, Any]) -> PersonRollup:
        """Straight from the typed item: one number per day, nothing else deserialised."""
        last = item.get("last", {}).get("S")
        return PersonRollup(item["PK"]["S"].removeprefix("ROLLUP#"), days_of(item),
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

    def read_sweep_people(self, recipient_ids: Sequence[str]) -> dict[str, SweepPerson]:
        """The same BatchGetItem as a page's, keeping what the sweep needs of the day-counts item: its version
        (to re-rank inside the miss's own write) and the contact flag (`rollup_items.CONTACTS_FLAG`)."""
        keys: list[dict[str, Any]] = []
        for rid in dict.fromkeys(recipient_ids):
            keys += [to_item({"PK": rollup_pk(rid), "SK": DAYS}), to_item({"PK": rec_pk(rid), "SK": PROFILE})]
        people: dict[str, Recipient] = {}
        days_items: dict[str, dict[str, Any]] = {}
        for item in self._batch_get(keys):
            if item["SK"]["S"] == DAYS:
                days_items[item["PK"]["S"].removeprefix("ROLLUP#")] = item
            else:
                person = codec.recipient_from_dict(from_item(item))
                people[person.id] = person
        found: dict[str, SweepPerson] = {}
        for rid, person in people.items():
            days = days_items.get(rid)
            if days is None:
                found[rid] = SweepPerson(person, None)
                continue
            flag = days.get(CONTACTS_FLAG, {}).get("BOOL")
            version = int(days["v"]["N"]) if "v" in days else None
            ids = days.get(CONTACT_IDS, {}).get("SS")
            known = frozenset(ids) if ids else (frozenset() if flag is False else None)
            found[rid] = SweepPerson(person, self._rollup_of(days), version, flag, known)
        return found

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
        ordered = [k.rsplit("#", 1)[1] for k in present + absent]
        return RankPage(total=total, recipient_ids=ordered[offset:offset + limit])
