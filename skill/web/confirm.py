"""Confirmation pages for what cannot be taken back with one tap: stopping a medicine, removing a contact.

A page of its own rather than a script's dialog, so it works without JavaScript, reads well on a phone, and
names exactly what will happen; the change itself is the person page's POST with `confirm=yes`.
"""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask.typing import ResponseReturnValue

from skill.store.base import Store
from skill.web.auth import require_login
from skill.web.config import WebConfig
from skill.web.guards import recipient_for


def confirm_blueprint(store: Store, config: WebConfig) -> Blueprint:
    bp = Blueprint("confirm", __name__)
    bp.before_request(require_login)

    @bp.get("/recipients/<recipient_id>/medications/<medication_id>/stop")
    def stop_medication(recipient_id: str, medication_id: str) -> ResponseReturnValue:
        recipient = recipient_for(store, recipient_id, edit=True)
        med = next((m for m in store.list_medications(recipient.id) if m.id == medication_id), None)
        if med is None:
            abort(404)
        return render_template(
            "confirm.html", recipient=recipient, title=f"Stop {med.name}?",
            explain=[f"{recipient.display_name} will no longer be reminded about {med.name}, and no dose of it "
                     "will count as missed from now on.",
                     "Its history stays. To take it again later, add it again."],
            action="recipient.stop_medication", args={"medication_id": med.id},
            yes=f"Yes, stop {med.name}", back="#medications")

    @bp.get("/recipients/<recipient_id>/contacts/<contact_id>/remove")
    def remove_contact(recipient_id: str, contact_id: str) -> ResponseReturnValue:
        recipient = recipient_for(store, recipient_id, edit=True)
        contact = next((c for c in store.list_contacts(recipient.id) if c.id == contact_id), None)
        if contact is None:
            abort(404)
        others = len(store.list_contacts(recipient.id)) - 1
        warning = ("Nobody else will be told about missed doses." if others == 0
                   else f"{others} other contact{'s' if others != 1 else ''} will still get alerts.")
        return render_template(
            "confirm.html", recipient=recipient, title=f"Remove {contact.name}?",
            explain=[f"{contact.name} will no longer get alerts about {recipient.display_name}.", warning],
            action="recipient.delete_contact", args={"contact_id": contact.id},
            yes=f"Yes, remove {contact.name}", back="#contacts")

    return bp
