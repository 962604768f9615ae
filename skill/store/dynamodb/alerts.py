"""The alerts area in the DynamoDB table.

Item types (beside the core's, see table.py):

    contact          PK=ALERTS#<rid>  SK=CONTACT#<cid>
    outbox row       PK=ALERTS#<rid>  SK=OUTBOX#<dose>#<kind>#<cid>
                     GSI2 (open rows only): OUTBOX#<shard> / <next attempt utc>#<key>
                     TTL expires_at once closed (sent, failed, cancelled)
    missed dose      the core's dose item, plus while watched
                     GSI2: MISSED#<shard> / <missed utc>#<rid>#<dose>
    sweep checkpoint PK=SWEEP  SK=CHECKPOINT

Marking a dose missed and recording its alerts is one TransactWriteItems: the dose's conditional status
change (pending -> missed, which also starts the watch), the rollup's count of it (rollup_items.py) and
one put-if-absent per outbox row. Either all
happen or none, so there is nothing to repair afterwards; a sweep that loses the race writes nothing.
An outbox row that already exists (the same key recorded earlier) would cancel the transaction, so the
transaction is repeated without it: recording a key twice stays a no-op, never a second alert.
(Releases before this one kept the alerts inside the dose item as `pending_alerts` until fanned out;
`watched_doses` still fans out any such item it meets, once, so an upgrade loses no alert.)

Why not one item holding all of a dose's alerts: each row is claimed, retried and closed on its own, and
the due-alert index orders rows by their own next attempt; a transaction keeps both without a repair step.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from skill.domain.alerts import DeliveryState, OutboxItem
from skill.domain.models import Contact, Dose, DoseStatus
from skill.store import alerts_codec as alert_codec
from skill.store import codec
from skill.store.alerts import AlertStore, WatchedDose
from skill.store.bad_rows import decode_each
from skill.store.dynamodb.base import TRANSACT_MAX_ITEMS, DynamoBase
from skill.store.dynamodb.core import dose_sk
from skill.store.dynamodb.rollup_items import (
    CONTACT_IDS,
    CONTACTS_FLAG,
    CONTACTS_VERSION,
    DAYS,
    RANK,
    counts_update,
    rank_sort_key,
    rollup_pk,
    tz_name,
)
from skill.store.dynamodb.table import from_item, rec_pk, to_item, to_value
from skill.store.rollups import SweepPerson, apply_changes, changes_for, oldest_kept, rank_value

SHARDS = 4  # spreads a burst of alerts (8 am) over several index partitions; each sweep reads all four
CLOSED_ROW_LIFETIME = timedelta(days=90)
CONTACT_PREFIX = "CONTACT#"
OUTBOX_PREFIX = "OUTBOX#"
CHECKPOINT_KEY = {"PK": "SWEEP", "SK": "CHECKPOINT"}


class _CountsMoved(Exception):
    """The day counts changed after the sweep read them: a rank computed from that read would be wrong."""


def alerts_pk(recipient_id: str) -> str:
    return f"ALERTS#{recipient_id}"


def _shard(text: str) -> int:
    return zlib.crc32(text.encode()) % SHARDS


def _outbox_item(item: OutboxItem, now: datetime) -> dict[str, Any]:
    values: dict[str, Any] = {
        "PK": alerts_pk(item.recipient_id), "SK": OUTBOX_PREFIX + item.key, "type": "alert",
        "subject_id": item.subject_id, "state": item.state.value, "attempts_n": len(item.attempts),
        "next_at": codec.utc_text(item.next_attempt_at), "created_at": codec.utc_text(item.created_at),
        "data": json.dumps(alert_codec.outbox_to_dict(item)),
    }
    if item.state.open:
        values["GSI2PK"] = f"OUTBOX#{_shard(item.key)}"
        values["GSI2SK"] = f"{values['next_at']}#{item.key}"
    else:
        values["expires_at"] = int((now + CLOSED_ROW_LIFETIME).timestamp())
    return values


def _row(values: dict[str, Any]) -> OutboxItem:
    return alert_codec.outbox_from_dict(json.loads(values["data"]))


def _row_id(values: dict[str, Any]) -> str:
    """An outbox row's key: dose id, kind and contact id (no health data)."""
    return str(values.get("SK"))


class DynamoAlerts(DynamoBase, AlertStore):
    def _conditional(self, **kwargs: Any) -> bool:
        """One conditional write: False when its condition did not hold."""
        operation = kwargs.pop("operation")
        try:
            getattr(self.client, operation)(TableName=self.table.table_name, **kwargs)
        except ClientError as exc:
            if self.is_conditional_failure(exc):
                return False
            raise
        return True

    # -- contacts -----------------------------------------------------------------------------------
    def _days_key(self, recipient_id: str) -> dict[str, Any]:
        return to_item({"PK": rollup_pk(recipient_id), "SK": DAYS})

    def put_contact(self, contact: Contact) -> None:
        """The contact and the person's contact flag (set, version bumped, the id added to `contact_ids`) in
        one transaction, so the sweep never sees a contact whose flag says none (without transactions: the
        flag first). The id list is only ever started when it can be complete (the person had no contacts);
        a person whose contacts predate it keeps having them read by query."""
        put = {"TableName": self.table.table_name, "Item": to_item({
            "PK": alerts_pk(contact.recipient_id), "SK": CONTACT_PREFIX + contact.id, "type": "contact",
            **alert_codec.contact_to_dict(contact)})}
        untracked: dict[str, Any] = {
            "TableName": self.table.table_name, "Key": self._days_key(contact.recipient_id),
            "UpdateExpression": "SET #f = :yes, #t = if_not_exists(#t, :type) ADD #v :one",
            "ExpressionAttributeNames": {"#f": CONTACTS_FLAG, "#v": CONTACTS_VERSION, "#t": "type"},
            "ExpressionAttributeValues": {":yes": {"BOOL": True}, ":one": to_value(1),
                                          ":type": to_value("rollup_days")}}
        flag = {**untracked, "UpdateExpression": untracked["UpdateExpression"] + ", #ids :id",
                "ConditionExpression": "attribute_exists(#ids) OR attribute_not_exists(#f) OR #f = :no",
                "ExpressionAttributeNames": {**untracked["ExpressionAttributeNames"], "#ids": CONTACT_IDS},
                "ExpressionAttributeValues": {**untracked["ExpressionAttributeValues"], ":no": {"BOOL": False},
                                              ":id": {"SS": [contact.id]}}}
        for attempt in range(1_000):
            if getattr(self, "transactions_unsupported", False):
                try:
                    self.client.update_item(**flag)
                except ClientError as exc:
                    if not self.is_conditional_failure(exc):
                        raise
                    self.client.update_item(**untracked)
                self.client.put_item(**put)
                return
            try:
                cancelled = self.transact([{"Put": put}, {"Update": flag}])
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") != "UnknownOperationException":
                    raise
                self.transactions_unsupported = True
                continue
            if cancelled is None:
                return
            if cancelled[1].code == "ConditionalCheckFailed":
                flag = untracked  # contacts from before the id list: leave it unstarted
                continue
            self.backoff(attempt)  # a conflict with another transaction in flight: try again
        raise RuntimeError("contact write kept conflicting")

    def _refresh_contacts_flag(self, recipient_id: str, removed: str) -> None:
        """After a removal: its id leaves `contact_ids`, and the flag says whether any contact is left, unless
        a contact was added meanwhile (the version moved), in which case it is read again. A flag left True
        only costs the sweep a read."""
        names = {"#f": CONTACTS_FLAG, "#v": CONTACTS_VERSION, "#ids": CONTACT_IDS}
        for attempt in range(1_000):
            item = self.client.get_item(TableName=self.table.table_name, Key=self._days_key(recipient_id),
                                        ConsistentRead=True, ProjectionExpression="#v",
                                        ExpressionAttributeNames={"#v": CONTACTS_VERSION}).get("Item") or {}
            left = self.client.query(
                TableName=self.table.table_name, ConsistentRead=True, Select="COUNT", Limit=1,
                KeyConditionExpression="PK = :pk AND begins_with(SK, :c)",
                ExpressionAttributeValues={":pk": to_value(alerts_pk(recipient_id)),
                                           ":c": to_value(CONTACT_PREFIX)})["Count"]
            values: dict[str, Any] = {":has": {"BOOL": bool(left)}, ":gone": {"SS": [removed]}}
            if CONTACTS_VERSION in item:
                condition = "#v = :seen"
                values[":seen"] = item[CONTACTS_VERSION]
            else:
                condition = "attribute_not_exists(#v)"
            if self._conditional(operation="update_item", Key=self._days_key(recipient_id),
                                 UpdateExpression="SET #f = :has DELETE #ids :gone", ConditionExpression=condition,
                                 ExpressionAttributeNames=names, ExpressionAttributeValues=values):
                return
            self.backoff(attempt)

    def contacts_of(self, known: Mapping[str, frozenset[str]]) -> dict[str, list[Contact]]:
        """BatchGetItem by key (100 a request) instead of a Query a person."""
        keys = [to_item({"PK": alerts_pk(rid), "SK": CONTACT_PREFIX + cid})
                for rid, ids in known.items() for cid in sorted(ids)]
        found: dict[str, list[Contact]] = {rid: [] for rid in known}
        for item in self._batch_get(keys):
            contact = alert_codec.contact_from_dict(from_item(item))
            found.setdefault(contact.recipient_id, []).append(contact)
        return {rid: sorted(contacts, key=lambda c: (c.priority, c.created_at, c.id))
                for rid, contacts in found.items()}

    def list_contacts(self, recipient_id: str) -> list[Contact]:
        contacts = [alert_codec.contact_from_dict(i) for i in self.table.query_all(
            KeyConditionExpression="PK = :pk AND begins_with(SK, :c)",
            ExpressionAttributeValues={":pk": to_value(alerts_pk(recipient_id)),
                                       ":c": to_value(CONTACT_PREFIX)})]
        return sorted(contacts, key=lambda c: (c.priority, c.created_at, c.id))

    def delete_contact(self, recipient_id: str, contact_id: str) -> bool:
        key = to_item({"PK": alerts_pk(recipient_id), "SK": CONTACT_PREFIX + contact_id})
        deleted = self._conditional(operation="delete_item", ConditionExpression="attribute_exists(PK)", Key=key)
        if deleted:
            self._refresh_contacts_flag(recipient_id, contact_id)
        return deleted

    # -- the sweep ----------------------------------------------------------------------------------
    def sweep_checkpoint(self) -> datetime | None:
        item = self.client.get_item(TableName=self.table.table_name, Key=to_item(CHECKPOINT_KEY),
                                    ConsistentRead=True).get("Item")
        return codec.parse_utc(from_item(item)["swept_until"]) if item else None

    def advance_sweep_checkpoint(self, to: datetime) -> None:
        self._conditional(
            operation="update_item", Key=to_item(CHECKPOINT_KEY), UpdateExpression="SET swept_until = :to",
            ConditionExpression="attribute_not_exists(swept_until) OR swept_until < :to",
            ExpressionAttributeValues={":to": to_value(codec.utc_text(to))})

    def _dose_key(self, dose: Dose) -> dict[str, Any]:
        return to_item({"PK": rec_pk(dose.recipient_id), "SK": dose_sk(dose)})

    def mark_missed_with_alerts(self, dose: Dose, alerts: Sequence[OutboxItem], now: datetime,
                                person: SweepPerson | None = None) -> bool:
        """With `person` (their day counts as the sweep read them, and the version read), the person's new
        rank travels in the same transaction, the counts conditioned on that version: no re-ranking writes
        afterwards. If the counts moved since the read, the miss is written as before, marking the rank stale."""
        if person is not None and person.version is not None and person.rollup is not None \
                and not getattr(self, "transactions_unsupported", False):
            try:
                return self._mark_missed(dose, alerts, now, person)
            except _CountsMoved:
                pass
        return self._mark_missed(dose, alerts, now, None)

    def _mark_missed(self, dose: Dose, alerts: Sequence[OutboxItem], now: datetime,
                     person: SweepPerson | None) -> bool:
        missed_at = codec.utc_text(now)
        update = {
            "TableName": self.table.table_name, "Key": self._dose_key(dose),
            "UpdateExpression": "SET #s = :missed, missed_at = :at, GSI2PK = :wpk, GSI2SK = :wsk"
                                " REMOVE GSI1PK, GSI1SK",
            "ConditionExpression": "#s = :pending", "ExpressionAttributeNames": {"#s": "status"},
            "ExpressionAttributeValues": {
                ":missed": to_value("missed"), ":pending": to_value("pending"), ":at": to_value(missed_at),
                ":wpk": to_value(f"MISSED#{_shard(dose.id)}"),
                ":wsk": to_value(f"{missed_at}#{dose.recipient_id}#{dose.id}")},
        }
        changes = changes_for(dose, DoseStatus.PENDING, DoseStatus.MISSED)
        counted = counts_update(self.table.table_name, self._days_key(dose.recipient_id), dose.recipient_id,
                                changes, None, tz_name(dose.scheduled_local), stale=person is None)
        if person is None or person.rollup is None or person.version is None:
            return self._write_with_alerts(update, alerts, now, also=[counted])
        # The rank as of the counts after this miss; the counts' stale mark (a log's) goes: the rank is current.
        recipient = person.recipient
        days = apply_changes(person.rollup.days, changes, oldest_kept(now, recipient))
        rank = rank_value(days, now.astimezone(recipient.tz).date())
        counted["UpdateExpression"] += " REMOVE GSI2PK, GSI2SK"
        counted["ConditionExpression"] = "v = :seen"
        counted["ExpressionAttributeValues"][":seen"] = to_value(person.version)
        ranked = {"TableName": self.table.table_name, "Key": to_item({"PK": rollup_pk(recipient.id), "SK": RANK}),
                  "UpdateExpression": "SET GSI2SK = :k, v = :v, as_of = :at",
                  "ConditionExpression": "attribute_exists(GSI2PK) AND (attribute_not_exists(v) OR v < :v)",
                  "ExpressionAttributeValues": {
                      ":k": to_value(rank_sort_key(rank, recipient.id, recipient.display_name.casefold())),
                      ":v": to_value(person.version + 1), ":at": to_value(now.isoformat())}}
        return self._write_with_alerts(update, alerts, now, also=[counted, ranked])

    def _write_with_alerts(self, update: dict[str, Any], alerts: Sequence[OutboxItem], now: datetime,
                           also: Sequence[dict[str, Any]] = ()) -> bool:
        """A conditional UpdateItem, unconditional Updates `also` (the rollup's count) and its alerts' outbox
        rows, all or nothing: True when it applied.

        Nothing beside the update: one UpdateItem. Otherwise one TransactWriteItems (repeated without any
        row that turns out to exist already, and after a conflict with another transaction in flight). A
        server without transactions (dynalite) gets the update, then `also`, as single writes.
        """
        single = {k: v for k, v in update.items() if k != "TableName"}
        if not alerts and (not also or getattr(self, "transactions_unsupported", False)):
            applied = self._conditional(operation="update_item", **single)
            for extra in also if applied else ():
                self.client.update_item(**extra)
            return applied
        if len(alerts) + len(also) >= TRANSACT_MAX_ITEMS:
            raise ValueError(f"{len(alerts)} alerts for one dose: a transaction holds {TRANSACT_MAX_ITEMS - 1}")
        rows = list(alerts)
        attempt = 0
        while True:
            try:
                cancelled = self.transact([{"Update": update}, *({"Update": u} for u in also), *(
                    {"Put": {"TableName": self.table.table_name, "Item": to_item(_outbox_item(a, now)),
                             "ConditionExpression": "attribute_not_exists(PK)"}} for a in rows)])
            except ClientError as exc:
                if rows or exc.response.get("Error", {}).get("Code") != "UnknownOperationException":
                    raise
                self.transactions_unsupported = True
                return self._write_with_alerts(update, rows, now, also)
            if cancelled is None:
                return True
            if cancelled[0].failed_condition:  # not ours to change (another sweep, a log): nothing written
                return False
            if any(why.failed_condition for why in cancelled[1:1 + len(also)]):
                raise _CountsMoved  # the rank we computed is out of date: the caller writes without it
            present = {a.key for a, why in zip(rows, cancelled[1 + len(also):], strict=True) if why.failed_condition}
            if present:
                rows = [a for a in rows if a.key not in present]
                if not rows:
                    return self._write_with_alerts(update, [], now, also)
                continue
            self.backoff(attempt)
            attempt += 1

    def _watched_items(self) -> Iterator[dict[str, Any]]:
        for shard in range(SHARDS):
            yield from self.table.query_all(
                IndexName="GSI2", KeyConditionExpression="GSI2PK = :p",
                ExpressionAttributeValues={":p": to_value(f"MISSED#{shard}")})

    def watched_doses(self, limit: int = 1000) -> list[WatchedDose]:
        items = list(self._watched_items())
        for values in items:
            if "pending_alerts" in values:
                self._fan_out_legacy(values)
        found = decode_each(items, lambda v: WatchedDose(dose=codec.dose_from_dict(v),
                                                          missed_at=codec.parse_utc(v["missed_at"])),
                            lambda v: str(v.get("SK")), "watched dose")
        found.sort(key=lambda w: w.missed_at)
        return found[:limit]

    def _fan_out_legacy(self, values: dict[str, Any]) -> None:
        """Upgrade path only: a dose an older release marked missed with its alerts kept inside it."""
        recorded = [alert_codec.outbox_from_dict(d) for d in json.loads(values["pending_alerts"])]
        self._put_alerts(recorded, codec.parse_utc(values["missed_at"]))
        self._conditional(operation="update_item", Key=to_item({"PK": values["PK"], "SK": values["SK"]}),
                          UpdateExpression="REMOVE pending_alerts",
                          ConditionExpression="attribute_exists(pending_alerts)")

    def settle_watch(self, dose: Dose, alerts: Sequence[OutboxItem]) -> bool:
        now = alerts[0].created_at if alerts else datetime.now().astimezone()
        return self._write_with_alerts({
            "TableName": self.table.table_name, "Key": self._dose_key(dose),
            "UpdateExpression": "REMOVE GSI2PK, GSI2SK", "ConditionExpression": "begins_with(GSI2PK, :m)",
            "ExpressionAttributeValues": {":m": to_value("MISSED#")}}, alerts, now)

    # -- the outbox ---------------------------------------------------------------------------------
    def _put_alerts(self, alerts: Sequence[OutboxItem], now: datetime) -> int:
        return sum(self._conditional(operation="put_item", Item=to_item(_outbox_item(a, now)),
                                     ConditionExpression="attribute_not_exists(PK)") for a in alerts)

    def enqueue_alerts(self, alerts: Sequence[OutboxItem]) -> int:
        return self._put_alerts(alerts, alerts[0].created_at if alerts else datetime.now().astimezone())

    def alerts_about(self, recipient_id: str, subject_id: str) -> list[OutboxItem]:
        return [_row(i) for i in self.table.query_all(
            KeyConditionExpression="PK = :pk AND begins_with(SK, :o)",
            ExpressionAttributeValues={":pk": to_value(alerts_pk(recipient_id)),
                                       ":o": to_value(f"{OUTBOX_PREFIX}{subject_id}#")})]

    def due_alerts(self, now: datetime, limit: int = 500) -> list[OutboxItem]:
        upper = codec.utc_text(now + timedelta(seconds=1))  # next_at <= now, at the stored 1 s resolution
        found: list[OutboxItem] = []
        for shard in range(SHARDS):
            found.extend(decode_each(self.table.query_all(
                IndexName="GSI2", KeyConditionExpression="GSI2PK = :p AND GSI2SK < :u", Limit=limit,
                ExpressionAttributeValues={":p": to_value(f"OUTBOX#{shard}"), ":u": to_value(upper)}),
                _row, _row_id, "outbox"))
        found.sort(key=lambda i: (i.next_attempt_at, i.key))
        return found[:limit]

    def _update_row(self, item: OutboxItem, now: datetime, condition: str, values: dict[str, Any]) -> bool:
        new = _outbox_item(item, now)
        sets = ["#s = :state", "next_at = :next", "attempts_n = :n", "#d = :data"]
        removes: list[str] = []
        attr = {":state": to_value(new["state"]), ":next": to_value(new["next_at"]),
                ":n": to_value(new["attempts_n"]), ":data": to_value(new["data"]), **values}
        if item.state.open:
            sets.append("GSI2SK = :g")
            attr[":g"] = to_value(new["GSI2SK"])
        else:
            sets.append("expires_at = :exp")
            attr[":exp"] = to_value(new["expires_at"])
            removes = ["GSI2PK", "GSI2SK"]
        expression = "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else "")
        return self._conditional(
            operation="update_item", Key=to_item({"PK": new["PK"], "SK": new["SK"]}),
            UpdateExpression=expression, ConditionExpression=condition,
            ExpressionAttributeNames={"#s": "state", "#d": "data"}, ExpressionAttributeValues=attr)

    def claim_alert(self, item: OutboxItem, now: datetime, lease_until: datetime) -> OutboxItem | None:
        claimed = replace(item, state=DeliveryState.SENDING, next_attempt_at=lease_until)
        ok = self._update_row(
            claimed, now, "#s IN (:pending, :sending) AND next_at <= :now AND attempts_n = :seen",
            {":pending": to_value("pending"), ":sending": to_value("sending"),
             ":now": to_value(codec.utc_text(now)), ":seen": to_value(len(item.attempts))})
        return claimed if ok else None

    def record_attempt(self, item: OutboxItem) -> None:
        at = item.attempts[-1].at if item.attempts else item.created_at
        self._update_row(item, at, "#s = :sending", {":sending": to_value("sending")})

    def cancel_alert(self, item: OutboxItem, now: datetime) -> bool:
        cancelled = replace(item, state=DeliveryState.CANCELLED, next_attempt_at=now)
        return self._update_row(cancelled, now, "#s = :pending AND attempts_n = :seen",
                                {":pending": to_value("pending"), ":seen": to_value(len(item.attempts))})

    def list_alerts(self, recipient_id: str | None = None, limit: int = 200) -> list[OutboxItem]:
        if recipient_id is None:  # every recipient's history would need a Scan: list what is still open
            rows = [i for shard in range(SHARDS) for i in self.table.query_all(
                IndexName="GSI2", KeyConditionExpression="GSI2PK = :p",
                ExpressionAttributeValues={":p": to_value(f"OUTBOX#{shard}")})]
        else:
            rows = list(self.table.query_all(
                KeyConditionExpression="PK = :pk AND begins_with(SK, :o)",
                ExpressionAttributeValues={":pk": to_value(alerts_pk(recipient_id)),
                                           ":o": to_value(OUTBOX_PREFIX)}))
        items = decode_each(rows, _row, _row_id, "outbox")
        items.sort(key=lambda i: (i.created_at, i.key), reverse=True)
        return items[:limit]
