"""What every DynamoDB area mixin shares: the table, and no client made here (it is passed in)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from skill.store import codec
from skill.store.dynamodb.table import DynamoTable, rec_pk, to_value

DOSE_PREFIX = "DOSE#"


class DynamoBase:
    def __init__(self, table_name: str, client: Any) -> None:
        self.table = DynamoTable(table_name, client)

    @property
    def client(self) -> Any:
        return self.table.client

    def init(self) -> None:
        self.table.create()

    def is_conditional_failure(self, exc: Exception) -> bool:
        code = getattr(exc, "response", {}).get("Error", {}).get("Code")
        return bool(code == "ConditionalCheckFailedException")

    def recipient_partition(self, recipient_id: str, since: datetime) -> dict[str, list[dict[str, Any]]]:
        """The voice turn's one Query: a person's doses from `since` and every `~` item, grouped by type.

        Doses sort before the `~` items (profile, medications, voice state), so one key condition gets all.
        """
        groups: dict[str, list[dict[str, Any]]] = {}
        for item in self.table.query_all(
                KeyConditionExpression="PK = :pk AND SK >= :since",
                ExpressionAttributeValues={":pk": to_value(rec_pk(recipient_id)),
                                           ":since": to_value(DOSE_PREFIX + codec.utc_text(since))}):
            groups.setdefault(str(item.get("type")), []).append(item)
        return groups
