"""The History page: a calendar heatmap (days by dose times) drawn as SVG on the server, with a table
holding the same facts for screen readers and for anyone who does not read colour."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue
from markupsafe import Markup

from skill.accounts.access import can_edit
from skill.reports.adherence import recipient_summary
from skill.reports.heatmap import STYLES, heatmap_cells, render_heatmap_svg
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
        data = heatmap_cells(store, recipient, end_day - timedelta(days=span - 1), end_day, now)
        svg = Markup(render_heatmap_svg(data, title=f"Doses over the last {span} days"))  # noqa: S704 - escaped
        summary = recipient_summary(store, recipient, now, days=span)
        events = recent_events(store, recipient, now, timedelta(days=span))
        return render_template("history.html", recipient=recipient, data=data, svg=svg, span=span,
                               ranges=RANGES, styles=STYLES, summary=summary, events=events,
                               recent_logs=recent_logs(store, recipient, now),
                               editable=can_edit(signed_in_user(), recipient))

    return bp
