"""Taking back a tap: "Undo" right after Taken or Skip, and a carer's correction of any recent log.

Undo goes through `undo.undo_last_log` with the exact dose, so it can never undo a different dose logged
meanwhile by voice; a correction goes through `corrections.correct_dose`. Both leave an event in History
and the correction an entry in the Changes log.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from skill.doses import parse_dose_id
from skill.store.base import Store
from skill.usecases.corrections import Correction, correct_dose
from skill.usecases.reading import doses_between
from skill.usecases.undo import UndoKind, undo_last_log
from skill.web.auth import require_login
from skill.web.config import WebConfig
from skill.web.guards import recipient_for, web_actor
from skill.web.person_sections import logged_line

CHOICES = ((Correction.TAKEN, "It was taken"), (Correction.SKIPPED, "It was skipped on purpose"),
           (Correction.NOT_TAKEN, "It was not taken"))


def _back(default: str) -> str:
    """Back where the carer pressed the button (Today, History or the person page), never off-site."""
    target = request.form.get("back", "")
    return target if target.startswith("/") and not target.startswith("//") else default


def dose_fixes_blueprint(store: Store, config: WebConfig) -> Blueprint:
    bp = Blueprint("dose_fixes", __name__)
    bp.before_request(require_login)

    @bp.post("/recipients/<recipient_id>/doses/undo")
    def undo(recipient_id: str) -> ResponseReturnValue:
        recipient = recipient_for(store, recipient_id, edit=True)
        result = undo_last_log(store, web_actor(), config.clock(), recipient.id,
                               dose_id=request.form.get("dose_id", ""))
        if result.kind is UndoKind.UNDONE and result.dose is not None:
            flash(f"Undone: {result.dose.medication_name} at {result.dose.scheduled_local:%H:%M} is open again.")
        else:
            flash("That log changed meanwhile, so nothing was undone. Check it below.", "error")
        return redirect(_back(url_for("today.today")), code=303)

    @bp.get("/recipients/<recipient_id>/doses/<dose_id>/correct")
    def correction_form(recipient_id: str, dose_id: str) -> ResponseReturnValue:
        recipient = recipient_for(store, recipient_id, edit=True)
        _, nominal = parse_dose_id(dose_id)
        local = nominal.replace(tzinfo=recipient.tz)
        dose = next((d for d in doses_between(store, recipient, local - timedelta(days=1), local + timedelta(days=1))
                     if d.id == dose_id and d.is_logged), None)
        if dose is None:
            abort(404)
        back = request.args.get("back", "")
        return render_template("correct_dose.html", recipient=recipient, line=logged_line(recipient, dose),
                               choices=CHOICES, back=back if back.startswith("/") and not back.startswith("//")
                               else url_for("recipient.show", recipient_id=recipient.id))

    @bp.post("/recipients/<recipient_id>/doses/<dose_id>/correct")
    def correct(recipient_id: str, dose_id: str) -> ResponseReturnValue:
        recipient = recipient_for(store, recipient_id, edit=True)
        try:
            to = Correction(request.form.get("to", ""))
        except ValueError:
            abort(400, description="Choose what really happened.")
        dose = correct_dose(store, web_actor(), config.clock(), recipient.id, dose_id, to)
        flash(f"Corrected: {dose.medication_name} at {dose.scheduled_local:%H:%M} is now recorded as "
              f"{dict(CHOICES)[to].removeprefix('It was ').lower()}.")
        return redirect(_back(url_for("recipient.show", recipient_id=recipient.id) + "#recent-logs"), code=303)

    return bp
