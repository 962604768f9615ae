"""Adding a person to care for: name, time zone from a list, language; then the link code to say to Alexa.

Carers add the people they look after (and are linked to them); admins add people to their organisation.
Coordinators read the cohort but do not add people. Everything goes through `recipients.add_recipient`.
"""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask.typing import ResponseReturnValue

from skill.domain.accounts import Role
from skill.domain.errors import ValidationError
from skill.domain.models import Recipient
from skill.store.base import Store
from skill.usecases import recipients
from skill.web.auth import require_login, signed_in_user
from skill.web.config import WebConfig
from skill.web.guards import web_actor
from skill.web.timefields import LOCALES, carer_locale
from skill.web.zones import DEFAULT_FOR_LOCALE, known_zone

ADDERS = (Role.CARER, Role.ADMIN)
LANGUAGES = (("en-GB", "English (United Kingdom)"), ("en-US", "English (United States)"))


def people_blueprint(store: Store, config: WebConfig) -> Blueprint:
    bp = Blueprint("people", __name__)
    bp.before_request(require_login)

    def form(status: int = 200, error: str = "", field: str = "", **values: str) -> ResponseReturnValue:
        locale = values.get("locale") or carer_locale()
        return render_template("person_new.html", error=error, error_field=field, languages=LANGUAGES,
                               name=values.get("name", ""), locale=locale,
                               timezone=values.get("timezone") or DEFAULT_FOR_LOCALE.get(locale, "Europe/London"),
                               chosen=bool(values.get("timezone"))), status

    @bp.get("/people/new")
    def new() -> ResponseReturnValue:
        if signed_in_user().role not in ADDERS:
            abort(403, description="Carers and admins add people; ask one of them.")
        return form()

    @bp.post("/people")
    def add() -> ResponseReturnValue:
        if signed_in_user().role not in ADDERS:
            abort(403, description="Carers and admins add people; ask one of them.")
        name = request.form.get("name", "").strip()
        zone = request.form.get("timezone", "").strip()
        locale = request.form.get("locale", "")
        values = {"name": name, "timezone": zone, "locale": locale}
        if not name:
            return form(422, "Give their name, as Alexa should say it.", "name", **values)
        if not known_zone(zone):
            return form(422, "Choose their time zone from the list.", "timezone", **values)
        if locale not in LOCALES:
            return form(422, "Choose the language Alexa speaks to them.", "locale", **values)
        try:
            draft = Recipient(id="", display_name=name, timezone=zone, locale=locale)
        except ValidationError as exc:
            return form(422, str(exc), "name", **values)
        person, code = recipients.add_recipient(store, web_actor(), config.clock(), draft)
        return render_template("person_added.html", person=person, code=code), 201

    return bp
