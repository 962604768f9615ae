"""Care events, heard names and undoing a log in the single table.

    care event   PK=EVENTS#<rid>  SK=<utc iso, microseconds>#<eid>   written with attribute_not_exists
    heard name   PK=HEARD#<rid>   SK=<heard, case-folded>            times, first_at, last_at; TTL expires_at

Both live outside `REC#<rid>`, so the voice turn's one Query on a person's partition never reads them.
Heard names are one upsert each (`ADD times`); a list keeps the HEARD_LIMIT most recent and deletes the
rest when read (a carer's page, rare), and TTL drops a name not heard for HEARD_KEPT, so a person whose
list nobody reads does not grow for ever.

Re-opening a dose is one conditional UpdateItem on the dose (still this status, still this `logged_at`)
that puts it back in the due-time index (GSI1), so the sweep can mark it missed again. With a pill delta
the medication's count changes in the same TransactWriteItems (retried with backoff on a conflict);
servers without transactions (dynalite) cannot do that and the call fails rather than half-applying.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from skill.domain.events import CareEvent, HeardName
from skill.domain.models import Dose, DoseStatus
from skill.store import codec
from skill.store.dynamodb.base import TRANSACT_ATTEMPTS, DynamoBase
from skill.store.dynamodb.core import MED_PREFIX, _dose_item, dose_sk
from skill.store.dynamodb.table import rec_pk, to_item, to_value
from skill.store.history import HistoryStore
from skill.store.history_codec import (
    HEARD_KEPT,
    HEARD_LIMIT,
    event_from_dict,
    event_time,
    event_to_dict,
    heard_from_dict,
    heard_key,
)


def events_pk(recipient_id: str) -> str:
    return f"EVENTS#{recipient_id}"


def heard_pk(recipient_id: str) -> str:
    return f"HEARD#{recipient_id}"


class DynamoHistory(DynamoBase, HistoryStore):
    # -- care events ----------------------------------------------------------------------------------
    def append_event(self, event: CareEvent) -> None:
        item = {"PK": events_pk(event.recipient_id), "SK": f"{event_time(event.at)}#{event.id}", "type": "event",
                **event_to_dict(event)}
        try:
            self.client.put_item(TableName=self.table.table_name, Item=to_item(item),
                                 ConditionExpression="attribute_not_exists(PK)")
        except ClientError as exc:
            if not self.is_conditional_failure(exc):  # already there: a retried append changes nothing
                raise

    def list_events(self, recipient_id: str, start: datetime, end: datetime) -> list[CareEvent]:
        # `<end>#<id>` sorts after `<end>`, so BETWEEN leaves out events at exactly `end`: [start, end).
        return [event_from_dict(i) for i in self.table.query_all(
            KeyConditionExpression="PK = :pk AND SK BETWEEN :a AND :b", ScanIndexForward=False,
            ExpressionAttributeValues={":pk": to_value(events_pk(recipient_id)),
                                       ":a": to_value(event_time(start)), ":b": to_value(event_time(end))})]

    # -- undoing a log --------------------------------------------------------------------------------
    def reopen_dose(self, dose: Dose, pill_delta: int = 0) -> bool:
        if not dose.status.is_logged:  # only a log can be undone; pending or missed has nothing to reopen
            return False
        reopen = self._reopen_update(dose)
        if not pill_delta:
            return self._single_reopen(reopen)
        pills: dict[str, Any] = {
            "TableName": self.table.table_name,
            "Key": to_item({"PK": rec_pk(dose.recipient_id), "SK": MED_PREFIX + dose.medication_id}),
            "UpdateExpression": "SET pill_count = pill_count + :d",
            "ConditionExpression": "attribute_exists(pill_count) AND pill_count >= :floor",
            "ExpressionAttributeValues": {":d": to_value(pill_delta), ":floor": to_value(max(-pill_delta, 0))},
        }
        for attempt in range(TRANSACT_ATTEMPTS):
            cancelled = self.transact([{"Update": reopen}, {"Update": pills}])
            if cancelled is None:
                return True
            if cancelled[0].failed_condition:  # no longer logged as given: a second undo, or a new log won
                return False
            if cancelled[1].failed_condition:
                # Only the medication refused: it no longer counts pills (or a take-away would go below
                # zero). The undo stands on its own.
                return self._single_reopen(reopen)
            self.backoff(attempt)  # a conflict with a transaction in flight on the same items
        raise AssertionError("unreachable: backoff raises on the last attempt")

    def _reopen_update(self, dose: Dose) -> dict[str, Any]:
        due_index = _dose_item(replace(dose, status=DoseStatus.PENDING, logged_at=None, source=None),
                               self.due_shards)
        values = {":pending": to_value(DoseStatus.PENDING.value), ":was": to_value(dose.status.value),
                  ":g1pk": to_value(due_index["GSI1PK"]), ":g1sk": to_value(due_index["GSI1SK"])}
        if dose.logged_at is None:
            same_log = "attribute_not_exists(logged_at)"
        else:
            same_log = "logged_at = :logged_at"
            values[":logged_at"] = to_value(codec.utc_text(dose.logged_at))
        return {
            "TableName": self.table.table_name,
            "Key": to_item({"PK": rec_pk(dose.recipient_id), "SK": dose_sk(dose)}),
            "UpdateExpression": "SET #s = :pending, GSI1PK = :g1pk, GSI1SK = :g1sk"
                                " REMOVE logged_at, #src, GSI2PK, GSI2SK",
            "ConditionExpression": f"attribute_exists(PK) AND #s = :was AND {same_log}",
            "ExpressionAttributeNames": {"#s": "status", "#src": "source"},
            "ExpressionAttributeValues": values,
        }

    def _single_reopen(self, update: dict[str, Any]) -> bool:
        try:
            self.client.update_item(**update)
        except ClientError as exc:
            if self.is_conditional_failure(exc):
                return False
            raise
        return True

    # -- heard names ----------------------------------------------------------------------------------
    def note_heard_name(self, recipient_id: str, heard: str, at: datetime) -> None:
        key = heard_key(heard)
        if not key:
            return
        self.client.update_item(
            TableName=self.table.table_name, Key=to_item({"PK": heard_pk(recipient_id), "SK": key}),
            UpdateExpression="ADD #times :one SET #last = :now, #first = if_not_exists(#first, :now),"
                             " #type = :type, #rid = :rid, #heard = :heard, #ttl = :ttl",
            ExpressionAttributeNames={"#times": "times", "#last": "last_at", "#first": "first_at", "#type": "type",
                                      "#rid": "recipient_id", "#heard": "heard", "#ttl": "expires_at"},
            ExpressionAttributeValues={
                ":one": to_value(1), ":now": to_value(codec.utc_text(at)), ":type": to_value("heard_name"),
                ":rid": to_value(recipient_id), ":heard": to_value(key),
                ":ttl": to_value(int((at + HEARD_KEPT).timestamp()))})

    def list_heard_names(self, recipient_id: str) -> list[HeardName]:
        items = sorted(self.table.query_all(KeyConditionExpression="PK = :pk",
                                            ExpressionAttributeValues={":pk": to_value(heard_pk(recipient_id))}),
                       key=lambda i: str(i["heard"]))
        items.sort(key=lambda i: str(i["last_at"]), reverse=True)  # stable: ties stay in name order
        surplus = items[HEARD_LIMIT:]
        if surplus:
            self.table.batch_write([{"DeleteRequest": {"Key": to_item({"PK": i["PK"], "SK": i["SK"]})}}
                                    for i in surplus])
        return [heard_from_dict(i) for i in items[:HEARD_LIMIT]]

    def forget_heard_name(self, recipient_id: str, heard: str) -> bool:
        key = heard_key(heard)
        if not key:
            return False
        response = self.client.delete_item(TableName=self.table.table_name, ReturnValues="ALL_OLD",
                                           Key=to_item({"PK": heard_pk(recipient_id), "SK": key}))
        return bool(response.get("Attributes"))

