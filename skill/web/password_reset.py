"""Forgot password: a link by email, used once within 30 minutes, that sets a new password and signs the
account out everywhere.

The request form answers the same for every email, known or not, and sends at most a few mails per
address an hour, so it neither reveals accounts nor floods an inbox. The link is built from the
configured public URL, never from the request's Host header (which a caller writes): a poisoned Host
would otherwise mail the owner a link to someone else's site, carrying a live reset secret.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_limiter import Limiter

from skill.accounts.passwords import check_strength, hash_password
from skill.accounts.resets import issue_reset, reset_message
from skill.accounts.throttle import SignInThrottle, subject_key
from skill.accounts.tokens import hash_secret
from skill.domain.accounts import PasswordReset, clean_email
from skill.domain.errors import ValidationError
from skill.notify.channel import Channel, DeliveryError
from skill.observability import get_logger
from skill.store.base import Store
from skill.web.config import WebConfig

log = get_logger(__name__)

REQUEST_LIMIT = "5 per 15 minutes"  # per client address: asking for links
CONFIRM_LIMIT = "10 per 15 minutes"  # per client address: each new password is an argon2 hash
MAILS_PER_ADDRESS = 3  # reset mails to one address ...
MAIL_WINDOW = timedelta(hours=1)  # ... in this long
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
SENT = ("If an account uses that email, we have sent it a link to choose a new password. The link works "
        "once, within 30 minutes. Nothing arrived? Check your spam folder, or ask again in a few minutes.")
PASSWORDS_DIFFER = "The two new passwords differ."
INVALID = "This reset link is not valid: it was used already, or it has expired. You can ask for a new one."


def link_base(public_url: str | None) -> str | None:
    if public_url:
        return public_url.rstrip("/")
    host = request.host.rsplit(":", 1)[0] if not request.host.startswith("[") else request.host[1:].split("]")[0]
    return request.host_url.rstrip("/") if host in LOOPBACK_HOSTS else None


def password_reset_blueprint(store: Store, config: WebConfig, limiter: Limiter, email: Channel) -> Blueprint:
    bp = Blueprint("password_reset", __name__)
    throttle = SignInThrottle(store, free_failures=config.lockout_after, longest_lock=config.lockout_for)

    @bp.app_context_processor
    def offered() -> dict[str, bool]:
        return {"password_reset": True}

    @bp.get("/password/forgot")
    def forgot() -> ResponseReturnValue:
        return render_template("forgot_password.html", email="")

    @bp.post("/password/forgot")
    @limiter.limit(REQUEST_LIMIT)
    def forgot_post() -> ResponseReturnValue:
        given = request.form.get("email", "")
        try:
            address = clean_email(given)
        except ValidationError as exc:
            return render_template("forgot_password.html", email=given, error=str(exc)), 422
        now = config.clock()
        user = store.get_user_by_email(address)
        sent_recently = store.rate_hit(subject_key("reset-mail", address), MAIL_WINDOW, now).count
        if user is not None and sent_recently <= MAILS_PER_ADDRESS:
            base = link_base(config.public_url)
            if base is None:
                log.error("password reset link not sent: set the public URL (DOSEKEEPER_PUBLIC_URL)")
            else:
                secret, reset = issue_reset(user.id, now)
                store.put_password_reset(reset)
                link = f"{base}{url_for('password_reset.choose', secret=secret)}"
                try:
                    email.send(reset_message(user.email, link, reset))
                except DeliveryError as exc:
                    log.warning("password reset email failed", extra={"user_id": user.id, "reason": exc.reason})
                else:
                    log.info("password reset email sent", extra={"user_id": user.id})
        return render_template("forgot_password.html", email="", sent=SENT)

    def usable(secret: str) -> PasswordReset | None:
        reset = store.get_password_reset(hash_secret(secret))
        return reset if reset is not None and reset.usable(config.clock()) else None

    def invalid() -> ResponseReturnValue:
        return render_template("reset_password.html", invalid=INVALID), 404

    @bp.get("/password/reset/<secret>")
    def choose(secret: str) -> ResponseReturnValue:
        if usable(secret) is None:
            return invalid()
        return render_template("reset_password.html", secret=secret)

    @bp.post("/password/reset/<secret>")
    @limiter.limit(CONFIRM_LIMIT)
    def choose_post(secret: str) -> ResponseReturnValue:
        """The form is checked before the link is used, so a typo does not cost the link."""
        if (reset := usable(secret)) is None:
            return invalid()
        password = request.form.get("new_password", "")
        errors: dict[str, str] = {}
        try:
            check_strength(password)
        except ValidationError as exc:
            errors["new_password"] = f"The new {exc}."
        if not errors and password != request.form.get("new_password_again", ""):
            errors["new_password_again"] = PASSWORDS_DIFFER
        if errors:
            return render_template("reset_password.html", secret=secret, errors=errors), 422
        password_hash = hash_password(password)
        claimed = store.claim_password_reset(reset.token_hash, config.clock())
        user = store.get_user(claimed.user_id) if claimed is not None else None
        if claimed is None or user is None:
            return invalid()
        store.set_password_hash(user.id, password_hash)
        store.end_sessions(user.id)
        throttle.succeeded(user.email, request.remote_addr)
        log.info("password reset", extra={"user_id": user.id})  # the id only
        session.clear()
        flash("Your password is changed, and you are signed out everywhere. Sign in with the new password.")
        return redirect(url_for("auth.login"), code=303)

    return bp
