"""'Send a test alert' on each contact: queued in the outbox like a real alert, so what arrives (or the
failure the sweep records) is exactly what a missed dose would bring. The rule is `usecases/test_alerts.py`."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, url_for
from flask.typing import ResponseReturnValue

from skill.store.base import Store
from skill.usecases.test_alerts import send_test_alert
from skill.web.auth import require_login
from skill.web.config import WebConfig
from skill.web.guards import recipient_for, web_actor


def contact_alerts_blueprint(store: Store, config: WebConfig) -> Blueprint:
    bp = Blueprint("contact_alerts", __name__)
    bp.before_request(require_login)

    @bp.post("/recipients/<recipient_id>/contacts/<contact_id>/test")
    def test_alert(recipient_id: str, contact_id: str) -> ResponseReturnValue:
        recipient = recipient_for(store, recipient_id, edit=True)
        item = send_test_alert(store, web_actor(), config.clock(), recipient.id, contact_id)
        flash(f"A test alert to {item.message.address} is on its way ({item.channel}). It is sent within a few "
              "minutes; if it does not arrive, check the address.")
        return redirect(url_for("recipient.show", recipient_id=recipient.id) + "#contacts", code=303)

    return bp
