"""Calendar-feed tokens in the single table.

    feed token   PK=FEED#<sha256>  SK=FEED      recipient_id, created_at
    feed pointer PK=REC#<rid>      SK=~FEED     token_hash, created_at

Without transactions (dynalite has none) the writes are ordered to fail closed: the old token item is
deleted before the new one is written, so a crash in between leaves no working URL rather than two.
"""

from __future__ import annotations

from datetime import datetime

from skill.store import codec
from skill.store.dynamodb.base import DynamoBase
from skill.store.dynamodb.table import from_item, rec_pk, to_item
from skill.store.feeds import FeedStore

POINTER = "~FEED"


def _token_key(token_hash: str) -> dict[str, object]:
    return to_item({"PK": f"FEED#{token_hash}", "SK": "FEED"})


class DynamoFeeds(DynamoBase, FeedStore):
    def _pointer(self, recipient_id: str) -> dict[str, object] | None:
        item = self.client.get_item(TableName=self.table.table_name, ConsistentRead=True,
                                    Key=to_item({"PK": rec_pk(recipient_id), "SK": POINTER})).get("Item")
        return from_item(item) if item else None

    def put_feed_token(self, recipient_id: str, token_hash: str, created_at: datetime) -> None:
        old = self._pointer(recipient_id)
        if old is not None:
            self.client.delete_item(TableName=self.table.table_name, Key=_token_key(str(old["token_hash"])))
        created = codec.utc_text(created_at)
        self.client.put_item(TableName=self.table.table_name, Item=to_item({
            "PK": f"FEED#{token_hash}", "SK": "FEED", "type": "feed_token",
            "recipient_id": recipient_id, "created_at": created}))
        self.client.put_item(TableName=self.table.table_name, Item=to_item({
            "PK": rec_pk(recipient_id), "SK": POINTER, "type": "feed_pointer",
            "token_hash": token_hash, "created_at": created}))

    def recipient_for_feed_token(self, token_hash: str) -> str | None:
        item = self.client.get_item(TableName=self.table.table_name, Key=_token_key(token_hash),
                                    ConsistentRead=True).get("Item")
        return str(from_item(item)["recipient_id"]) if item else None

    def feed_token_created(self, recipient_id: str) -> datetime | None:
        pointer = self._pointer(recipient_id)
        return codec.parse_utc(str(pointer["created_at"])) if pointer else None

    def revoke_feed_token(self, recipient_id: str) -> bool:
        pointer = self._pointer(recipient_id)
        if pointer is None:
            return False
        self.client.delete_item(TableName=self.table.table_name, Key=_token_key(str(pointer["token_hash"])))
        self.client.delete_item(TableName=self.table.table_name,
                                Key=to_item({"PK": rec_pk(recipient_id), "SK": POINTER}))
        return True
