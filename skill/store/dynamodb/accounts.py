"""The accounts area in the DynamoDB table.

Item types (each a single conditional write; dynalite has no transactions):

    user            PK=USER#<uid>       SK=USER        GSI2: USERS#<org> / <email>
    email pointer   PK=EMAIL#<email>    SK=EMAIL       (written first, attribute_not_exists: emails are unique)
    access token    PK=TOKEN#<hash>     SK=TOKEN       GSI2: TOKENS#<uid> / <created>#<hash>
    invitation      PK=INVITE#<hash>    SK=INVITE      TTL expires_at
    password reset  PK=RESET#<hash>     SK=RESET       TTL expires_at
    audit entry     PK=AUDIT#<rid>      SK=<when>#<id>

Audit entries live in their own partition, not under REC#<rid>, so the voice turn's single read of a
person's partition never drags the audit trail along.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from skill.domain.accounts import AccessToken, AuditEntry, Invitation, PasswordReset, User
from skill.domain.errors import ConflictError
from skill.store import accounts_codec as codec
from skill.store.accounts import AccountStore
from skill.store.codec import utc_text
from skill.store.dynamodb.base import DynamoBase
from skill.store.dynamodb.table import from_item, to_item, to_value

INVITATION_KEEP = timedelta(days=30)  # used or expired invitations linger this long before TTL removes them
RESET_KEEP = timedelta(days=1)  # likewise reset links


def _reset_key(token_hash: str) -> dict[str, Any]:
    return to_item({"PK": f"RESET#{token_hash}", "SK": "RESET"})


def _user_key(user_id: str) -> dict[str, Any]:
    return to_item({"PK": f"USER#{user_id}", "SK": "USER"})


def _user(values: dict[str, Any]) -> User:
    values["recipient_ids"] = list(values.get("recipient_ids") or ())
    return codec.user_from_dict(values)


class DynamoAccounts(DynamoBase, AccountStore):
    # -- users --------------------------------------------------------------------------------------
    def create_user(self, user: User) -> None:
        name = self.table.table_name
        try:
            self.client.put_item(TableName=name, Item=to_item({
                "PK": f"EMAIL#{user.email}", "SK": "EMAIL", "type": "email", "user_id": user.id}),
                ConditionExpression="attribute_not_exists(PK)")
        except ClientError as exc:
            if self.is_conditional_failure(exc):
                raise ConflictError("an account with that email already exists") from exc
            raise
        data = codec.user_to_dict(user)
        rids = data.pop("recipient_ids")
        item = {"PK": f"USER#{user.id}", "SK": "USER", "type": "user", **data,
                "GSI2PK": f"USERS#{user.organisation}", "GSI2SK": user.email}
        if rids:
            item["recipient_ids"] = set(rids)
        self.client.put_item(TableName=name, Item=to_item(item))

    def get_user(self, user_id: str) -> User | None:
        item = self.client.get_item(TableName=self.table.table_name, Key=_user_key(user_id),
                                    ConsistentRead=True).get("Item")
        return _user(from_item(item)) if item else None

    def get_user_by_email(self, email: str) -> User | None:
        item = self.client.get_item(TableName=self.table.table_name,
                                    Key=to_item({"PK": f"EMAIL#{email.strip().casefold()}", "SK": "EMAIL"}),
                                    ConsistentRead=True).get("Item")
        if not item:
            return None
        user = self.get_user(str(from_item(item)["user_id"]))
        return user if user is not None and user.email == email.strip().casefold() else None

    def list_users(self, organisation: str) -> list[User]:
        items = self.table.query_all(IndexName="GSI2", KeyConditionExpression="GSI2PK = :p",
                                     ExpressionAttributeValues={":p": to_value(f"USERS#{organisation}")})
        return [_user(i) for i in items]

    def _update_user(self, user_id: str, expression: str, values: dict[str, Any]) -> dict[str, Any] | None:
        try:
            response = self.client.update_item(
                TableName=self.table.table_name, Key=_user_key(user_id), UpdateExpression=expression,
                ConditionExpression="attribute_exists(PK)",
                ExpressionAttributeValues={k: to_value(v) for k, v in values.items()}, ReturnValues="ALL_NEW")
        except ClientError as exc:
            if self.is_conditional_failure(exc):
                return None
            raise
        return from_item(response["Attributes"])

    def set_password_hash(self, user_id: str, password_hash: str) -> None:
        self._update_user(user_id, "SET password_hash = :h", {":h": password_hash})

    def end_sessions(self, user_id: str) -> int | None:
        values = self._update_user(user_id, "ADD session_version :one", {":one": 1})
        return int(values["session_version"]) if values is not None else None

    def link_recipient(self, user_id: str, recipient_id: str) -> bool:
        return self._update_user(user_id, "ADD recipient_ids :r", {":r": {recipient_id}}) is not None

    def unlink_recipient(self, user_id: str, recipient_id: str) -> bool:
        return self._update_user(user_id, "DELETE recipient_ids :r", {":r": {recipient_id}}) is not None

    # -- sign-in failures ---------------------------------------------------------------------------
    def record_login_failure(self, user_id: str, lock_after: int, locked_until: datetime) -> User | None:
        values = self._update_user(user_id, "ADD failed_logins :one", {":one": 1})
        if values is None:
            return None
        if int(values.get("failed_logins") or 0) >= lock_after:
            values = self._update_user(user_id, "SET failed_logins = :zero, locked_until = :until",
                                       {":zero": 0, ":until": utc_text(locked_until)})
            if values is None:
                return None
        return _user(values)

    def clear_login_failures(self, user_id: str) -> None:
        self._update_user(user_id, "SET failed_logins = :zero REMOVE locked_until", {":zero": 0})

    # -- personal access tokens ---------------------------------------------------------------------
    def put_token(self, token: AccessToken) -> None:
        data = codec.token_to_dict(token)
        self.client.put_item(TableName=self.table.table_name, Item=to_item({
            "PK": f"TOKEN#{token.token_hash}", "SK": "TOKEN", "type": "token", **data,
            "GSI2PK": f"TOKENS#{token.user_id}", "GSI2SK": f"{data['created_at']}#{token.token_hash}"}),
            ConditionExpression="attribute_not_exists(PK)")

    def get_token(self, token_hash: str) -> AccessToken | None:
        item = self.client.get_item(TableName=self.table.table_name,
                                    Key=to_item({"PK": f"TOKEN#{token_hash}", "SK": "TOKEN"}),
                                    ConsistentRead=True).get("Item")
        return codec.token_from_dict(from_item(item)) if item else None

    def list_tokens(self, user_id: str) -> list[AccessToken]:
        items = self.table.query_all(IndexName="GSI2", KeyConditionExpression="GSI2PK = :p",
                                     ExpressionAttributeValues={":p": to_value(f"TOKENS#{user_id}")})
        return [codec.token_from_dict(i) for i in items]

    def delete_token(self, user_id: str, token_hash: str) -> bool:
        try:
            self.client.delete_item(TableName=self.table.table_name,
                                    Key=to_item({"PK": f"TOKEN#{token_hash}", "SK": "TOKEN"}),
                                    ConditionExpression="user_id = :u",
                                    ExpressionAttributeValues={":u": to_value(user_id)})
        except ClientError as exc:
            if self.is_conditional_failure(exc):
                return False
            raise
        return True

    # -- invitations --------------------------------------------------------------------------------
    def put_invitation(self, invitation: Invitation) -> None:
        data = codec.invitation_to_dict(invitation)
        item: dict[str, Any] = {"PK": f"INVITE#{invitation.token_hash}", "SK": "INVITE", "type": "invitation",
                                **data, "expires_at": int((invitation.expires_at + INVITATION_KEEP).timestamp())}
        self.client.put_item(TableName=self.table.table_name, Item=to_item(item),
                             ConditionExpression="attribute_not_exists(PK)")

    def get_invitation(self, token_hash: str) -> Invitation | None:
        item = self.client.get_item(TableName=self.table.table_name,
                                    Key=to_item({"PK": f"INVITE#{token_hash}", "SK": "INVITE"}),
                                    ConsistentRead=True).get("Item")
        return codec.invitation_from_dict(from_item(item)) if item else None

    def claim_invitation(self, token_hash: str, now: datetime) -> Invitation | None:
        item = self.claim_once(to_item({"PK": f"INVITE#{token_hash}", "SK": "INVITE"}), now)
        return codec.invitation_from_dict(item) if item else None

    # -- password resets ---------------------------------------------------------------------------
    def put_password_reset(self, reset: PasswordReset) -> None:
        item: dict[str, Any] = {"PK": f"RESET#{reset.token_hash}", "SK": "RESET", "type": "password_reset",
                                **codec.reset_to_dict(reset),
                                "expires_at": int((reset.expires_at + RESET_KEEP).timestamp())}
        self.client.put_item(TableName=self.table.table_name, Item=to_item(item),
                             ConditionExpression="attribute_not_exists(PK)")

    def get_password_reset(self, token_hash: str) -> PasswordReset | None:
        item = self.client.get_item(TableName=self.table.table_name, Key=_reset_key(token_hash),
                                    ConsistentRead=True).get("Item")
        return codec.reset_from_dict(from_item(item)) if item else None

    def claim_password_reset(self, token_hash: str, now: datetime) -> PasswordReset | None:
        item = self.claim_once(_reset_key(token_hash), now)
        return codec.reset_from_dict(item) if item else None

    # -- audit log ----------------------------------------------------------------------------------
    def append_audit(self, entry: AuditEntry) -> None:
        data = codec.audit_to_dict(entry)
        self.client.put_item(TableName=self.table.table_name, Item=to_item({
            "PK": f"AUDIT#{entry.recipient_id}", "SK": f"{data['when']}#{entry.id}", "type": "audit", **data}))

    def list_audit(self, recipient_id: str, limit: int = 100) -> list[AuditEntry]:
        response = self.client.query(
            TableName=self.table.table_name, KeyConditionExpression="PK = :p",
            ExpressionAttributeValues={":p": to_value(f"AUDIT#{recipient_id}")},
            ScanIndexForward=False, Limit=limit)
        return [codec.audit_from_dict(from_item(i)) for i in response.get("Items", [])]
