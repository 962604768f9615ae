"""The History page: a calendar heatmap (days by dose times) drawn as SVG on the server, with a table
holding the same facts for screen readers and for anyone who does not read colour."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue
from markupsafe import Markup

from skill.accounts.access import can_edit
from skill.doses import merge_doses
from skill.reports.adherence import scheduled_only, summarise, window_end, window_start
from skill.reports.heatmap import STYLES, cells_from_doses, render_heatmap_svg
from skill.store.base import Store
from skill.web.auth import require_login, signed_in_user
from skill.web.config import WebConfig
from skill.web.guards import recipient_for
from skill.web.person_sections import recent_events, recent_logs

RANGES = (7, 30, 90)


def history_blueprint(store: Store, config: WebConfig) -> Blueprint:
    bp = Blueprint("history", __name__)
    bp.before_request(require_login)

    @bp.get("/recipients/<recipient_id>/history")
    def history(recipient_id: str) -> ResponseReturnValue:
        recipient = recipient_for(store, recipient_id)
        days = request.args.get("days", "30")
        span = int(days) if days.isdigit() and int(days) in RANGES else 30
        now = config.clock()
        end_day = now.astimezone(recipient.tz).date()
        # one read of the window for both the heatmap and the figures (it was two: bench/bench_web.py)
        meds = store.list_medications(recipient.id, include_stopped=True)
        start, end = window_start(recipient, now, span), window_end(recipient, now)
        doses = merge_doses(recipient, meds, store.list_doses(recipient.id, start, end), start, end)
        columns = tuple(end_day - timedelta(days=span - 1 - i) for i in range(span))
        data = cells_from_doses(recipient, scheduled_only(doses, meds), columns, now, meds)
        svg = Markup(render_heatmap_svg(data, title=f"Doses over the last {span} days"))  # noqa: S704 - escaped
        summary = summarise(recipient, meds, doses, now, span)
        events = recent_events(store, recipient, now, timedelta(days=span))
        return render_template("history.html", recipient=recipient, data=data, svg=svg, span=span,
                               ranges=RANGES, styles=STYLES, summary=summary, events=events,
                               recent_logs=recent_logs(store, recipient, now),
                               editable=can_edit(signed_in_user(), recipient))

    return bp
