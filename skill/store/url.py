"""Opening a store from a URL: `sqlite:///path/file.db` or `dynamodb://TABLE`."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

from skill.domain.errors import ValidationError
from skill.store.base import Store


def open_store(url: str, dynamodb_client: Any = None, *, due_shards: int = 1) -> Store:
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        from skill.store.sqlite import SqliteStore

        path = url[len("sqlite://"):]
        if not path or path == "/":
            raise ValidationError("sqlite store URL needs a file path: sqlite:///path/to/file.db")
        return SqliteStore(path)
    if parsed.scheme == "dynamodb":
        from skill.store.dynamodb import DynamoStore

        table = parsed.netloc or parsed.path.strip("/")
        if len(table) < 3:
            raise ValidationError("dynamodb store URL needs a table name of 3+ characters: dynamodb://TABLE")
        if dynamodb_client is None:
            from skill.aws_clients import build_dynamodb_client

            # short timeouts; honours AWS_REGION and AWS_ENDPOINT_URL_DYNAMODB like any boto3 client
            dynamodb_client = build_dynamodb_client()
        return DynamoStore(table, dynamodb_client, due_shards=due_shards)
    raise ValidationError(f"unknown store URL {url!r}: use sqlite:///path.db or dynamodb://TABLE")
