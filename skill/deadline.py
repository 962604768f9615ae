"""The time left for the work in hand (one voice turn), readable by the store without knowing about Alexa.

Alexa waits about eight seconds for an answer and the Lambda function stops at seven; a store that accepts a
connection and never answers, or a SQLite write lock held by someone else, must cost the person a kind "try
again in a minute", not silence. The edge that starts a turn sets a deadline here; each store call asks how
much is left and waits no longer than that (botocore's per-request read timeout, SQLite's busy timeout), so
the whole turn stays inside its budget however many calls it makes. Outside a turn (the sweep, the CLI, the
web app) nothing is set and every call keeps its own timeouts.

A context variable rather than a global: `dosekeeper serve` answers turns on several threads at once, and each
thread starts with its own empty context.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_deadline: ContextVar[float | None] = ContextVar("dosekeeper_deadline", default=None)


class DeadlineExceeded(TimeoutError):
    """The work in hand ran out of time before this call could start; the edge answers kindly."""


@contextmanager
def within(seconds: float) -> Iterator[None]:
    """Everything inside shares `seconds` (an enclosing, earlier deadline still wins)."""
    end = time.monotonic() + max(seconds, 0.0)
    outer = _deadline.get()
    token = _deadline.set(end if outer is None else min(end, outer))
    try:
        yield
    finally:
        _deadline.reset(token)


def remaining() -> float | None:
    """Seconds left before the deadline (never negative), or None when no deadline is set."""
    end = _deadline.get()
    if end is None:
        return None
    return max(end - time.monotonic(), 0.0)


def bounded(default: float, *, at_least: float = 0.0) -> float:
    """`default`, cut to the time left; raises DeadlineExceeded when less than `at_least` is left.

    `at_least` is what a call needs to have any chance of succeeding: starting a request that can only time out
    would spend the time the edge needs to answer.
    """
    left = remaining()
    if left is None:
        return default
    if left <= at_least:
        raise DeadlineExceeded("no time left for this call")
    return min(default, left)
