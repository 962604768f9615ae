"""Signing in and out, who is signed in, and API token authentication.

A wrong email and a wrong password get the same answer and take the same time (a dummy argon2 check),
so the form does not reveal who has an account. Each client address gets a few attempts a minute
(flask-limiter), and each account is locked for a while after repeated failures.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, g, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_limiter import Limiter

from skill.accounts.passwords import DUMMY_HASH, hash_password, needs_rehash, verify_password
from skill.accounts.tokens import bearer_secret, hash_secret
from skill.domain.accounts import User
from skill.domain.errors import ValidationError
from skill.store.base import Store
from skill.web import csrf
from skill.web.config import WebConfig

SESSION_USER = "uid"
WRONG = "That email and password do not match an account."
LOCKED = "Too many failed sign-ins. This account is locked for a while; try again later."


def current_user() -> User | None:
    """The signed-in user of this request (loaded once per request by `load_user`)."""
    user: User | None = g.get("user")
    return user


def load_user(store: Store) -> None:
    user_id = session.get(SESSION_USER)
    g.user = store.get_user(user_id) if isinstance(user_id, str) else None
    if user_id and g.user is None:
        session.clear()


def require_login() -> ResponseReturnValue | None:
    """A blueprint's before_request: pages are private unless a route says otherwise."""
    if current_user() is None:
        if request.path.endswith(".json"):  # a polling script wants a status, not the sign-in page
            abort(401, description="Sign in again.")
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    return None


def signed_in_user() -> User:
    user = current_user()
    if user is None:  # require_login runs first; this only satisfies the type checker
        raise RuntimeError("no signed-in user")
    return user


def authenticate_token(store: Store, authorization_header: str | None) -> User | None:
    """The user behind `Authorization: Bearer dk_...`, or None (for the REST API)."""
    secret = bearer_secret(authorization_header)
    if secret is None:
        return None
    token = store.get_token(hash_secret(secret))
    return store.get_user(token.user_id) if token is not None else None


def safe_next(target: str | None) -> str:
    """Only a path on this site: an open redirect would make the sign-in page a phishing aid."""
    if not target:
        return url_for("today.today")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("today.today")
    return target


def sign_in(user: User) -> None:
    session.clear()
    session[SESSION_USER] = user.id
    session.permanent = True
    csrf.rotate()


def auth_blueprint(store: Store, config: WebConfig, limiter: Limiter) -> Blueprint:
    bp = Blueprint("auth", __name__)

    @bp.get("/login")
    def login() -> ResponseReturnValue:
        if current_user() is not None:
            return redirect(safe_next(request.args.get("next")))
        return render_template("login.html", next=request.args.get("next", ""), email="")

    @bp.post("/login")
    @limiter.limit(lambda: config.login_rate_limit, methods=["POST"])
    def login_post() -> ResponseReturnValue:
        email = request.form.get("email", "").strip()
        password = request.form.get("password", "")
        target = request.form.get("next", "")
        now = config.clock()
        try:
            user = store.get_user_by_email(email) if email else None
        except ValidationError:
            user = None
        if user is None:
            verify_password(DUMMY_HASH, password)
            return render_template("login.html", error=WRONG, next=target, email=email), 401
        if user.locked(now):
            return render_template("login.html", error=LOCKED, next=target, email=email), 403
        if not verify_password(user.password_hash, password):
            after = store.record_login_failure(user.id, config.lockout_after, now + config.lockout_for)
            if after is not None and after.locked(now):
                return render_template("login.html", error=LOCKED, next=target, email=email), 403
            return render_template("login.html", error=WRONG, next=target, email=email), 401
        if user.failed_logins or user.locked_until:
            store.clear_login_failures(user.id)
        if needs_rehash(user.password_hash):
            store.set_password_hash(user.id, hash_password(password))
        sign_in(user)
        return redirect(safe_next(target))

    @bp.post("/logout")
    def logout() -> ResponseReturnValue:
        session.clear()
        csrf.rotate()
        flash("You are signed out.")
        return redirect(url_for("auth.login"))

    return bp
