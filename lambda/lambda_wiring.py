"""What the three Lambda entry points share: required settings and the store, built the same way for all.

Misconfiguration is reported by naming the missing variable, never by echoing a value, so the error can be
logged as it is.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from skill import settings

if TYPE_CHECKING:
    from skill.store.dynamodb import DynamoStore


class MissingSettingError(RuntimeError):
    def __init__(self, name: str) -> None:
        super().__init__(f"environment variable {name} is not set")
        self.name = name


def required_env(name: str) -> str:
    value = settings.env(name)
    if value is None:
        raise MissingSettingError(name)
    return value


def open_dynamo_store() -> DynamoStore:
    """The deployment's table, through a client with the short timeouts of ``skill.aws_clients``."""
    from skill.aws_clients import build_dynamodb_client
    from skill.store.dynamodb import DynamoStore

    return DynamoStore(required_env(settings.TABLE), build_dynamodb_client())
