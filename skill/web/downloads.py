"""Exports on the person's page: CSV and FHIR for a chosen range, and the calendar feed's secret link.

The rules (ranges, who may, what is audited) are `skill/usecases/exports.py`, shared with `/api/v1`. A range
the page cannot read ("0001-01-01", "9999-12-31", end before start) is answered 422 with the page and the
reason, never a 500.
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue

from skill.store.base import Store
from skill.usecases import exports
from skill.usecases.errors import Invalid
from skill.web.auth import require_login
from skill.web.config import WebConfig
from skill.web.guards import recipient_for, web_actor
from skill.web.recipient import render_person


def _day(name: str, what: str) -> date:
    text = request.args.get(name, "").strip()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise Invalid(name, f"{what} must be a date") from None


def downloads_blueprint(store: Store, config: WebConfig) -> Blueprint:
    bp = Blueprint("downloads", __name__)
    bp.before_request(require_login)

    @bp.get("/recipients/<recipient_id>/export")
    def export(recipient_id: str) -> ResponseReturnValue:
        recipient = recipient_for(store, recipient_id)
        try:
            fmt = exports.ExportFormat(request.args.get("format", "csv"))
            out = exports.export_doses(store, web_actor(), config.clock(), recipient.id,
                                       _day("start", "The first day"), _day("end", "The last day"), fmt)
        except (Invalid, ValueError) as exc:
            reason = exc.reason if isinstance(exc, Invalid) else "choose CSV or FHIR"
            field = exc.field if isinstance(exc, Invalid) else "format"
            return render_person(store, config, recipient, 422, export_error=f"{field}: {reason}",
                                 export_form=dict(request.args))
        return Response(out.body, mimetype=out.mimetype,
                        headers={"Content-Disposition": f'attachment; filename="{out.filename}"'})

    @bp.post("/recipients/<recipient_id>/feed")
    def create_feed(recipient_id: str) -> ResponseReturnValue:
        recipient = recipient_for(store, recipient_id, edit=True)
        token = exports.create_feed(store, web_actor(), config.clock(), recipient.id)
        url = url_for("api_v1.feed_calendar", token=token, _external=True)
        return render_person(store, config, recipient, feed_url=url)

    @bp.post("/recipients/<recipient_id>/feed/revoke")
    def revoke_feed(recipient_id: str) -> ResponseReturnValue:
        recipient = recipient_for(store, recipient_id, edit=True)
        exports.revoke_feed(store, web_actor(), config.clock(), recipient.id)
        flash("The calendar link is stopped: calendars using it no longer update.")
        return redirect(url_for("recipient.show", recipient_id=recipient.id) + "#exports", code=303)

    return bp
