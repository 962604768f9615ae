"""The coordinator table, computed once per minute per set of recipients.

Computing the table reads and expands 90 days of doses for every recipient; a coordinator then pages, sorts
and filters it many times. Keeping the computed rows for a short while makes every step after the first
cheap; the figures are at most `ttl` old, which the page can say ("updated a minute ago").
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import datetime, timedelta

from skill.domain.models import Recipient
from skill.reports.adherence import CohortRow, cohort_rows
from skill.store.core import CoreStore

DEFAULT_TTL = timedelta(seconds=60)


class CohortCache:
    def __init__(self, ttl: timedelta = DEFAULT_TTL) -> None:
        self.ttl = ttl
        self._rows: dict[tuple[str, ...], tuple[datetime, list[CohortRow]]] = {}
        self._lock = threading.Lock()

    def rows(self, store: CoreStore, recipients: Sequence[Recipient], now: datetime) -> list[CohortRow]:
        """A copy of the rows (callers sort and filter it in place)."""
        key = tuple(r.id for r in recipients)
        with self._lock:
            cached = self._rows.get(key)
        if cached is not None and timedelta(0) <= now - cached[0] < self.ttl:
            return list(cached[1])
        rows = cohort_rows(store, recipients, now)
        with self._lock:
            self._rows = {k: v for k, v in self._rows.items() if timedelta(0) <= now - v[0] < self.ttl}
            self._rows[key] = (now, rows)
        return list(rows)
