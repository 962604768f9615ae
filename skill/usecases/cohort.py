"""The coordinator's cohort table: one scope, one filter and one sort for the page and the API.

Two sources. The web page and the API read rollups (skill/store/rollups.py):
the first page sorted by 30-day adherence is a page of the rank index plus one batch read of those people,
whatever the organisation's size; other sorts read every visible person's rollup (small items, no doses).
Rollups count a dose once it is decided (logged, skipped, or marked missed by the sweep), so a dose past its
grace window that no sweep has marked yet, or one never stored, is not counted until the sweep marks it
(the lead's decision: the sweep runs every minute self-hosted, every 5 on AWS, and a carer's Today page says
"missed" at the same moment). Given a `CohortCache` (reports and tests that want the exact definitions of
skill/reports/adherence.py) every figure is computed from the doses instead.

Scope: everyone the actor may read. "Below N%" keeps people whose 30-day adherence is under N and people
with no figure yet (no data is a reason to look, not to hide). Sorting puts rows without a figure last,
whichever way the column is sorted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from skill.domain.actors import Actor, ActorKind
from skill.reports.adherence import CohortRow
from skill.reports.cohort_cache import CohortCache
from skill.reports.rollups import rollup_row
from skill.store.base import Store
from skill.usecases.access import may_see_cohort, visible_recipients
from skill.usecases.errors import Forbidden

CohortSort = Literal["name", "adherence_7", "adherence_30", "adherence_90", "pdc_30", "missed_30", "trend",
                     "last_activity"]
SORTS: tuple[CohortSort, ...] = ("name", "adherence_7", "adherence_30", "adherence_90", "pdc_30", "missed_30",
                                 "trend", "last_activity")


@dataclass(frozen=True)
class CohortQuery:
    below: float | None = None  # percent
    sort: CohortSort = "adherence_30"
    descending: bool = False
    offset: int = 0
    limit: int = 100


@dataclass(frozen=True)
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


def _filtered(rows: list[CohortRow], query: CohortQuery) -> CohortPage:
    if query.below is not None:
        limit = query.below / 100
        rows = [r for r in rows if r.adherence_30 is None or r.adherence_30 < limit]
    ordered = _sorted(rows, query.sort, query.descending)
    return CohortPage(total=len(ordered), rows=ordered[query.offset:query.offset + query.limit])


def _index_scope(actor: Actor) -> tuple[bool, str | None]:
    """(whether the rank index covers exactly what the actor sees, the organisation to read; None: all)."""
    if actor.kind in (ActorKind.OPERATOR, ActorKind.SYSTEM):
        return True, None
    user = actor.user
    if actor.kind is ActorKind.USER and user is not None and not user.recipient_ids:
        return True, user.organisation  # a coordinator linked to nobody sees exactly their organisation
    return False, None


def _from_rollups(store: Store, actor: Actor, now: datetime, query: CohortQuery) -> CohortPage:
    covered, organisation = _index_scope(actor)
    if covered and query.sort == "adherence_30":
        page = store.ranked_recipients(organisation, offset=query.offset, limit=query.limit,
                                       below=None if query.below is None else query.below / 100,
                                       descending=query.descending)
        people = store.read_cohort_people(page.recipient_ids)
        rows = [rollup_row(people[rid][0], people[rid][1], now) for rid in page.recipient_ids if rid in people]
        return CohortPage(total=page.total, rows=rows)
    recipients = visible_recipients(store, actor)
    rollups = store.read_rollups([r.id for r in recipients])
    return _filtered([rollup_row(r, rollups.get(r.id), now) for r in recipients], query)


def cohort_page(store: Store, actor: Actor, now: datetime, query: CohortQuery,
                cache: CohortCache | None = None) -> CohortPage:
    if not may_see_cohort(actor):
        raise Forbidden("the cohort table is for coordinators")
    if cache is None:
        return _from_rollups(store, actor, now, query)
    return _filtered(cache.rows(store, visible_recipients(store, actor), now), query)
