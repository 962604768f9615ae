"""The Today page: each cared-for person's doses with live status, and logging one from the page."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from skill.accounts.access import can_edit
from skill.domain.models import LogSource, Medication, Recipient
from skill.doses import choose_dose_to_log, doses_on, log_dose
from skill.store.base import Store
from skill.web.auth import require_login, signed_in_user
from skill.web.config import WebConfig
from skill.web.dose_status import DoseLine, dose_line
from skill.web.guards import cared_for, recipient_for

REASONS = {
    "as_needed_too_soon": "Too soon after the last dose (the carer's minimum interval).",
    "as_needed_daily_max": "Today's maximum for this medicine has been reached.",
}


@dataclass(frozen=True, slots=True)
class RecipientDay:
    recipient: Recipient
    lines: list[DoseLine]
    as_needed: list[Medication]
    editable: bool
    local_date: str


def build_day(store: Store, recipient: Recipient, config: WebConfig, editable: bool) -> RecipientDay:
    now = config.clock()
    meds = store.list_medications(recipient.id, include_stopped=True)
    doses = doses_on(store, recipient, now.astimezone(recipient.tz))
    return RecipientDay(recipient=recipient, lines=[dose_line(recipient, d, now) for d in doses],
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
        recipient = recipient_for(store, recipient_id, edit=True)
        action = request.form.get("action", "")
        if action not in ("taken", "skipped"):
            abort(400, description="Choose taken or skipped.")
        now = config.clock()
        doses = doses_on(store, recipient, now.astimezone(recipient.tz))
        dose = next((d for d in doses if d.id == request.form.get("dose_id")), None)
        if dose is None:
            abort(404)
        meds = {m.id: m for m in store.list_medications(recipient.id, include_stopped=True)}
        line = dose_line(recipient, dose, now)
        if not line.can_log:
            flash(f"{dose.medication_name} at {line.time} is not due yet, or was already logged.", "error")
            return redirect(url_for("today.today"), code=303)
        outcome = log_dose(store, recipient, meds[dose.medication_id], dose, now, LogSource.WEB,
                           skip=action == "skipped")
        after = dose_line(recipient, outcome.dose, now)
        if outcome.applied:
            flash(f"{dose.medication_name} at {line.time}: {after.label.lower()}.")
        else:
            flash(f"{dose.medication_name} at {line.time} was already logged at {after.logged_at}.", "error")
        return redirect(url_for("today.today"), code=303)

    @bp.post("/recipients/<recipient_id>/medications/<medication_id>/take")
    def take_as_needed(recipient_id: str, medication_id: str) -> ResponseReturnValue:
        recipient = recipient_for(store, recipient_id, edit=True)
        med = next((m for m in store.list_medications(recipient.id) if m.id == medication_id), None)
        if med is None or not med.schedule.as_needed:
            abort(404)
        now = config.clock()
        target = choose_dose_to_log(recipient, med, doses_on(store, recipient, now.astimezone(recipient.tz)), now)
        if target.dose is None:
            flash(f"{med.name}: {REASONS.get(target.reason, 'not logged.')}", "error")
            return redirect(url_for("today.today"), code=303)
        log_dose(store, recipient, med, target.dose, now, LogSource.WEB)
        flash(f"{med.name}: a dose taken at {now.astimezone(recipient.tz).strftime('%H:%M')} is logged.")
        return redirect(url_for("today.today"), code=303)

    return bp
