"""The application factory: `create_app(store, config)` builds the whole web app around one store."""

from __future__ import annotations

import secrets
from typing import Any, cast

from flask import Flask, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from werkzeug import exceptions as werkzeug_exceptions
from werkzeug.exceptions import HTTPException

from skill.domain.errors import DoseKeeperError, NotFoundError
from skill.notify.channel import Channel
from skill.store.base import Store
from skill.store.ratelimit_limits import SCHEME as STORE_LIMITS
from skill.usecases.errors import Forbidden
from skill.web import audit_words, csrf, timefields, zones
from skill.web.account import account_blueprint
from skill.web.api import api_blueprint
from skill.web.assist import assist_blueprint
from skill.web.auth import auth_blueprint, current_user, load_user
from skill.web.config import WebConfig
from skill.web.confirm import confirm_blueprint
from skill.web.contact_alerts import contact_alerts_blueprint
from skill.web.coordinator import coordinator_blueprint
from skill.web.dose_fixes import dose_fixes_blueprint
from skill.web.downloads import downloads_blueprint
from skill.web.heard import heard_blueprint
from skill.web.history import history_blueprint
from skill.web.oauth import OAUTH_CSRF_EXEMPT, oauth_blueprint
from skill.web.password_reset import password_reset_blueprint
from skill.web.people import people_blueprint
from skill.web.recipient import recipient_blueprint
from skill.web.today import today_blueprint

__all__ = ["WebConfig", "create_app"]

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; "
                               "script-src 'self'; frame-ancestors 'none'; form-action 'self'",
}


def create_app(store: Store, config: WebConfig | None = None, *, email: Channel | None = None) -> Flask:
    """`email` sends password-reset links; without it the app offers no "forgot password" page."""
    config = config or WebConfig(secret_key=secrets.token_hex(32))
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=config.secret_key,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=config.secure_cookies,
        SESSION_COOKIE_NAME="__Host-dosekeeper" if config.secure_cookies else "dosekeeper",
        PERMANENT_SESSION_LIFETIME=config.session_lifetime,
        MAX_CONTENT_LENGTH=1024 * 1024,
    )
    app.extensions["dosekeeper.store"] = store
    # Counted in the store (skill.store.ratelimit_limits), so the limits hold across Lambda containers.
    app.add_template_filter(timefields.format_clock, "clock")
    limiter = Limiter(get_remote_address, app=app, storage_uri=f"{STORE_LIMITS}://", default_limits=[],
                      storage_options=cast(dict[str, str | int], {"store": store, "clock": config.clock}))

    @app.before_request
    def before() -> None:
        csrf.check_csrf(config.csrf_exempt_prefixes + OAUTH_CSRF_EXEMPT)  # clients, not browsers, call these
        load_user(store)

    @app.after_request
    def headers(response: Any) -> Any:
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if request.endpoint != "static":
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    @app.context_processor
    def globals_() -> dict[str, Any]:
        return {"csrf_token": csrf.csrf_token, "me": current_user(), "clock_hint": timefields.clock_hint,
                "zone_groups": zones.zone_groups, "known_zone": zones.known_zone,
                "field_words": audit_words.field_words, "value_words": audit_words.value_words,
                "what_words": audit_words.what_words}

    @app.get("/healthz")
    def healthz() -> ResponseReturnValue:
        return jsonify(status="ok")

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> ResponseReturnValue:
        if request.path.startswith("/api/") or request.path.endswith(".json"):
            # The REST API's error shape, so routing errors (404, 405) read like the API's own.
            name = (exc.name or "error").lower().replace(" ", "_")
            return jsonify(error=name, message=exc.description, fields=[]), exc.code or 500
        return render_template("error.html", error=exc), exc.code or 500

    @app.errorhandler(DoseKeeperError)
    def use_case_error(exc: DoseKeeperError) -> ResponseReturnValue:
        """A use case said no: unknown (or not visible) is 404, not theirs to change is 403, a broken rule 422."""
        if isinstance(exc, NotFoundError):
            return http_error(werkzeug_exceptions.NotFound())
        if isinstance(exc, Forbidden):
            return http_error(werkzeug_exceptions.Forbidden(description=str(exc)))
        return http_error(werkzeug_exceptions.UnprocessableEntity(description=str(exc)))

    app.register_blueprint(auth_blueprint(store, config, limiter))
    app.register_blueprint(today_blueprint(store, config))
    app.register_blueprint(recipient_blueprint(store, config))
    app.register_blueprint(confirm_blueprint(store, config))
    app.register_blueprint(dose_fixes_blueprint(store, config))
    app.register_blueprint(contact_alerts_blueprint(store, config))
    app.register_blueprint(people_blueprint(store, config))
    app.register_blueprint(downloads_blueprint(store, config))
    app.register_blueprint(heard_blueprint(store, config))
    app.register_blueprint(history_blueprint(store, config))
    app.register_blueprint(coordinator_blueprint(store, config))
    app.register_blueprint(account_blueprint(store, config, limiter))
    if email is not None:
        app.register_blueprint(password_reset_blueprint(store, config, limiter, email))
    app.register_blueprint(api_blueprint(store, clock=config.clock))
    app.register_blueprint(oauth_blueprint(store, config, limiter))
    app.register_blueprint(assist_blueprint(store, config))  # Home Assistant's intent scripts (issue 14)
    return app
