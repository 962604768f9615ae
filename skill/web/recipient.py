"""The Recipient page: medications and schedules, contacts and alert settings, link code, speech
preferences, the device time-zone flag and the audit log; every change is audited."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from skill.accounts.access import can_edit
from skill.accounts.tokens import issue_invitation
from skill.domain.errors import ValidationError
from skill.domain.models import Medication, Recipient, load_zone
from skill.store.base import Store
from skill.usecases import care_plan, contacts, recipients
from skill.web.auth import require_login, signed_in_user
from skill.web.config import WebConfig
from skill.web.forms import (
    contact_from_form,
    followup_from_form,
    form_values,
    medication_form_values,
    medication_from_form,
    name_medicines_from_form,
    speech_from_form,
)
from skill.web.guards import recipient_for, web_actor
from skill.web.person_sections import person_sections

CHANNEL_WORDS = {"email": "email", "sms": "text message", "webhook": "webhook"}


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


def render_person(store: Store, config: WebConfig, recipient: Recipient, status: int = 200,
                  **extra: Any) -> ResponseReturnValue:
    """The person page, with `extra` (an error, a new link code) on top: every page route renders it so."""
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
        "name_medicines_in_reminders": voice_state.name_medicines_in_reminders,
        "form": medication_form_values(None),
        "contact_form": {},
        **person_sections(store, recipient, config.clock()),
    }
    context.update(extra)
    return render_template("recipient.html", **context), status


def recipient_blueprint(store: Store, config: WebConfig) -> Blueprint:
    bp = Blueprint("recipient", __name__)
    bp.before_request(require_login)

    def page(recipient: Recipient, status: int = 200, **extra: Any) -> ResponseReturnValue:
        return render_person(store, config, recipient, status, **extra)

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
            med = care_plan.add_medication(store, web_actor(), now, med)
        except ValidationError as exc:
            return page(recipient, 422, med_error=str(exc), form=form_values(request.form))
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
            med = care_plan.change_medication(store, web_actor(), now, med)
        except ValidationError as exc:
            return render_template("medication_form.html", recipient=recipient, medication=before,
                                   form=form_values(request.form), error=str(exc)), 422
        flash(f"{med.name} is saved.")
        return redirect(url_for("recipient.show", recipient_id=recipient.id) + "#medications", code=303)

    @bp.post("/recipients/<recipient_id>/medications/<medication_id>/stop")
    def stop_medication(recipient_id: str, medication_id: str) -> ResponseReturnValue:
        recipient = recipient_for(store, recipient_id, edit=True)
        before = medication_of(recipient, medication_id)
        if request.form.get("confirm") != "yes":  # one tap never stops a medicine: ask first (skill/web/confirm.py)
            return redirect(url_for("confirm.stop_medication", recipient_id=recipient.id,
                                    medication_id=before.id), code=303)
        care_plan.stop_medication(store, web_actor(), config.clock(), recipient.id, before.id)
        flash(f"{before.name} is stopped; its history stays.")
        return redirect(url_for("recipient.show", recipient_id=recipient.id) + "#medications", code=303)

    @bp.post("/recipients/<recipient_id>/contacts")
    def add_contact(recipient_id: str) -> ResponseReturnValue:
        recipient = recipient_for(store, recipient_id, edit=True)
        now = config.clock()
        try:
            draft = contact_from_form(request.form, recipient.id, now)
            contact = contacts.add_contact(store, web_actor(), now, draft)
        except ValidationError as exc:
            field = getattr(exc, "field", "") or ("quiet" if "quiet" in str(exc) else "")
            return page(recipient, 422, contact_error=getattr(exc, "reason", str(exc)), contact_error_field=field,
                        contact_form=dict(request.form))
        flash(f"{contact.name} is added: they will get alerts by {CHANNEL_WORDS.get(contact.channel, contact.channel)} "
              f"at {contact.address}. Send a test alert to check it reaches them.")
        return redirect(url_for("recipient.show", recipient_id=recipient.id) + "#contacts", code=303)

    @bp.post("/recipients/<recipient_id>/contacts/<contact_id>/delete")
    def delete_contact(recipient_id: str, contact_id: str) -> ResponseReturnValue:
        recipient = recipient_for(store, recipient_id, edit=True)
        if request.form.get("confirm") != "yes":  # one tap never removes a contact: ask first
            return redirect(url_for("confirm.remove_contact", recipient_id=recipient.id, contact_id=contact_id),
                            code=303)
        contact = contacts.remove_contact(store, web_actor(), config.clock(), recipient.id, contact_id)
        flash(f"{contact.name} will no longer get alerts.")
        return redirect(url_for("recipient.show", recipient_id=recipient.id) + "#contacts", code=303)

    @bp.post("/recipients/<recipient_id>/settings")
    def save_settings(recipient_id: str) -> ResponseReturnValue:
        recipient = recipient_for(store, recipient_id, edit=True)
        voice_state = store.get_voice_state(recipient.id)
        followup, names = voice_state.followup_minutes, voice_state.name_medicines_in_reminders
        try:  # everything is checked before anything is saved
            speech, grace = speech_from_form(request.form)
            zone = request.form.get("timezone", recipient.timezone).strip()
            updated = replace(recipient, speech=speech, grace_minutes=grace, timezone=zone)
            new_followup = followup_from_form(request.form, followup)
            new_names = name_medicines_from_form(request.form, names)
        except ValidationError as exc:
            return page(recipient, 422, settings_error=str(exc))
        if updated == recipient and new_followup == followup and new_names == names:
            flash("Nothing changed.")
            return redirect(url_for("recipient.show", recipient_id=recipient.id) + "#settings", code=303)
        # a new time zone re-plans the doses still to come
        recipients.change_recipient(store, web_actor(), config.clock(), updated, new_followup, new_names)
        flash("Settings are saved.")
        return redirect(url_for("recipient.show", recipient_id=recipient.id) + "#settings", code=303)

    @bp.post("/recipients/<recipient_id>/link-code")
    def new_link_code(recipient_id: str) -> ResponseReturnValue:
        recipient = recipient_for(store, recipient_id, edit=True)
        code = recipients.issue_link_code(store, web_actor(), config.clock(), recipient.id)
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
