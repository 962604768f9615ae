"""The voice area in the DynamoDB table.

Item types (single conditional writes only: dynalite has no transactions):

    alexa link     PK=ALEXA#<user or person id>  SK=LINK      recipient_id, linked_at
    link attempts  PK=ALEXA#<user or person id>  SK=ATTEMPTS  failures, window_start, locked_until, version
                                                              TTL expires_at
    voice state    PK=REC#<rid>                  SK=~VOICE    flags, and one `rt#<key>` map per reminder token

The voice state lives in the recipient's partition so the same Query that reads the person's profile,
medications and doses reads it too: the voice turn's one read.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from skill.domain.voice import (
    LINK_FAILURE_WINDOW,
    LINK_LOCKOUT,
    AlexaLink,
    AttemptRecord,
    LinkAttempts,
    ReminderToken,
    VoiceState,
    validate_followup,
)
from skill.store import codec
from skill.store.dynamodb.base import DynamoBase
from skill.store.dynamodb.core import view_from_partition
from skill.store.dynamodb.table import from_item, rec_pk, to_item, to_value
from skill.store.voice import VoiceStore, VoiceView

VOICE_SK = "~VOICE"
TOKEN_PREFIX = "rt#"  # noqa: S105 - an attribute prefix, not a secret
_ATTEMPT_RETRIES = 5


def alexa_pk(alexa_id: str) -> str:
    return f"ALEXA#{alexa_id}"


def state_from_item(recipient_id: str, item: dict[str, Any] | None) -> VoiceState:
    if not item:
        return VoiceState(recipient_id)
    reminders = {k[len(TOKEN_PREFIX):]: ReminderToken(str(v["token"]), str(v["rule"]))
                 for k, v in item.items() if k.startswith(TOKEN_PREFIX)}
    default = VoiceState(recipient_id)
    return VoiceState(
        recipient_id=recipient_id,
        disclaimer_heard_at=codec.opt_parse_utc(item.get("disclaimer_heard_at")),
        permission_declined_at=codec.opt_parse_utc(item.get("permission_declined_at")),
        device_timezone=item.get("device_timezone") or None,
        device_zone_checked_at=codec.opt_parse_utc(item.get("device_zone_checked_at")),
        followup_minutes=int(item.get("followup_minutes") or default.followup_minutes),
        reminders=reminders,
        name_medicines_in_reminders=item.get("name_medicines_in_reminders") is True,
    )


BACKREF_PREFIX = "~ALEXA#"  # PK=REC#<rid>: which Alexa users/persons are linked to this recipient


class DynamoVoice(DynamoBase, VoiceStore):
    # -- links ----------------------------------------------------------------------------------------
    def get_alexa_link(self, alexa_id: str) -> AlexaLink | None:
        item = self.client.get_item(TableName=self.table.table_name,
                                    Key=to_item({"PK": alexa_pk(alexa_id), "SK": "LINK"})).get("Item")
        if not item:
            return None
        values = from_item(item)
        return AlexaLink(alexa_id, str(values["recipient_id"]), codec.parse_utc(str(values["linked_at"])))

    def put_alexa_link(self, link: AlexaLink) -> None:
        # The back-reference in the recipient's partition is written first and the old one removed last,
        # so a link never exists without it: a turn that guessed the recipient can confirm it in its one read.
        previous = self.get_alexa_link(link.alexa_id)
        self.client.put_item(TableName=self.table.table_name, Item=to_item({
            "PK": rec_pk(link.recipient_id), "SK": BACKREF_PREFIX + link.alexa_id, "type": "alexa_backref",
            "alexa_id": link.alexa_id}))
        self.client.put_item(TableName=self.table.table_name, Item=to_item({
            "PK": alexa_pk(link.alexa_id), "SK": "LINK", "type": "alexa_link",
            "recipient_id": link.recipient_id, "linked_at": codec.utc_text(link.linked_at)}))
        if previous is not None and previous.recipient_id != link.recipient_id:
            self._delete_backref(previous)

    def delete_alexa_link(self, alexa_id: str) -> None:
        previous = self.get_alexa_link(alexa_id)
        self.client.delete_item(TableName=self.table.table_name,
                                Key=to_item({"PK": alexa_pk(alexa_id), "SK": "LINK"}))
        if previous is not None:
            self._delete_backref(previous)

    def _delete_backref(self, link: AlexaLink) -> None:
        self.client.delete_item(TableName=self.table.table_name,
                                Key=to_item({"PK": rec_pk(link.recipient_id), "SK": BACKREF_PREFIX + link.alexa_id}))

    # -- link attempts --------------------------------------------------------------------------------
    def _attempts(self, alexa_id: str) -> tuple[AttemptRecord, int | None]:
        item = self.client.get_item(TableName=self.table.table_name, ConsistentRead=True,
                                    Key=to_item({"PK": alexa_pk(alexa_id), "SK": "ATTEMPTS"})).get("Item")
        if not item:
            return AttemptRecord(), None
        v = from_item(item)
        record = AttemptRecord(int(v["failures"]), codec.opt_parse_utc(v.get("window_start")),
                               codec.opt_parse_utc(v.get("locked_until")))
        return record, int(v["version"])

    def link_attempts(self, alexa_id: str, now: datetime) -> LinkAttempts:
        return self._attempts(alexa_id)[0].effective(now)

    def record_link_failure(self, alexa_id: str, now: datetime) -> LinkAttempts:
        # Optimistic concurrency on a version number: two wrong codes at once both count.
        for _ in range(_ATTEMPT_RETRIES):
            old, version = self._attempts(alexa_id)
            new = old.after_failure(now)
            if new == old:
                return new.effective(now)
            condition: dict[str, Any] = (
                {"ConditionExpression": "attribute_not_exists(PK)"} if version is None else
                {"ConditionExpression": "version = :v", "ExpressionAttributeValues": {":v": to_value(version)}})
            expires = now + LINK_FAILURE_WINDOW + LINK_LOCKOUT + timedelta(days=1)
            try:
                self.client.put_item(TableName=self.table.table_name, Item=to_item({
                    "PK": alexa_pk(alexa_id), "SK": "ATTEMPTS", "type": "link_attempts",
                    "failures": new.failures, "window_start": codec.opt_utc_text(new.window_start),
                    "locked_until": codec.opt_utc_text(new.locked_until), "version": (version or 0) + 1,
                    "expires_at": int(expires.timestamp())}), **condition)
            except ClientError as exc:
                if not self.is_conditional_failure(exc):
                    raise
                continue
            return new.effective(now)
        raise RuntimeError("link attempts kept changing under us")

    def clear_link_failures(self, alexa_id: str) -> None:
        self.client.delete_item(TableName=self.table.table_name,
                                Key=to_item({"PK": alexa_pk(alexa_id), "SK": "ATTEMPTS"}))

    # -- voice state ----------------------------------------------------------------------------------
    def load_voice_view(self, recipient_id: str, since: datetime) -> VoiceView | None:
        # The core's single Query, also keeping the ~VOICE item that lives in the same partition.
        groups = self.recipient_partition(recipient_id, since)
        view = view_from_partition(groups)
        if view is None:
            return None
        voice = groups.get("voice", [None])[0]
        linked = frozenset(str(i["alexa_id"]) for i in groups.get("alexa_backref", []))
        return VoiceView(view=view, state=state_from_item(recipient_id, voice), linked_ids=linked)

    def get_voice_state(self, recipient_id: str) -> VoiceState:
        item = self.client.get_item(TableName=self.table.table_name,
                                    Key=to_item({"PK": rec_pk(recipient_id), "SK": VOICE_SK})).get("Item")
        return state_from_item(recipient_id, from_item(item) if item else None)

    def _set(self, recipient_id: str, name: str, value: Any) -> None:
        key = to_item({"PK": rec_pk(recipient_id), "SK": VOICE_SK})
        if value is None:
            self.client.update_item(TableName=self.table.table_name, Key=key,
                                    UpdateExpression="SET #t = :t REMOVE #n",
                                    ExpressionAttributeNames={"#n": name, "#t": "type"},
                                    ExpressionAttributeValues={":t": to_value("voice")})
            return
        self.client.update_item(TableName=self.table.table_name, Key=key,
                                UpdateExpression="SET #n = :v, #t = :t",
                                ExpressionAttributeNames={"#n": name, "#t": "type"},
                                ExpressionAttributeValues={":v": to_value(value), ":t": to_value("voice")})

    def mark_disclaimer_heard(self, recipient_id: str, at: datetime) -> None:
        self._set(recipient_id, "disclaimer_heard_at", codec.utc_text(at))

    def set_permission_declined(self, recipient_id: str, at: datetime | None) -> None:
        self._set(recipient_id, "permission_declined_at", codec.opt_utc_text(at))

    def set_device_timezone(self, recipient_id: str, device_timezone: str | None,
                            checked_at: datetime | None = None) -> None:
        if checked_at is None:
            self._set(recipient_id, "device_timezone", device_timezone)
            return
        sets, values = ["#c = :c", "#t = :t"], {":c": to_value(codec.utc_text(checked_at)), ":t": to_value("voice")}
        if device_timezone is not None:
            sets.append("#z = :z")
            values[":z"] = to_value(device_timezone)
        self.client.update_item(
            TableName=self.table.table_name, Key=to_item({"PK": rec_pk(recipient_id), "SK": VOICE_SK}),
            UpdateExpression="SET " + ", ".join(sets) + ("" if device_timezone is not None else " REMOVE #z"),
            ExpressionAttributeNames={"#c": "device_zone_checked_at", "#z": "device_timezone", "#t": "type"},
            ExpressionAttributeValues=values)

    def set_followup_minutes(self, recipient_id: str, minutes: int) -> None:
        self._set(recipient_id, "followup_minutes", validate_followup(minutes))

    def set_name_medicines_in_reminders(self, recipient_id: str, name_them: bool) -> None:
        self._set(recipient_id, "name_medicines_in_reminders", bool(name_them))

    def put_reminder_token(self, recipient_id: str, key: str, token: ReminderToken) -> None:
        self._set(recipient_id, TOKEN_PREFIX + key, {"token": token.token, "rule": token.rule})

    def delete_reminder_token(self, recipient_id: str, key: str) -> None:
        self._set(recipient_id, TOKEN_PREFIX + key, None)
