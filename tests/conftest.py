"""Fixtures shared by every kind of test: stores on SQLite files, moto, and a real dynalite server."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config

from skill.store.base import Store
from skill.store.dynamodb import DynamoStore
from skill.store.sqlite import SqliteStore
from tests.support.servers import dynalite_server

# No test may reach a real AWS account, whatever the developer's shell holds.
os.environ.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
                  AWS_SESSION_TOKEN="testing", AWS_DEFAULT_REGION="eu-west-1", AWS_REGION="eu-west-1")
os.environ.pop("AWS_PROFILE", None)
os.environ.pop("DOSEKEEPER_STORE", None)

FAST = Config(connect_timeout=2, read_timeout=10, retries={"max_attempts": 3, "mode": "standard"})


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[SqliteStore]:
    store = SqliteStore(tmp_path / "dosekeeper.db")
    store.init()
    yield store
    store.close()


@pytest.fixture
def moto_store() -> Iterator[DynamoStore]:
    from moto import mock_aws

    with mock_aws():
        client = boto3.client("dynamodb", region_name="eu-west-1", config=FAST)
        store = DynamoStore("dosekeeper-test", client)
        store.init()
        yield store


@pytest.fixture(scope="session")
def dynalite_url() -> Iterator[str]:
    with dynalite_server() as url:
        yield url


def dynalite_client(url: str) -> Any:
    return boto3.client("dynamodb", region_name="eu-west-1", endpoint_url=url, config=FAST)


@pytest.fixture
def dynalite_store(dynalite_url: str) -> Iterator[DynamoStore]:
    # A fresh table per test keeps tests independent on one server (dynalite wants names of 3+ characters).
    store = DynamoStore(f"dk-{uuid.uuid4().hex[:12]}", dynalite_client(dynalite_url))
    store.init()
    yield store
    store.client.delete_table(TableName=store.table.table_name)


@pytest.fixture(params=["sqlite", "moto", "dynalite"])
def store(request: pytest.FixtureRequest) -> Store:
    """The contract fixture: every test using it runs on all three stores."""
    return request.getfixturevalue(f"{request.param}_store")  # type: ignore[no-any-return]
