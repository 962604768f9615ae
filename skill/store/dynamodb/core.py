"""Recipients, medications, doses and link codes in the single DynamoDB table (item types in table.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any, TypeVar

from botocore.exceptions import ClientError

from skill.domain.models import Dose, DoseStatus, LinkCode, LogSource, Medication, Recipient
from skill.store import codec
from skill.store.bad_rows import decode_each
from skill.store.core import CoreStore, LogOutcome, RecipientView
from skill.store.dynamodb.base import DOSE_PREFIX, TRANSACT_ATTEMPTS, DynamoBase
from skill.store.dynamodb.rollup_items import DAYS, counts_update, rollup_pk, tz_name
from skill.store.dynamodb.table import (
    due_bucket,
    due_partition,
    due_shard,
    from_item,
    hour_buckets,
    rec_pk,
    shard_partitions,
    to_item,
    to_value,
)
from skill.store.rollups import changes_for

T = TypeVar("T")

PROFILE = "~PROFILE"
MED_PREFIX = "~MED#"
LINK_POINTER = "~LINKCODE"
PLAN_PARTITION = "PLAN"
_UNPLANNED = "0000"  # sorts before every instant: a medication never planned is always due for planning


def dose_sk(dose: Dose) -> str:
    return f"{DOSE_PREFIX}{codec.utc_text(dose.scheduled_utc)}#{dose.id}"


def _dose_item(dose: Dose, due_shards: int = 1) -> dict[str, Any]:
    data = codec.dose_to_dict(dose)
    item: dict[str, Any] = {"PK": rec_pk(dose.recipient_id), "SK": dose_sk(dose), "type": "dose", **data}
    if dose.status is DoseStatus.PENDING:
        item["GSI1PK"] = due_partition(due_bucket(dose.scheduled_utc), due_shard(dose.recipient_id, due_shards),
                                       due_shards)
        item["GSI1SK"] = f"{data['due_utc']}#{dose.recipient_id}#{dose.id}"
    return item


def _shard_checkpoint_key(shard: int) -> dict[str, str]:
    return {"PK": "SWEEP", "SK": f"CHECKPOINT#{shard}"}


def _dose(values: dict[str, Any]) -> Dose:
    return codec.dose_from_dict(values)


def view_from_partition(groups: dict[str, list[dict[str, Any]]]) -> RecipientView | None:
    """A RecipientView from the items of `DynamoBase.recipient_partition` (other areas read their own types)."""
    profiles = groups.get("recipient")
    if not profiles:
        return None
    meds = sorted((codec.medication_from_dict(i) for i in groups.get("medication", [])),
                  key=lambda m: (m.name.casefold(), m.id))
    doses = tuple(_dose(i) for i in groups.get("dose", []))
    return RecipientView(recipient=codec.recipient_from_dict(profiles[0]), medications=tuple(meds), doses=doses)


class DynamoCore(DynamoBase, CoreStore):
    # -- recipients ---------------------------------------------------------------------------------
    def put_recipient(self, recipient: Recipient) -> None:
        # Two idempotent puts, organisation first, so a recipient is never listed under an unknown org.
        # (No TransactWriteItems: dynalite, the DynamoDB-compatible server the tests use, lacks it.)
        data = codec.recipient_to_dict(recipient)
        self.client.put_item(TableName=self.table.table_name, Item=to_item({
            "PK": f"ORG#{recipient.organisation}", "SK": "~ORG", "type": "organisation",
            "GSI2PK": "ORGS", "GSI2SK": recipient.organisation}))
        self.client.put_item(TableName=self.table.table_name, Item=to_item({
            "PK": rec_pk(recipient.id), "SK": PROFILE, "type": "recipient", **data,
            "GSI2PK": f"ORG#{recipient.organisation}",
            "GSI2SK": f"{recipient.display_name.casefold()}#{recipient.id}"}))

    def get_recipient(self, recipient_id: str) -> Recipient | None:
        item = self.client.get_item(TableName=self.table.table_name,
                                    Key=to_item({"PK": rec_pk(recipient_id), "SK": PROFILE})).get("Item")
        return codec.recipient_from_dict(from_item(item)) if item else None

    def list_recipients(self, organisation: str | None = None) -> list[Recipient]:
        if organisation is None:
            orgs = [i["GSI2SK"] for i in self.table.query_all(
                IndexName="GSI2", KeyConditionExpression="GSI2PK = :p",
                ExpressionAttributeValues={":p": to_value("ORGS")})]
        else:
            orgs = [organisation]
        found: list[Recipient] = []
        for org in orgs:
            found.extend(codec.recipient_from_dict(i) for i in self.table.query_all(
                IndexName="GSI2", KeyConditionExpression="GSI2PK = :p",
                ExpressionAttributeValues={":p": to_value(f"ORG#{org}")}))
        return sorted(found, key=lambda r: (r.display_name.casefold(), r.id))

    # -- medications --------------------------------------------------------------------------------
    def put_medication(self, medication: Medication) -> None:
        data = codec.medication_to_dict(medication)
        values: dict[str, Any] = {"type": "medication", **data}
        names = {f"#a{i}": k for i, k in enumerate(values)}
        sets = [f"#a{i} = :v{i}" for i, v in enumerate(values.values()) if v is not None]
        unset = [f"#a{i}" for i, v in enumerate(values.values()) if v is None]  # e.g. pills no longer counted
        attr_values = {f":v{i}": to_value(v) for i, v in enumerate(values.values()) if v is not None}
        expression = "SET " + ", ".join(sets)
        if medication.active:
            # Keep the planning horizon: only a new medication starts unplanned.
            expression += ", GSI2PK = :plan, GSI2SK = if_not_exists(GSI2SK, :unplanned)"
            attr_values[":plan"] = to_value(PLAN_PARTITION)
            attr_values[":unplanned"] = to_value(f"{_UNPLANNED}#{medication.recipient_id}#{medication.id}")
        else:
            unset += ["GSI2PK", "GSI2SK"]
        if unset:
            expression += " REMOVE " + ", ".join(unset)
        self.client.update_item(
            TableName=self.table.table_name,
            Key=to_item({"PK": rec_pk(medication.recipient_id), "SK": MED_PREFIX + medication.id}),
            UpdateExpression=expression, ExpressionAttributeNames=names, ExpressionAttributeValues=attr_values,
        )

    def list_medications(self, recipient_id: str, include_stopped: bool = False) -> list[Medication]:
        meds = [codec.medication_from_dict(i) for i in self.table.query_all(
            KeyConditionExpression="PK = :pk AND begins_with(SK, :m)",
            ExpressionAttributeValues={":pk": to_value(rec_pk(recipient_id)), ":m": to_value(MED_PREFIX)})]
        meds = [m for m in meds if include_stopped or m.active]
        return sorted(meds, key=lambda m: (m.name.casefold(), m.id))

    @staticmethod
    def _per_recipient(read: Callable[[str], T], recipient_ids: Sequence[str]) -> dict[str, T]:
        """One Query per recipient (a partition each), a few at a time: I/O-bound, and boto3 clients are
        thread-safe. Reports call this, never one request per recipient per day."""
        with ThreadPoolExecutor(max_workers=8) as pool:
            return dict(zip(recipient_ids, pool.map(read, recipient_ids), strict=True))

    def adjust_pill_count(self, recipient_id: str, medication_id: str, delta: int) -> int | None:
        try:
            response = self.client.update_item(**self._pill_update(recipient_id, medication_id, delta),
                                               ReturnValues="UPDATED_NEW")
        except ClientError as exc:
            if not self.is_conditional_failure(exc):
                raise
            return self._clamp_pills(recipient_id, medication_id)
        return int(from_item(response["Attributes"])["pill_count"])

    def _pill_update(self, recipient_id: str, medication_id: str, delta: int) -> dict[str, Any]:
        # Never below zero: a decrement that would go negative fails its condition and is clamped instead.
        return {
            "TableName": self.table.table_name,
            "Key": to_item({"PK": rec_pk(recipient_id), "SK": MED_PREFIX + medication_id}),
            "UpdateExpression": "SET pill_count = pill_count + :d",
            "ConditionExpression": "attribute_exists(pill_count) AND pill_count >= :floor",
            "ExpressionAttributeValues": {":d": to_value(delta), ":floor": to_value(max(-delta, 0))},
        }

    def _clamp_pills(self, recipient_id: str, medication_id: str) -> int | None:
        try:
            self.client.update_item(
                TableName=self.table.table_name,
                Key=to_item({"PK": rec_pk(recipient_id), "SK": MED_PREFIX + medication_id}),
                UpdateExpression="SET pill_count = :z", ConditionExpression="attribute_exists(pill_count)",
                ExpressionAttributeValues={":z": to_value(0)})
        except ClientError as exc:
            if self.is_conditional_failure(exc):
                return None
            raise
        return 0

    def medications_to_plan(self, before: datetime) -> list[Medication]:
        return [codec.medication_from_dict(i) for i in self.table.query_all(
            IndexName="GSI2", KeyConditionExpression="GSI2PK = :p AND GSI2SK < :b",
            ExpressionAttributeValues={":p": to_value(PLAN_PARTITION), ":b": to_value(codec.utc_text(before))})]

    def mark_planned(self, recipient_id: str, medication_id: str, until: datetime) -> None:
        try:
            self.client.update_item(
                TableName=self.table.table_name,
                Key=to_item({"PK": rec_pk(recipient_id), "SK": MED_PREFIX + medication_id}),
                UpdateExpression="SET GSI2SK = :s", ConditionExpression="GSI2PK = :plan",
                ExpressionAttributeValues={
                    ":s": to_value(f"{codec.utc_text(until)}#{recipient_id}#{medication_id}"),
                    ":plan": to_value(PLAN_PARTITION)})
        except ClientError as exc:
            if not self.is_conditional_failure(exc):  # a stopped medication has no horizon to keep
                raise

    # -- doses --------------------------------------------------------------------------------------
    def put_doses(self, doses: Iterable[Dose]) -> int:
        created = 0
        for dose in doses:
            try:
                self.client.put_item(TableName=self.table.table_name, Item=to_item(_dose_item(dose, self.due_shards)),
                                     ConditionExpression="attribute_not_exists(PK)")
                created += 1
            except ClientError as exc:
                if not self.is_conditional_failure(exc):
                    raise
        return created

    def delete_pending_doses(self, recipient_id: str, medication_id: str, after: datetime,
                             keep: Sequence[str] = ()) -> int:
        removed = 0
        for item in self.table.query_all(
                KeyConditionExpression="PK = :pk AND SK BETWEEN :a AND :z",
                FilterExpression="medication_id = :m AND #s = :pending",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={
                    ":pk": to_value(rec_pk(recipient_id)), ":a": to_value(DOSE_PREFIX + codec.utc_text(after)),
                    ":z": to_value(DOSE_PREFIX + "~"), ":m": to_value(medication_id),
                    ":pending": to_value(DoseStatus.PENDING.value)}):
            if item["id"] in keep:
                continue
            try:
                self.client.delete_item(TableName=self.table.table_name,
                                        Key=to_item({"PK": item["PK"], "SK": item["SK"]}),
                                        ConditionExpression="#s = :pending",
                                        ExpressionAttributeNames={"#s": "status"},
                                        ExpressionAttributeValues={":pending": to_value("pending")})
                removed += 1
            except ClientError as exc:
                if not self.is_conditional_failure(exc):  # logged meanwhile: history stays
                    raise
        return removed

    def list_doses(self, recipient_id: str, start: datetime, end: datetime) -> list[Dose]:
        return [_dose(i) for i in self.table.query_all(
            KeyConditionExpression="PK = :pk AND SK BETWEEN :a AND :b",
            ExpressionAttributeValues={
                ":pk": to_value(rec_pk(recipient_id)),
                ":a": to_value(DOSE_PREFIX + codec.utc_text(start)),
                ":b": to_value(DOSE_PREFIX + codec.utc_text(end))})]

    def load_recipient_views(self, recipient_ids: Sequence[str], start: datetime,
                             end: datetime) -> dict[str, RecipientView]:
        def view(recipient_id: str) -> RecipientView | None:
            found = view_from_partition(self.recipient_partition(recipient_id, start))
            if found is None:
                return None
            return replace(found, doses=tuple(d for d in found.doses if d.scheduled_utc < end))

        views = self._per_recipient(view, list(dict.fromkeys(recipient_ids)))
        return {rid: v for rid, v in views.items() if v is not None}

    def record_dose(self, dose: Dose, status: DoseStatus, logged_at: datetime, source: LogSource,
                    pill_delta: int = 0) -> LogOutcome:
        logged = replace(dose, status=status, logged_at=logged_at, source=source)
        if pill_delta:
            return self._record_with_pills(logged, pill_delta)
        if not getattr(self, "transactions_unsupported", False):
            counted = self._record_counted(logged, dose.status is DoseStatus.MISSED)
            if counted is not None:
                return counted
        update = self._dose_log_update(logged, "attribute_not_exists(PK) OR #st IN (:pending, :missed)")
        outcome = self._record_single(update, logged)
        if outcome.applied:  # a server without transactions: the rollup in a second write
            self.client.update_item(**self._rollup_update(logged, outcome.previous_status))
        return outcome

    def _rollup_update(self, logged: Dose, previous: DoseStatus | None) -> dict[str, Any]:
        """The rollup's share of a dose write (skill/store/dynamodb/rollup_items.py): added, never read."""
        return counts_update(self.table.table_name, to_item({"PK": rollup_pk(logged.recipient_id), "SK": DAYS}),
                             logged.recipient_id, changes_for(logged, previous, logged.status), logged.logged_at,
                             tz_name(logged.scheduled_local))

    def _record_counted(self, logged: Dose, seen_missed: bool) -> LogOutcome | None:
        """The log and its rollup change in one TransactWriteItems; None when the server has no transactions.

        A transaction returns no old values, so the write is conditioned on the status the caller saw
        (open, i.e. absent or pending; or missed: the rollup change differs), and a cancelled one carries
        on from the item it hands back."""
        for attempt in range(TRANSACT_ATTEMPTS):
            previous = DoseStatus.MISSED if seen_missed else DoseStatus.PENDING
            condition = "#st = :seen" if seen_missed else "attribute_not_exists(PK) OR #st = :seen"
            try:
                cancelled = self.transact([{"Update": self._dose_log_update(logged, condition, previous)},
                                           {"Update": self._rollup_update(logged, previous)}])
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") != "UnknownOperationException":
                    raise
                self.transactions_unsupported = True  # dynalite: two writes from now on
                return None
            if cancelled is None:
                return LogOutcome(applied=True, dose=logged, previous_status=previous)
            reason = cancelled[0]
            if reason.failed_condition:
                stored = reason.item
                if stored is not None and DoseStatus(stored["status"]).is_logged:
                    existing = _dose(stored)
                    return LogOutcome(applied=False, dose=existing, previous_status=existing.status)
                seen_missed = stored is not None and DoseStatus(stored["status"]) is DoseStatus.MISSED
            else:  # a conflict with a transaction in flight
                self.backoff(attempt)
        raise AssertionError("unreachable: backoff raises on the last attempt")

    def _dose_log_update(self, logged: Dose, condition: str, seen: DoseStatus | None = None) -> dict[str, Any]:
        """The dose's log as one Update (alone, or an item of a transaction), under `condition`."""
        values = {k: v for k, v in _dose_item(logged).items() if k not in ("PK", "SK")}
        names = {f"#a{i}": k for i, k in enumerate(values)}
        attr_values = {f":v{i}": to_value(v) for i, v in enumerate(values.values())}
        if ":pending" in condition:
            attr_values.update({":pending": to_value("pending"), ":missed": to_value("missed")})
        if seen is not None:
            attr_values[":seen"] = to_value(seen.value)
        return {
            "TableName": self.table.table_name,
            "Key": to_item({"PK": rec_pk(logged.recipient_id), "SK": dose_sk(logged)}),
            "UpdateExpression": "SET " + ", ".join(f"#a{i} = :v{i}" for i in range(len(values)))
                                + " REMOVE GSI1PK, GSI1SK",
            "ConditionExpression": condition,
            "ExpressionAttributeNames": {**names, **({"#st": "status"} if "#st" in condition else {})},
            "ExpressionAttributeValues": attr_values,
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }

    def _record_with_pills(self, logged: Dose, pill_delta: int) -> LogOutcome:
        """The dose and the pill count in one transaction, conditioned on exactly the state read.

        A transaction returns no values, so the dose's previous status and the pill count are read first
        (one strongly consistent BatchGetItem) and the write is conditioned on them: `pills_left` is then
        exactly what this write left, and the refill warning fires on exactly one log.
        """
        dose_key = to_item({"PK": rec_pk(logged.recipient_id), "SK": dose_sk(logged)})
        med_key = to_item({"PK": rec_pk(logged.recipient_id), "SK": MED_PREFIX + logged.medication_id})
        stored, med = self._read_two(dose_key, med_key)
        for attempt in range(TRANSACT_ATTEMPTS):
            if stored is not None and DoseStatus(stored["status"]).is_logged:
                existing = _dose(stored)
                return LogOutcome(applied=False, dose=existing, previous_status=existing.status)
            seen_pills = med.get("pill_count") if med is not None else None
            if seen_pills is None:  # pills not counted (or no such medication): the dose alone
                update = self._dose_log_update(logged, "attribute_not_exists(PK) OR #st IN (:pending, :missed)")
                return self._record_single(update, logged)
            previous = DoseStatus(stored["status"]) if stored is not None else None
            condition = "attribute_not_exists(PK)" if previous is None else "#st = :seen"
            pills = max(int(seen_pills) + pill_delta, 0)
            cancelled = self.transact([
                {"Update": self._dose_log_update(logged, condition, previous)},
                {"Update": {"TableName": self.table.table_name, "Key": med_key,
                            "UpdateExpression": "SET pill_count = :new", "ConditionExpression": "pill_count = :seen",
                            "ExpressionAttributeValues": {":new": to_value(pills), ":seen": to_value(seen_pills)},
                            "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}},
                {"Update": self._rollup_update(logged, previous)},
            ])
            if cancelled is None:
                return LogOutcome(applied=True, dose=logged, previous_status=previous, pills_left=pills)
            dose_reason, med_reason = cancelled[0], cancelled[1]  # the rollup's Update has no condition
            if dose_reason.failed_condition or med_reason.failed_condition:
                # Someone wrote first: carry on from what the cancelled transaction returned, no read.
                stored = dose_reason.item if dose_reason.failed_condition else stored
                med = med_reason.item if med_reason.failed_condition else med
            else:  # a conflict with a transaction in flight: read afresh
                self.backoff(attempt)
                stored, med = self._read_two(dose_key, med_key)
        raise AssertionError("unreachable: backoff raises on the last attempt")

    def _read_two(self, first: dict[str, Any], second: dict[str, Any]) -> tuple[dict[str, Any] | None,
                                                                                  dict[str, Any] | None]:
        """Two items in one strongly consistent BatchGetItem (None for a missing one)."""
        keys, found = [first, second], list[dict[str, Any]]()
        pending: dict[str, Any] = {self.table.table_name: {"Keys": keys, "ConsistentRead": True}}
        while pending:
            response = self.client.batch_get_item(RequestItems=pending)
            found.extend(from_item(i) for i in response.get("Responses", {}).get(self.table.table_name, []))
            pending = response.get("UnprocessedKeys") or {}
        by_key = {(i["PK"], i["SK"]): i for i in found}
        first_plain, second_plain = from_item(first), from_item(second)
        return (by_key.get((first_plain["PK"], first_plain["SK"])),
                by_key.get((second_plain["PK"], second_plain["SK"])))

    def _record_single(self, update: dict[str, Any], logged: Dose) -> LogOutcome:
        try:
            old = self.client.update_item(**update, ReturnValues="ALL_OLD").get("Attributes")
        except ClientError as exc:
            if not self.is_conditional_failure(exc):
                raise
            item: Any = dict(exc.response).get("Item")
            if item is None:  # servers without ReturnValuesOnConditionCheckFailure (dynalite)
                item = self.client.get_item(TableName=update["TableName"], Key=update["Key"],
                                            ConsistentRead=True)["Item"]
            existing = _dose(from_item(item))
            return LogOutcome(applied=False, dose=existing, previous_status=existing.status)
        previous = DoseStatus(from_item(old)["status"]) if old else None
        return LogOutcome(applied=True, dose=logged, previous_status=previous)

    def due_doses(self, start: datetime, end: datetime) -> list[Dose]:
        return self.due_doses_in_shards(start, end, range(self.due_shards))

    def due_doses_in_shards(self, start: datetime, end: datetime, shards: Iterable[int]) -> list[Dose]:
        """`due_doses` for the shards one sweep worker owns: one Query per hour per shard (shard 0 of a
        table moving to shards also reads the unsharded partition, see `shard_partitions`)."""
        found: list[Dose] = []
        for shard in shards:
            if not 0 <= shard < self.due_shards:
                raise ValueError(f"shard {shard} is outside 0..{self.due_shards - 1}")
            for bucket in hour_buckets(start, end):
                for partition in shard_partitions(bucket, shard, self.due_shards):
                    found.extend(decode_each(self.table.query_all(
                        IndexName="GSI1", KeyConditionExpression="GSI1PK = :b AND GSI1SK BETWEEN :s AND :e",
                        ExpressionAttributeValues={":b": to_value(partition),
                                                   ":s": to_value(codec.utc_text(start)),
                                                   ":e": to_value(codec.utc_text(end))}),
                        _dose, lambda i: str(i.get("SK")), "dose"))
        return [d for d in found if d.scheduled_utc < end and d.status is DoseStatus.PENDING]

    def shard_checkpoint(self, shard: int) -> datetime | None:
        """One shard's sweep checkpoint (`sweep_checkpoint` is the unsharded sweeper's, kept apart)."""
        item = self.client.get_item(TableName=self.table.table_name, Key=to_item(_shard_checkpoint_key(shard)),
                                    ConsistentRead=True).get("Item")
        return codec.parse_utc(from_item(item)["swept_until"]) if item else None

    def advance_shard_checkpoint(self, shard: int, to: datetime) -> None:
        """Forward only, like `advance_sweep_checkpoint`: a slower worker on the same shard cannot rewind it."""
        try:
            self.client.update_item(
                TableName=self.table.table_name, Key=to_item(_shard_checkpoint_key(shard)),
                UpdateExpression="SET swept_until = :to",
                ConditionExpression="attribute_not_exists(swept_until) OR swept_until < :to",
                ExpressionAttributeValues={":to": to_value(codec.utc_text(to))})
        except ClientError as exc:
            if not self.is_conditional_failure(exc):
                raise

    def mark_missed(self, dose: Dose) -> bool:
        try:
            self.client.update_item(
                TableName=self.table.table_name,
                Key=to_item({"PK": rec_pk(dose.recipient_id), "SK": dose_sk(dose)}),
                UpdateExpression="SET #s = :missed REMOVE GSI1PK, GSI1SK",
                ConditionExpression="#s = :pending", ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={":missed": to_value("missed"), ":pending": to_value("pending")})
        except ClientError as exc:
            if self.is_conditional_failure(exc):
                return False
            raise
        return True

    def load_recipient_view(self, recipient_id: str, since: datetime) -> RecipientView | None:
        return view_from_partition(self.recipient_partition(recipient_id, since))

    # -- link codes ---------------------------------------------------------------------------------
    def put_link_code(self, code: LinkCode) -> None:
        pointer = self.client.get_item(TableName=self.table.table_name,
                                       Key=to_item({"PK": rec_pk(code.recipient_id), "SK": LINK_POINTER}),
                                       ConsistentRead=True).get("Item")
        old = from_item(pointer)["code"] if pointer else None
        self.client.put_item(TableName=self.table.table_name, Item=to_item({
            "PK": f"CODE#{code.code}", "SK": "CODE", "type": "link_code",
            **codec.link_code_to_dict(code),
            "expires_at": int((code.expires_at + timedelta(days=1)).timestamp()),
            "expires_utc": codec.utc_text(code.expires_at)}))
        self.client.put_item(TableName=self.table.table_name, Item=to_item({
            "PK": rec_pk(code.recipient_id), "SK": LINK_POINTER, "type": "link_pointer", "code": code.code}))
        if old and old != code.code:
            try:  # an older unused code stops working; a used one is history and stays
                self.client.delete_item(TableName=self.table.table_name,
                                        Key=to_item({"PK": f"CODE#{old}", "SK": "CODE"}),
                                        ConditionExpression="attribute_not_exists(used_at)")
            except ClientError as exc:
                if not self.is_conditional_failure(exc):
                    raise

    def claim_link_code(self, code: str, now: datetime) -> LinkCode | None:
        try:
            response = self.client.update_item(
                TableName=self.table.table_name, Key=to_item({"PK": f"CODE#{code}", "SK": "CODE"}),
                UpdateExpression="SET used_at = :now",
                ConditionExpression="attribute_exists(PK) AND attribute_not_exists(used_at) AND expires_utc > :now",
                ExpressionAttributeValues={":now": to_value(codec.utc_text(now))}, ReturnValues="ALL_NEW")
        except ClientError as exc:
            if self.is_conditional_failure(exc):
                return None
            raise
        values = from_item(response["Attributes"])
        values["expires_at"] = values["expires_utc"]
        return codec.link_code_from_dict(values)
