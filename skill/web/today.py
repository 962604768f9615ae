"""The Today page: each cared-for person's doses with live status, and logging one from the page."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from skill.accounts.access import can_edit
from skill.domain.models import Medication, Recipient
from skill.reports.adherence import recording_starts
from skill.store.base import Store
from skill.usecases.dose_log import LogKind, LogResult, Warning, log_doses, log_medicine
from skill.usecases.reading import doses_on
from skill.web.auth import require_login, signed_in_user
from skill.web.config import WebConfig
from skill.web.dose_status import DoseLine, dose_line
from skill.web.guards import cared_for, web_actor

WARNINGS = {
    Warning.EARLY: "recorded before it was due",
    Warning.TOO_SOON: "this is inside the minimum gap you set; the contacts have been alerted",
    Warning.OVER_DAILY_MAX: "this goes beyond the daily maximum you set; the contacts have been alerted",
    Warning.MORE_THAN_PLANNED: "more than the planned dose; the contacts have been alerted",
}


def flash_result(result: LogResult) -> None:
    """One message per outcome, in the carer's words; a repeat is never a second log."""
    tz = result.recipient.tz
    for item in result.logged:
        status = "taken" if item.dose.status.is_taken else "skipped"
        note = "".join(f" Note: {WARNINGS[w]}." for w in result.warnings)
        # the category carries what "Undo" needs (base.html draws the button; skill/web/dose_fixes.py undoes)
        tone = "error" if result.warnings and Warning.EARLY not in result.warnings else "message"
        flash(f"{item.medication.name} at {item.dose.scheduled_local:%H:%M}: {status}.{note}",
              f"undo|{tone}|{result.recipient.id}|{item.dose.id}")
    if result.kind is LogKind.CONFIRM_EXTRA and result.already:
        earlier = result.already[0]
        when = earlier.logged_at.astimezone(tz) if earlier.logged_at else earlier.scheduled_local
        flash(f"{earlier.medication_name} was already recorded at {when:%H:%M}. Only record another if a second "
              "dose was really taken.", "error")
    elif result.kind is LogKind.CONFIRM_EARLY:
        for dose in result.to_confirm:
            flash(f"{dose.medication_name} at {dose.scheduled_local:%H:%M} is not due yet. It was not recorded.",
                  "error")
    elif not result.logged:
        for dose in result.already:
            when = dose.logged_at.astimezone(tz) if dose.logged_at else dose.scheduled_local
            flash(f"{dose.medication_name} at {dose.scheduled_local:%H:%M} was already logged at {when:%H:%M}.",
                  "error")


@dataclass(frozen=True)
class RecipientDay:
    recipient: Recipient
    lines: list[DoseLine]
    as_needed: list[Medication]
    editable: bool
    local_date: str


def build_day(store: Store, recipient: Recipient, config: WebConfig, editable: bool) -> RecipientDay:
    now = config.clock()
    meds = store.list_medications(recipient.id, include_stopped=True)
    doses = doses_on(store, recipient, now.astimezone(recipient.tz).date())
    starts = recording_starts(meds)
    return RecipientDay(recipient=recipient, lines=[dose_line(recipient, d, now, starts) for d in doses],
                        as_needed=[m for m in meds if m.active and m.schedule.as_needed], editable=editable,
                        local_date=now.astimezone(recipient.tz).strftime("%A %d %B"))


def today_blueprint(store: Store, config: WebConfig) -> Blueprint:
    bp = Blueprint("today", __name__)
    bp.before_request(require_login)

    def days() -> list[RecipientDay]:
        user = signed_in_user()
        return [build_day(store, r, config, can_edit(user, r)) for r in cared_for(store, user)]

    @bp.get("/")
    def index() -> ResponseReturnValue:
        return redirect(url_for("today.today"))

    @bp.get("/today")
    def today() -> ResponseReturnValue:
        return render_template("today.html", days=days(), refresh=config.today_refresh_seconds)

    @bp.get("/today.json")
    def today_json() -> ResponseReturnValue:
        return jsonify({
            "generated_at": config.clock().isoformat(),
            "recipients": [{"id": d.recipient.id, "doses": [line.to_json() for line in d.lines]}
                           for d in days()],
        })

    @bp.post("/recipients/<recipient_id>/doses/log")
    def log(recipient_id: str) -> ResponseReturnValue:
        action = request.form.get("action", "")
        if action not in ("taken", "skipped"):
            abort(400, description="Choose taken or skipped.")
        result = log_doses(store, web_actor(), config.clock(), recipient_id, [request.form.get("dose_id", "")],
                           skip=action == "skipped", confirm=request.form.get("confirm") == "yes")
        flash_result(result)
        return redirect(url_for("today.today"), code=303)

    @bp.post("/recipients/<recipient_id>/medications/<medication_id>/take")
    def take_as_needed(recipient_id: str, medication_id: str) -> ResponseReturnValue:
        result = log_medicine(store, web_actor(), config.clock(), recipient_id, medication_id,
                              confirm=request.form.get("confirm") == "yes")
        flash_result(result)
        return redirect(url_for("today.today"), code=303)

    return bp
