"""Names Alexa heard but did not recognise ("metmorfin"): add one as a nickname of a medicine, or dismiss it.

The nickname goes through `care_plan.change_medication` (so it cannot clash with another medicine's name,
and is audited); only then is the heard name forgotten.
"""

from __future__ import annotations

from dataclasses import replace

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue

from skill.domain.errors import ValidationError
from skill.store.base import Store
from skill.usecases import care_plan
from skill.web.auth import require_login
from skill.web.config import WebConfig
from skill.web.guards import recipient_for, web_actor


def heard_blueprint(store: Store, config: WebConfig) -> Blueprint:
    bp = Blueprint("heard", __name__)
    bp.before_request(require_login)

    def back(recipient_id: str) -> ResponseReturnValue:
        return redirect(url_for("recipient.show", recipient_id=recipient_id) + "#heard", code=303)

    @bp.post("/recipients/<recipient_id>/heard/nickname")
    def add_nickname(recipient_id: str) -> ResponseReturnValue:
        recipient = recipient_for(store, recipient_id, edit=True)
        heard = request.form.get("heard", "")
        known = {h.heard for h in store.list_heard_names(recipient.id)}
        if heard not in known:
            abort(404)
        med = next((m for m in store.list_medications(recipient.id) if m.id == request.form.get("medication_id")),
                   None)
        if med is None:
            abort(422, description="Choose which medicine they meant.")
        try:
            care_plan.change_medication(store, web_actor(), config.clock(),
                                        replace(med, also_called=(*med.also_called, heard)))
        except ValidationError as exc:
            flash(f"“{heard}” was not added: {exc}", "error")
            return back(recipient.id)
        store.forget_heard_name(recipient.id, heard)
        flash(f"When Alexa hears “{heard}” now, it means {med.name}.")
        return back(recipient.id)

    @bp.post("/recipients/<recipient_id>/heard/dismiss")
    def dismiss(recipient_id: str) -> ResponseReturnValue:
        recipient = recipient_for(store, recipient_id, edit=True)
        heard = request.form.get("heard", "")
        if not store.forget_heard_name(recipient.id, heard):
            abort(404)
        flash(f"“{heard}” is dismissed.")
        return back(recipient.id)

    return bp
