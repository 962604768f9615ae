"""The OAuth area in the single table.

    oauth client    PK=OAUTHCLIENT#<id>     SK=CLIENT
    oauth code      PK=OAUTHCODE#<sha256>   SK=CODE     TTL expires_at (used once: conditional update)
    oauth grant     PK=OAUTHGRANT#<id>      SK=GRANT    GSI2: OAUTHGRANTS#<uid> / <created>#<id>
    token pointer   PK=OAUTHTOKEN#<sha256>  SK=<use>    grant_id; TTL expires_at (kept after rotation, so a
                                                        replayed refresh token still finds its grant)

The grant item holds the live pair; rotation is one conditional update on it (`refresh_hash = :old`), then
the two new pointers are written. A crash between leaves a grant whose new tokens cannot be found: the
client signs in again, and nothing stale ever works.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from skill.domain.oauth import AuthorizationCode, OAuthClient, OAuthGrant, TokenUse
from skill.store import oauth_codec as codec
from skill.store.codec import utc_text
from skill.store.dynamodb.base import DynamoBase
from skill.store.dynamodb.table import from_item, to_item, to_value
from skill.store.oauth import OAuthStore

KEEP = timedelta(days=7)  # records outlive their expiry a little, for investigation, then TTL removes them


def _grant_key(grant_id: str) -> dict[str, Any]:
    return to_item({"PK": f"OAUTHGRANT#{grant_id}", "SK": "GRANT"})


class DynamoOAuth(DynamoBase, OAuthStore):
    def put_oauth_client(self, client: OAuthClient) -> None:
        self.client.put_item(TableName=self.table.table_name, Item=to_item({
            "PK": f"OAUTHCLIENT#{client.client_id}", "SK": "CLIENT", "type": "oauth_client",
            **codec.client_to_dict(client)}), ConditionExpression="attribute_not_exists(PK)")

    def get_oauth_client(self, client_id: str) -> OAuthClient | None:
        item = self.client.get_item(TableName=self.table.table_name, ConsistentRead=True,
                                    Key=to_item({"PK": f"OAUTHCLIENT#{client_id}", "SK": "CLIENT"})).get("Item")
        return codec.client_from_dict(from_item(item)) if item else None

    def put_oauth_code(self, code: AuthorizationCode) -> None:
        self.client.put_item(TableName=self.table.table_name, Item=to_item({
            "PK": f"OAUTHCODE#{code.code_hash}", "SK": "CODE", "type": "oauth_code", **codec.code_to_dict(code),
            "expires_at": int((code.expires_at + KEEP).timestamp())}),
            ConditionExpression="attribute_not_exists(PK)")

    def claim_oauth_code(self, code_hash: str, now: datetime) -> AuthorizationCode | None:
        item = self.claim_once(to_item({"PK": f"OAUTHCODE#{code_hash}", "SK": "CODE"}), now)
        return codec.code_from_dict(item) if item else None

    def _put_pointer(self, token_hash: str, use: TokenUse, grant_id: str, until: datetime) -> None:
        self.client.put_item(TableName=self.table.table_name, Item=to_item({
            "PK": f"OAUTHTOKEN#{token_hash}", "SK": use.value, "type": "oauth_token_pointer", "grant_id": grant_id,
            "expires_at": int((until + KEEP).timestamp())}))

    def create_oauth_grant(self, grant: OAuthGrant) -> None:
        data = codec.grant_to_dict(grant)
        self.client.put_item(TableName=self.table.table_name, Item=to_item({
            "PK": f"OAUTHGRANT#{grant.id}", "SK": "GRANT", "type": "oauth_grant", **data,
            "GSI2PK": f"OAUTHGRANTS#{grant.user_id}", "GSI2SK": f"{data['created_at']}#{grant.id}"}),
            ConditionExpression="attribute_not_exists(PK)")
        self._put_pointer(grant.access_hash, TokenUse.ACCESS, grant.id, grant.refresh_expires_at)
        self._put_pointer(grant.refresh_hash, TokenUse.REFRESH, grant.id, grant.refresh_expires_at)

    def _get_grant(self, grant_id: str) -> OAuthGrant | None:
        item = self.client.get_item(TableName=self.table.table_name, Key=_grant_key(grant_id),
                                    ConsistentRead=True).get("Item")
        return codec.grant_from_dict(from_item(item)) if item else None

    def find_oauth_grant(self, token_hash: str, use: TokenUse) -> OAuthGrant | None:
        item = self.client.get_item(TableName=self.table.table_name, ConsistentRead=True,
                                    Key=to_item({"PK": f"OAUTHTOKEN#{token_hash}", "SK": use.value})).get("Item")
        return self._get_grant(str(from_item(item)["grant_id"])) if item else None

    def rotate_oauth_grant(self, grant_id: str, old_refresh_hash: str, access_hash: str, access_expires_at: datetime,
                           refresh_hash: str, refresh_expires_at: datetime) -> OAuthGrant | None:
        try:
            response = self.client.update_item(
                TableName=self.table.table_name, Key=_grant_key(grant_id),
                UpdateExpression="SET access_hash = :a, access_expires = :ae, refresh_hash = :r,"
                                 " refresh_expires = :re",
                ConditionExpression="attribute_exists(PK) AND refresh_hash = :old AND attribute_not_exists(revoked_at)",
                ExpressionAttributeValues={":a": to_value(access_hash), ":ae": to_value(utc_text(access_expires_at)),
                                           ":r": to_value(refresh_hash),
                                           ":re": to_value(utc_text(refresh_expires_at)),
                                           ":old": to_value(old_refresh_hash)},
                ReturnValues="ALL_NEW")
        except ClientError as exc:
            if self.is_conditional_failure(exc):
                return None
            raise
        self._put_pointer(access_hash, TokenUse.ACCESS, grant_id, refresh_expires_at)
        self._put_pointer(refresh_hash, TokenUse.REFRESH, grant_id, refresh_expires_at)
        return codec.grant_from_dict(from_item(response["Attributes"]))

    def revoke_oauth_grant(self, grant_id: str, now: datetime) -> bool:
        try:
            self.client.update_item(
                TableName=self.table.table_name, Key=_grant_key(grant_id), UpdateExpression="SET revoked_at = :now",
                ConditionExpression="attribute_exists(PK) AND attribute_not_exists(revoked_at)",
                ExpressionAttributeValues={":now": to_value(utc_text(now))})
        except ClientError as exc:
            if self.is_conditional_failure(exc):
                return False
            raise
        return True

    def list_oauth_grants(self, user_id: str) -> list[OAuthGrant]:
        items = self.table.query_all(IndexName="GSI2", KeyConditionExpression="GSI2PK = :p",
                                     ExpressionAttributeValues={":p": to_value(f"OAUTHGRANTS#{user_id}")},
                                     ScanIndexForward=False)
        return [codec.grant_from_dict(i) for i in items]
