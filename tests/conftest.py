"""Fixtures shared by every kind of test: stores on SQLite files, moto, dynalite and Amazon's DynamoDB Local.

Which store fixture a test asks for says what it is about:

- ``store``: the contract. Every test using it runs on all four stores (``sqlite``, ``moto``, ``dynalite``,
  ``dynamodb_local``), so behaviour a user relies on cannot differ between self-hosting and AWS.
- ``transactional_store``: a test whose code path needs ``TransactWriteItems``, which dynalite cannot do.
  Runs on sqlite, moto and dynamodb_local. (Not a skip: the dynalite case is never generated.)
- ``concurrent_store``: a test that races threads against one store. Only stores that serialise conditional
  writes like the real service can say anything about a race: a SQLite file and a real DynamoDB server
  (DynamoDB Local). moto's in-process backend does not, so a race on it passes or fails by luck.
- ``sqlite_store``, ``moto_store``, ``dynalite_store``, ``dynamodb_local_store``: one store, named.

Tests that start dynalite or DynamoDB Local carry the ``dynalite`` / ``dynamodb_local`` markers, added here
(on the cases above, and on any test that names a server's URL or store fixture, or has a parameter naming
the server), so ``-m "not dynamodb_local"`` runs without Java and ``-m "not dynalite"`` without Node. Each
server starts once per session, which with pytest-xdist means once per worker (one JVM each, in memory);
every test gets a fresh table on it.

Time: take it from an injected clock relative to now (``scripts/check`` runs a sample of the suite with the
clock a year ahead, through ``tests/clock_ahead``); where the code reads the clock itself (the CLI), move it
with ``time_machine.travel``.
"""

from __future__ import annotations

import os
import sys
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
from tests.support.servers import dynalite_server, dynamodb_local_server

# No test may reach a real AWS account, whatever the developer's shell holds. (DynamoDB Local 2.x+ accepts
# only letters and digits in the access key id.)
os.environ.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
                  AWS_SESSION_TOKEN="testing", AWS_DEFAULT_REGION="eu-west-1", AWS_REGION="eu-west-1")
os.environ.pop("AWS_PROFILE", None)
os.environ.pop("AWS_ENDPOINT_URL", None)
os.environ.pop("AWS_ENDPOINT_URL_DYNAMODB", None)
os.environ.pop("DOSEKEEPER_STORE", None)

# Generous read timeout: a loaded 2-core runner can stall a local server for seconds; a timeout is a failure.
FAST = Config(connect_timeout=5, read_timeout=30, retries={"max_attempts": 3, "mode": "standard"})

_SERVER_MARKS = {"dynalite": pytest.mark.dynalite, "dynamodb_local": pytest.mark.dynamodb_local}


def _store_params(*names: str) -> list[Any]:
    """Parameters for a store fixture, each server-backed one marked with the server it starts."""
    return [pytest.param(name, marks=_SERVER_MARKS[name]) if name in _SERVER_MARKS else name for name in names]


def pytest_configure(config: pytest.Config) -> None:
    """A year-ahead run whose clock did not move would pass for the wrong reason (sitecustomize swallows errors)."""
    if os.environ.get("DOSEKEEPER_CLOCK_AHEAD_DAYS") and not hasattr(sys.modules.get("sitecustomize"), "traveller"):
        raise pytest.UsageError("DOSEKEEPER_CLOCK_AHEAD_DAYS is set but the clock did not move: put "
                                "tests/clock_ahead on PYTHONPATH (see scripts/check)")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that starts a server: through a fixture it names, or a parameter naming the server or
    its fixture (``parametrize("store", [..., "dynamodb_local"], indirect=True)``, ``getfixturevalue(kind)``)."""
    for item in items:
        callspec = getattr(item, "callspec", None)
        words = set(getattr(item, "fixturenames", ()))
        if callspec is not None:
            words |= {value for value in callspec.params.values() if isinstance(value, str)}
        for server, mark in _SERVER_MARKS.items():
            if {server, f"{server}_url", f"{server}_store"} & words:
                item.add_marker(mark)


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


def dynamodb_client(url: str) -> Any:
    """A boto3 DynamoDB client for a local server at `url`."""
    return boto3.client("dynamodb", region_name="eu-west-1", endpoint_url=url, config=FAST)


dynalite_client = dynamodb_client  # the name tests that talk to dynalite already import


def _fresh_table_store(url: str) -> Iterator[DynamoStore]:
    # A fresh table per test keeps tests independent on one server (dynalite wants names of 3+ characters).
    store = DynamoStore(f"dk-{uuid.uuid4().hex[:12]}", dynamodb_client(url))
    store.init()
    yield store
    store.client.delete_table(TableName=store.table.table_name)


@pytest.fixture(scope="session")
def dynalite_url() -> Iterator[str]:
    with dynalite_server() as url:
        yield url


@pytest.fixture
def dynalite_store(dynalite_url: str) -> Iterator[DynamoStore]:
    yield from _fresh_table_store(dynalite_url)


@pytest.fixture(scope="session")
def dynamodb_local_url() -> Iterator[str]:
    """Amazon's DynamoDB Local (in memory), one per session, i.e. one JVM per xdist worker."""
    with dynamodb_local_server() as url:
        yield url


@pytest.fixture
def dynamodb_local_store(dynamodb_local_url: str) -> Iterator[DynamoStore]:
    yield from _fresh_table_store(dynamodb_local_url)


@pytest.fixture(params=_store_params("sqlite", "moto", "dynalite", "dynamodb_local"))
def store(request: pytest.FixtureRequest) -> Store:
    """The contract fixture: every test using it runs on all four stores."""
    return request.getfixturevalue(f"{request.param}_store")  # type: ignore[no-any-return]


@pytest.fixture(params=_store_params("sqlite", "moto", "dynamodb_local"))
def transactional_store(request: pytest.FixtureRequest) -> Store:
    """Every store whose DynamoDB side can run TransactWriteItems: not dynalite."""
    return request.getfixturevalue(f"{request.param}_store")  # type: ignore[no-any-return]


@pytest.fixture(params=_store_params("sqlite", "dynamodb_local"))
def concurrent_store(request: pytest.FixtureRequest) -> Store:
    """The stores that serialise racing conditional writes as the real ones do: a SQLite file, DynamoDB Local."""
    return request.getfixturevalue(f"{request.param}_store")  # type: ignore[no-any-return]
