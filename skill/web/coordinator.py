"""The Coordinator page: the cohort table (7/30/90-day adherence, PDC, missed doses, trend, last activity),
sortable and filterable on the server so it works without JavaScript."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from flask import Blueprint, abort, render_template, request
from flask.typing import ResponseReturnValue

from skill.accounts.access import can_see_cohort
from skill.reports.adherence import CohortRow
from skill.reports.cohort_cache import CohortCache
from skill.store.base import Store
from skill.web.auth import require_login, signed_in_user
from skill.web.config import WebConfig
from skill.web.guards import cohort_for

_NONE_LAST = -1.0e9
SORTS: dict[str, tuple[str, Callable[[CohortRow], object]]] = {
    "name": ("Name", lambda r: r.display_name.casefold()),
    "a7": ("7 days", lambda r: _num(r.adherence_7)),
    "a30": ("30 days", lambda r: _num(r.adherence_30)),
    "a90": ("90 days", lambda r: _num(r.adherence_90)),
    "pdc": ("PDC 30 days", lambda r: _num(r.pdc_30)),
    "missed": ("Missed (30 days)", lambda r: r.missed_30),
    "trend": ("Trend", lambda r: _num(r.trend)),
    "last": ("Last activity", lambda r: r.last_activity.timestamp() if r.last_activity else _NONE_LAST),
}


def _num(value: float | None) -> float:
    return _NONE_LAST if value is None else value


def filter_rows(rows: list[CohortRow], below: int | None) -> list[CohortRow]:
    """"Below 80%" means 30-day adherence under the threshold; people with no data are kept in view."""
    if below is None:
        return rows
    return [r for r in rows if r.adherence_30 is None or r.adherence_30 * 100 < below]


def sort_rows(rows: list[CohortRow], key: str, descending: bool) -> list[CohortRow]:
    return sorted(rows, key=SORTS[key][1], reverse=descending)  # type: ignore[arg-type]


def coordinator_blueprint(store: Store, config: WebConfig) -> Blueprint:
    bp = Blueprint("coordinator", __name__)
    bp.before_request(require_login)
    cache = CohortCache()  # the first view computes 90 days for everyone; sorting and filtering reuse it

    @bp.get("/coordinator")
    def cohort() -> ResponseReturnValue:
        user = signed_in_user()
        if not can_see_cohort(user):
            abort(404)
        sort = request.args.get("sort", "a30")
        sort = sort if sort in SORTS else "a30"
        descending = request.args.get("dir", "asc") == "desc"
        below_text = request.args.get("below", "")
        below = int(below_text) if below_text.isdigit() and 0 < int(below_text) <= 100 else None
        now: datetime = config.clock()
        rows = sort_rows(filter_rows(cache.rows(store, cohort_for(store, user), now), below), sort, descending)
        return render_template("coordinator.html", rows=rows, sort=sort, descending=descending, below=below,
                               sorts=SORTS, now=now)

    return bp
