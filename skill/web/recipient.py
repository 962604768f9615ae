"""The Recipient page: medications and schedules, contacts and alert settings, link code, speech
preferences, the device time-zone flag and the audit log; every change is audited."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from skill import care_plan
from skill.accounts.access import can_edit
from skill.accounts.audit import contact_record, record_change
from skill.accounts.tokens import issue_invitation
from skill.domain.errors import ValidationError
from skill.domain.models import LinkCode, Medication, Recipient, load_zone
from skill.doses import update_recipient
from skill.store import codec
from skill.store.base import Store
from skill.web.auth import require_login, signed_in_user
from skill.web.config import WebConfig
from skill.web.forms import (
    contact_from_form,
    followup_from_form,
    form_values,
    medication_form_values,
    medication_from_form,
    speech_from_form,
)
from skill.web.guards import recipient_for


def recipient_settings(r: Recipient, followup_minutes: int) -> dict[str, Any]:
    return {"speech_rate": r.speech.rate, "grace_minutes": r.grace_minutes, "timezone": r.timezone,
            "followup_minutes": followup_minutes}


def device_clock(recipient: Recipient, device_timezone: str | None, now: datetime) -> dict[str, str] | None:
    """The time now in the person's zone and on their device, when the two differ: the plain way to say
    what a mismatch means ("reminders an hour out")."""
    if device_timezone is None or device_timezone == recipient.timezone:
        return None
    try:
        there = now.astimezone(load_zone(device_timezone)).strftime("%H:%M")
    except ValidationError:
        there = ""  # a zone this server does not know: name it, without the clock
    return {"zone": device_timezone, "here": now.astimezone(recipient.tz).strftime("%H:%M"), "device": there}


def recipient_blueprint(store: Store, config: WebConfig) -> Blueprint:
    bp = Blueprint("recipient", __name__)
    bp.before_request(require_login)

    def page(recipient: Recipient, status: int = 200, **extra: Any) -> ResponseReturnValue:
        user = signed_in_user()
        voice_state = store.get_voice_state(recipient.id)
        context: dict[str, Any] = {
            "recipient": recipient,
            "editable": can_edit(user, recipient),
            "medications": store.list_medications(recipient.id, include_stopped=True),
            "contacts": store.list_contacts(recipient.id),
            "audit": store.list_audit(recipient.id, limit=50),
            "device": device_clock(recipient, voice_state.device_timezone, config.clock()),
            "followup_minutes": voice_state.followup_minutes,
            "form": medication_form_values(None),
            "contact_form": {},
        }
        context.update(extra)
        return render_template("recipient.html", **context), status

    def save_medication(recipient: Recipient, before: Medication | None, med: Medication, action: str) -> None:
        care_plan.save_medication(store, signed_in_user(), recipient, before, med, action, config.clock())

    def medication_of(recipient: Recipient, medication_id: str) -> Medication:
        med = next((m for m in store.list_medications(recipient.id, include_stopped=True)
                    if m.id == medication_id), None)
        if med is None:
            abort(404)
        return med

    @bp.get("/recipients/<recipient_id>")
    def show(recipient_id: str) -> ResponseReturnValue:
        return page(recipient_for(store, recipient_id))

    @bp.post("/recipients/<recipient_id>/medications")
    def add_medication(recipient_id: str) -> ResponseReturnValue:
        recipient = recipient_for(store, recipient_id, edit=True)
        now = config.clock()
        try:
            med = medication_from_form(request.form, recipient.id, None, now.astimezone(recipient.tz).date(), now)
        except ValidationError as exc:
            return page(recipient, 422, med_error=str(exc), form=form_values(request.form))
        save_medication(recipient, None, med, "create")
        flash(f"{med.name} is added.")
        return redirect(url_for("recipient.show", recipient_id=recipient.id) + "#medications", code=303)

    @bp.get("/recipients/<recipient_id>/medications/<medication_id>")
    def edit_medication(recipient_id: str, medication_id: str) -> ResponseReturnValue:
        recipient = recipient_for(store, recipient_id, edit=True)
        med = medication_of(recipient, medication_id)
        return render_template("medication_form.html", recipient=recipient, medication=med,
                               form=medication_form_values(med))

    @bp.post("/recipients/<recipient_id>/medications/<medication_id>")
    def update_medication(recipient_id: str, medication_id: str) -> ResponseReturnValue:
        recipient = recipient_for(store, recipient_id, edit=True)
        before = medication_of(recipient, medication_id)
        now = config.clock()
        try:
            med = medication_from_form(request.form, recipient.id, before, now.astimezone(recipient.tz).date(), now)
        except ValidationError as exc:
            return render_template("medication_form.html", recipient=recipient, medication=before,
                                   form=form_values(request.form), error=str(exc)), 422
        save_medication(recipient, before, med, "update")
        flash(f"{med.name} is saved.")
        return redirect(url_for("recipient.show", recipient_id=recipient.id) + "#medications", code=303)

    @bp.post("/recipients/<recipient_id>/medications/<medication_id>/stop")
    def stop_medication(recipient_id: str, medication_id: str) -> ResponseReturnValue:
        recipient = recipient_for(store, recipient_id, edit=True)
        before = medication_of(recipient, medication_id)
        if before.active:
            save_medication(recipient, before, before.stopped(), "stop")
        flash(f"{before.name} is stopped; its history stays.")
        return redirect(url_for("recipient.show", recipient_id=recipient.id) + "#medications", code=303)

    @bp.post("/recipients/<recipient_id>/contacts")
    def add_contact(recipient_id: str) -> ResponseReturnValue:
        recipient = recipient_for(store, recipient_id, edit=True)
        now = config.clock()
        try:
            contact = contact_from_form(request.form, recipient.id, now)
        except ValidationError as exc:
            return page(recipient, 422, contact_error=str(exc), contact_form=dict(request.form))
        store.put_contact(contact)
        record_change(store, signed_in_user(), recipient.id, "contact", "create", None,
                      contact_record(contact), now)
        flash(f"{contact.name} will get alerts.")
        return redirect(url_for("recipient.show", recipient_id=recipient.id) + "#contacts", code=303)

    @bp.post("/recipients/<recipient_id>/contacts/<contact_id>/delete")
    def delete_contact(recipient_id: str, contact_id: str) -> ResponseReturnValue:
        recipient = recipient_for(store, recipient_id, edit=True)
        contact = next((c for c in store.list_contacts(recipient.id) if c.id == contact_id), None)
        if contact is None:
            abort(404)
        store.delete_contact(recipient.id, contact.id)
        record_change(store, signed_in_user(), recipient.id, "contact", "delete", contact_record(contact), None,
                      config.clock())
        flash(f"{contact.name} will no longer get alerts.")
        return redirect(url_for("recipient.show", recipient_id=recipient.id) + "#contacts", code=303)

    @bp.post("/recipients/<recipient_id>/settings")
    def save_settings(recipient_id: str) -> ResponseReturnValue:
        recipient = recipient_for(store, recipient_id, edit=True)
        followup = store.get_voice_state(recipient.id).followup_minutes
        try:  # everything is checked before anything is saved
            speech, grace = speech_from_form(request.form)
            zone = request.form.get("timezone", recipient.timezone).strip()
            updated = replace(recipient, speech=speech, grace_minutes=grace, timezone=zone)
            new_followup = followup_from_form(request.form, followup)
        except ValidationError as exc:
            return page(recipient, 422, settings_error=str(exc))
        before, after = recipient_settings(recipient, followup), recipient_settings(updated, new_followup)
        if before == after:
            flash("Nothing changed.")
            return redirect(url_for("recipient.show", recipient_id=recipient.id) + "#settings", code=303)
        update_recipient(store, recipient, updated, config.clock())  # a new zone re-plans doses to come
        if new_followup != followup:
            store.set_followup_minutes(recipient.id, new_followup)
        record_change(store, signed_in_user(), recipient.id, "recipient", "update", before, after, config.clock())
        flash("Settings are saved.")
        return redirect(url_for("recipient.show", recipient_id=recipient.id) + "#settings", code=303)

    @bp.post("/recipients/<recipient_id>/link-code")
    def new_link_code(recipient_id: str) -> ResponseReturnValue:
        recipient = recipient_for(store, recipient_id, edit=True)
        code = LinkCode.issue(recipient.id, config.clock())
        store.put_link_code(code)
        record_change(store, signed_in_user(), recipient.id, "link_code", "create", None,
                      {"expires_at": codec.utc_text(code.expires_at)}, config.clock())
        return page(recipient, link_code=code)

    @bp.post("/recipients/<recipient_id>/invite")
    def invite(recipient_id: str) -> ResponseReturnValue:
        recipient = recipient_for(store, recipient_id, edit=True)
        user = signed_in_user()
        secret, invitation = issue_invitation(user.id, user.organisation, frozenset({recipient.id}),
                                              config.clock())
        store.put_invitation(invitation)
        base = (config.public_url or request.host_url).rstrip("/")
        return page(recipient, invite_url=f"{base}{url_for('account.accept_invite', secret=secret)}",
                    invite_expires=invitation.expires_at)

    return bp
