"""What every command shares: opening the store, one-line errors with exit code 2, JSON output.

A store that cannot do what was asked (a full disk, a read-only file, a lock held too long) is also one line
and exit code 2, never a traceback: the operator learns what to fix, and the transaction was rolled back.
"""

from __future__ import annotations

import json
import sqlite3
import sys
from collections.abc import Callable
from datetime import UTC, date, datetime
from functools import wraps
from typing import Any, NoReturn, ParamSpec, TypeVar
from urllib.parse import urlparse

import click

from skill.domain.actors import Actor
from skill.domain.errors import DoseKeeperError
from skill.domain.models import Recipient
from skill.store.base import Store

P = ParamSpec("P")
R = TypeVar("R")


class CliError(click.ClickException):
    """A bad input: one clear line on stderr and exit code 2, never a traceback."""

    exit_code = 2

    def show(self, file: Any = None) -> None:
        click.echo(f"Error: {self.format_message()}", err=True)


OPERATOR = Actor.operator()  # whoever runs the command on the host is trusted with every record


def now() -> datetime:
    """The command line's clock: the only place a command reads the time."""
    return datetime.now(UTC)


def fail(message: str) -> NoReturn:
    raise CliError(message)


def friendly_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn domain errors and store failures raised anywhere below a command into CliError."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except DoseKeeperError as exc:
            fail(str(exc))
        except sqlite3.Error as exc:
            fail(store_failure(exc))

    return wrapper


class FriendlyGroup(click.Group):
    """The command group: the same translation for every command, decorated with `friendly_errors` or not."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except DoseKeeperError as exc:
            fail(str(exc))
        except sqlite3.Error as exc:
            fail(store_failure(exc))


_SQLITE_FAILURES = (
    ("disk is full", "the store's disk is full; free some space and run the command again"),
    ("readonly database", "the store file is read-only; check the permissions of the file and its folder"),
    ("disk I/O error", "the store could not write to its disk (full, over a quota, or failing); check it"),
    ("database is locked", "the store is busy (another process holds its write lock); try again shortly"),
    ("unable to open", "cannot open the store file; check that its folder exists and can be written"),
    ("not a database", "the store file is not a DoseKeeper database (or is damaged); see `dosekeeper restore`"),
)


def store_failure(exc: sqlite3.Error) -> str:
    """One line an operator can act on. SQLite's messages name no person or medicine; only these are shown."""
    text = str(exc)
    for needle, message in _SQLITE_FAILURES:
        if needle in text:
            return f"{message} (nothing was changed by the step that failed)"
    return f"the store failed: {type(exc).__name__}: {text[:200]}"


def store_from_context(ctx: click.Context, *, create: bool = False) -> Store:
    """The store named by --store or DOSEKEEPER_STORE, opened once per invocation and closed at exit.

    Only `store init` passes `create`: a mistyped table name must never quietly become a new table without
    the template's point-in-time recovery, deletion protection and encryption. (A SQLite file is created
    and migrated on first use, as self-hosting expects.)
    """
    root = ctx.find_root()
    obj: dict[str, Any] = root.ensure_object(dict)
    if "store" not in obj:
        from skill.settings import due_shards
        from skill.store.url import open_store

        try:
            store = open_store(obj["store_url"], due_shards=due_shards())
            if create or not _require_table(store, obj["store_url"]):
                store.init()
        except CliError:
            raise
        except DoseKeeperError as exc:
            fail(str(exc))
        except sqlite3.Error as exc:
            fail(store_failure(exc))
        except Exception as exc:
            fail(_open_failure(exc))
        obj["store"] = store
        root.call_on_close(store.close)
    return obj["store"]  # type: ignore[no-any-return]


def _require_table(store: Store, url: str) -> bool:
    """For a DynamoDB store, fail unless its table exists; True then, as there is nothing to initialise."""
    if urlparse(url).scheme != "dynamodb":
        return False
    from skill.store.dynamodb import DynamoStore

    assert isinstance(store, DynamoStore)
    name = store.table.table_name
    try:
        store.client.describe_table(TableName=name)
    except store.client.exceptions.ResourceNotFoundException:
        fail(f"table {name} does not exist; run `dosekeeper store init` to create it")
    return True


def _open_failure(exc: Exception) -> str:
    if type(exc).__name__ == "NoRegionError":
        return "cannot open the store: no AWS region; set AWS_REGION (or AWS_DEFAULT_REGION), e.g. eu-west-1"
    return f"cannot open the store: {type(exc).__name__}"


def resolve_recipient(store: Store, ref: str) -> Recipient:
    recipient = store.get_recipient(ref.strip())
    if recipient is None:
        fail(f"unknown recipient {ref!r}: see `dosekeeper recipient list`")
    return recipient


def parse_instant(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        fail(f"invalid time {text!r}: use ISO 8601 with a UTC offset, such as 2026-11-25T08:05:00+00:00")
    if value.tzinfo is None:
        fail(f"time {text!r} needs a UTC offset, such as +00:00")
    if not 1970 <= value.year <= 2200:
        fail(f"time {text!r} is out of range: use a year between 1970 and 2200")
    return value.astimezone(UTC)


def parse_day(text: str) -> date:
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        fail(f"invalid date {text!r}: use YYYY-MM-DD")
    if not 1970 <= day.year <= 2200:
        fail(f"date {text!r} is out of range: use a year between 1970 and 2200")
    return day


def echo_json(data: Any) -> None:
    json.dump(data, sys.stdout, indent=2, ensure_ascii=False, default=str)
    sys.stdout.write("\n")
