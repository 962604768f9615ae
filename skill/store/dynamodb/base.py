"""What every DynamoDB area mixin shares: the table, and no client made here (it is passed in)."""

from __future__ import annotations

from typing import Any

from skill.store.dynamodb.table import DynamoTable


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
