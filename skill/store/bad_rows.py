"""Reading many rows where one may be undecodable: skip it, say which, and keep going.

The sweep reads every person's due doses and alerts in one list; a single corrupt row (or one written
by a newer release) must not stop alerts for everyone else. The log names ids only: no health data.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

from skill.observability import get_logger

log = get_logger(__name__)

R = TypeVar("R")
T = TypeVar("T")


def decode_each(rows: Iterable[R], decode: Callable[[R], T], ids: Callable[[R], str], what: str) -> list[T]:
    """`decode` every row; a row that raises is logged (by `ids`, never its contents) and left out."""
    found: list[T] = []
    for row in rows:
        try:
            found.append(decode(row))
        except (KeyError, TypeError, ValueError, LookupError) as exc:
            log.error("skipped an undecodable %s row %s (%s)", what, _safe(ids, row), type(exc).__name__)
    return found


def _safe(ids: Callable[[R], str], row: R) -> str:
    try:
        return ids(row)
    except (KeyError, TypeError, ValueError, IndexError):
        return "<no id>"
