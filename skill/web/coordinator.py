"""The Coordinator page: the cohort table (7/30/90-day adherence, PDC, missed doses, trend, last activity),
sortable and filterable on the server so it works without JavaScript. Scope, filter and sort are the
use-case layer's, so the page and `/api/v1/reports/cohort` always show the same people in the same order."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, abort, render_template, request
from flask.typing import ResponseReturnValue

from skill.store.base import Store
from skill.usecases.access import may_see_cohort
from skill.usecases.cohort import CohortQuery, CohortSort, cohort_page
from skill.web.auth import require_login
from skill.web.config import WebConfig
from skill.web.guards import web_actor

# the page's short keys: column label, and the use case's sort
SORTS: dict[str, tuple[str, CohortSort]] = {
    "name": ("Name", "name"),
    "a7": ("7 days", "adherence_7"),
    "a30": ("30 days", "adherence_30"),
    "a90": ("90 days", "adherence_90"),
    "pdc": ("PDC 30 days", "pdc_30"),
    "missed": ("Missed (30 days)", "missed_30"),
    "trend": ("Trend", "trend"),
    "last": ("Last activity", "last_activity"),
}
PAGE_ROWS = 10_000  # the page shows everyone in scope; the API pages


def coordinator_blueprint(store: Store, config: WebConfig) -> Blueprint:
    bp = Blueprint("coordinator", __name__)
    bp.before_request(require_login)

    @bp.get("/coordinator")
    def cohort() -> ResponseReturnValue:
        actor = web_actor()
        if not may_see_cohort(actor):
            abort(404)
        sort = request.args.get("sort", "a30")
        sort = sort if sort in SORTS else "a30"
        descending = request.args.get("dir", "asc") == "desc"
        below_text = request.args.get("below", "")
        below = int(below_text) if below_text.isdigit() and 0 < int(below_text) <= 100 else None
        now: datetime = config.clock()
        query = CohortQuery(below=below, sort=SORTS[sort][1], descending=descending, limit=PAGE_ROWS)
        rows = cohort_page(store, actor, now, query).rows  # rollups: small records, never every dose
        return render_template("coordinator.html", rows=rows, sort=sort, descending=descending, below=below,
                               sorts=SORTS, now=now)

    return bp
