"""The coordinator's cohort table: one scope, one filter and one sort for the page and the API.

Scope: everyone the actor may read. "Below N%" keeps people whose 30-day adherence is under N and people
with no figure yet (no data is a reason to look, not to hide). Sorting puts rows without a figure last,
whichever way the column is sorted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from skill.domain.actors import Actor
from skill.reports.adherence import CohortRow
from skill.reports.cohort_cache import CohortCache
from skill.store.base import Store
from skill.usecases.access import may_see_cohort, visible_recipients
from skill.usecases.errors import Forbidden

CohortSort = Literal["name", "adherence_7", "adherence_30", "adherence_90", "pdc_30", "missed_30", "trend",
                     "last_activity"]
SORTS: tuple[CohortSort, ...] = ("name", "adherence_7", "adherence_30", "adherence_90", "pdc_30", "missed_30",
                                 "trend", "last_activity")


@dataclass(frozen=True, slots=True)
class CohortQuery:
    below: float | None = None  # percent
    sort: CohortSort = "adherence_30"
    descending: bool = False
    offset: int = 0
    limit: int = 100


@dataclass(frozen=True, slots=True)
class CohortPage:
    total: int
    rows: list[CohortRow]


def _sorted(rows: list[CohortRow], sort: CohortSort, descending: bool) -> list[CohortRow]:
    if sort == "name":
        return sorted(rows, key=lambda r: (r.display_name.casefold(), r.recipient_id), reverse=descending)
    present = [r for r in rows if getattr(r, sort) is not None]
    absent = [r for r in rows if getattr(r, sort) is None]
    present.sort(key=lambda r: (getattr(r, sort), r.display_name.casefold()), reverse=descending)
    return present + sorted(absent, key=lambda r: r.display_name.casefold())


def cohort_page(store: Store, actor: Actor, now: datetime, query: CohortQuery, cache: CohortCache) -> CohortPage:
    if not may_see_cohort(actor):
        raise Forbidden("the cohort table is for coordinators")
    rows = cache.rows(store, visible_recipients(store, actor), now)
    if query.below is not None:
        limit = query.below / 100
        rows = [r for r in rows if r.adherence_30 is None or r.adherence_30 < limit]
    ordered = _sorted(rows, query.sort, query.descending)
    return CohortPage(total=len(ordered), rows=ordered[query.offset:query.offset + query.limit])
