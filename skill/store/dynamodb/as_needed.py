"""As-needed doses in DynamoDB: the medicine's guard makes "too soon?" and "how many today?" exact.

The guard is a handful of attributes on the medication item itself (PK=REC#<rid>, SK=~MED#<mid>), so the
pill count it updates is in the same item and a log is a two-item transaction:

    an_version    bumped by every as-needed log: the transaction's condition, so two racing logs
                  cannot both write on the same view of the past
    an_last_at    the latest taken dose's time (UTC text), an_last_dose its stored form (JSON)
    an_day_start  the local day window (its UTC start) that an_day_taken counts pills for

A log reads the item (1 GetItem), decides from the guard, then writes the dose and the new guard in one
TransactWriteItems conditioned on the version. When the guard cannot answer exactly (no guard yet, a
back-dated log, a different day window), one Query of the medicine's recent doses fills in, still pinned by
the version. A lost race retries from the ALL_OLD the cancelled transaction hands back.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from skill.domain.errors import NotFoundError
from skill.domain.models import Dose, DoseStatus, LogSource
from skill.store import codec
from skill.store.as_needed import TakesSummary, lookahead_end, lookback_start, summarise
from skill.store.core import AS_NEEDED_LOOKBACK, AsNeededOutcome
from skill.store.dynamodb.base import DOSE_PREFIX, TRANSACT_ATTEMPTS, DynamoBase
from skill.store.dynamodb.core import MED_PREFIX, _dose_item
from skill.store.dynamodb.table import from_item, rec_pk, to_item, to_value

_TAKEN = (DoseStatus.TAKEN.value, DoseStatus.TAKEN_LATE.value)


@dataclass(frozen=True)
class _Guard:
    version: int | None  # None: no as-needed log has gone through the guard yet
    last_at: datetime | None
    last_dose: Dose | None
    day_start: datetime | None
    day_taken: int
    pill_count: int | None

    @classmethod
    def of(cls, item: dict[str, Any]) -> _Guard:
        last = item.get("an_last_dose")
        return cls(version=int(item["an_version"]) if "an_version" in item else None,
                   last_at=codec.opt_parse_utc(item.get("an_last_at")),
                   last_dose=codec.dose_from_dict(json.loads(last)) if last else None,
                   day_start=codec.opt_parse_utc(item.get("an_day_start")),
                   day_taken=int(item.get("an_day_taken") or 0),
                   pill_count=int(item["pill_count"]) if item.get("pill_count") is not None else None)

    def answer(self, dose: Dose, same_intake_within: timedelta, day_start: datetime) -> TakesSummary | None:
        """The outcome from the guard alone, or None when it cannot know (the caller then queries)."""
        if self.version is None or self.last_at is None or self.last_dose is None:
            return None
        at = dose.scheduled_utc
        if at < self.last_at:  # back-dated: takes after it are not summarised here
            return None
        if self.day_start != day_start and self.last_at >= day_start:  # another day window over the same time
            return None
        if at - self.last_at < same_intake_within or self.last_dose.id == dose.id:
            return TakesSummary(same_intake=self.last_dose, previous_taken_at=None, taken_today_before=0)
        previous = self.last_at if self.last_at >= at - AS_NEEDED_LOOKBACK else None
        today = self.day_taken if self.day_start == day_start else 0
        return TakesSummary(same_intake=None, previous_taken_at=previous, taken_today_before=today)


class DynamoAsNeeded(DynamoBase):
    def record_as_needed_dose(self, dose: Dose, status: DoseStatus, logged_at: datetime, source: LogSource, *,
                              pill_delta: int, same_intake_within: timedelta, day_start: datetime,
                              day_end: datetime) -> AsNeededOutcome:
        logged = replace(dose, status=status, logged_at=logged_at, source=source)
        med_key = to_item({"PK": rec_pk(dose.recipient_id), "SK": MED_PREFIX + dose.medication_id})
        item = self._read_guard(med_key)
        for attempt in range(TRANSACT_ATTEMPTS):
            guard = _Guard.of(item)
            summary = guard.answer(logged, same_intake_within, day_start) or self._summary_from_doses(
                logged, same_intake_within, day_start, day_end)
            if summary.same_intake is not None:
                return AsNeededOutcome(applied=False, dose=summary.same_intake, previous_taken_at=None,
                                       taken_today_before=0, pills_left=guard.pill_count)
            counted = guard.pill_count is not None and pill_delta != 0
            pills = max((guard.pill_count or 0) + pill_delta, 0) if counted else guard.pill_count
            cancelled = self.transact([
                {"Update": self._guard_update(med_key, guard, logged, summary, day_start, pills if counted else None)},
                {"Put": {"TableName": self.table.table_name, "Item": to_item(_dose_item(logged)),
                         "ConditionExpression": "attribute_not_exists(PK) OR #st IN (:pending, :missed)",
                         "ExpressionAttributeNames": {"#st": "status"},
                         "ExpressionAttributeValues": {":pending": to_value("pending"), ":missed": to_value("missed")},
                         "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}},
            ])
            if cancelled is None:
                return AsNeededOutcome(applied=True, dose=logged, previous_taken_at=summary.previous_taken_at,
                                       taken_today_before=summary.taken_today_before, pills_left=pills)
            guard_reason, dose_reason = cancelled
            if dose_reason.failed_condition and dose_reason.item is not None:  # this very dose is logged
                return AsNeededOutcome(applied=False, dose=codec.dose_from_dict(dose_reason.item),
                                       previous_taken_at=None, taken_today_before=0, pills_left=guard.pill_count)
            if guard_reason.failed_condition:  # another log went first: decide again on its guard
                if guard_reason.item is None or "PK" not in guard_reason.item:
                    raise NotFoundError("no such medication")
                item = guard_reason.item
            else:
                self.backoff(attempt)
                item = self._read_guard(med_key)
        raise AssertionError("unreachable: backoff raises on the last attempt")

    def forget_as_needed_take(self, dose: Dose) -> None:
        """The guard forgets its last take and the day's total, and its version moves on, so a log deciding
        on the old numbers fails its condition and re-reads; the next log counts from the doses."""
        med_key = to_item({"PK": rec_pk(dose.recipient_id), "SK": MED_PREFIX + dose.medication_id})
        try:
            self.client.update_item(
                TableName=self.table.table_name, Key=med_key, ConditionExpression="attribute_exists(an_version)",
                UpdateExpression="REMOVE an_last_at, an_last_dose, an_day_start, an_day_taken ADD an_version :one",
                ExpressionAttributeValues={":one": to_value(1)})
        except ClientError as exc:
            if not self.is_conditional_failure(exc):  # no guard yet: nothing to forget
                raise

    def _read_guard(self, med_key: dict[str, Any]) -> dict[str, Any]:
        found = self.client.get_item(TableName=self.table.table_name, Key=med_key, ConsistentRead=True).get("Item")
        if not found:
            raise NotFoundError("no such medication")
        return from_item(found)

    def _summary_from_doses(self, dose: Dose, same_intake_within: timedelta, day_start: datetime,
                            day_end: datetime) -> TakesSummary:
        """One Query of the person's doses around this one, this medicine's taken ones kept (the guard's
        version, checked by the write, pins that nothing was logged through the guard meanwhile)."""
        takes = [codec.dose_from_dict(i) for i in self.table.query_all(
            KeyConditionExpression="PK = :pk AND SK BETWEEN :a AND :b", ConsistentRead=True,
            FilterExpression="medication_id = :m AND #st IN (:t, :l)", ExpressionAttributeNames={"#st": "status"},
            ExpressionAttributeValues={
                ":pk": to_value(rec_pk(dose.recipient_id)),
                ":a": to_value(DOSE_PREFIX + codec.utc_text(lookback_start(dose, day_start))),
                ":b": to_value(DOSE_PREFIX + codec.utc_text(lookahead_end(dose, same_intake_within)) + "~"),
                ":m": to_value(dose.medication_id), ":t": to_value(_TAKEN[0]), ":l": to_value(_TAKEN[1])})]
        return summarise(takes, dose, same_intake_within, day_start, day_end)

    def _guard_update(self, med_key: dict[str, Any], guard: _Guard, dose: Dose, summary: TakesSummary,
                      day_start: datetime, pills: int | None) -> dict[str, Any]:
        """The medication item's new guard (and pill count), only if nobody moved the guard meanwhile."""
        sets: dict[str, object] = {"an_version": (guard.version or 0) + 1}
        if dose.status.is_taken:
            if guard.last_at is None or dose.scheduled_utc >= guard.last_at:  # the latest take
                sets.update(an_last_at=codec.utc_text(dose.scheduled_utc),
                            an_last_dose=json.dumps(codec.dose_to_dict(dose)),
                            an_day_start=codec.utc_text(day_start),
                            an_day_taken=summary.taken_today_before + dose.quantity)
            elif guard.day_start == day_start:  # back-dated into the guard's day
                sets["an_day_taken"] = guard.day_taken + dose.quantity
        values: dict[str, Any] = {f":{k}": to_value(v) for k, v in sets.items()}
        expression = "SET " + ", ".join(f"{k} = :{k}" for k in sets)
        if guard.version is None:
            condition = "attribute_exists(PK) AND attribute_not_exists(an_version)"
        else:
            condition = "an_version = :seen_version"
            values[":seen_version"] = to_value(guard.version)
        if pills is not None:
            expression += ", pill_count = :pills"
            condition += " AND pill_count = :seen_pills"
            values.update({":pills": to_value(pills), ":seen_pills": to_value(guard.pill_count)})
        return {"TableName": self.table.table_name, "Key": med_key, "UpdateExpression": expression,
                "ConditionExpression": condition, "ExpressionAttributeValues": values,
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}
