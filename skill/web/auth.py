"""Signing in and out, who is signed in, and API token authentication.

A wrong email and a wrong password get the same answer and take the same time (a dummy argon2 check),
so the form does not reveal who has an account. Failures are counted per (email, client address) with a
growing lock (skill.accounts.throttle), so a stranger cannot lock the real owner out; each client address
also gets a few attempts a minute (flask-limiter, counted in the store).

Sessions end on the server: the cookie carries the account's session version, and sign-out or a password
change bumps the stored version, so a cookie copied earlier stops working everywhere at once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, g, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_limiter import Limiter

from skill.accounts.passwords import DUMMY_HASH, hash_password, needs_rehash, verify_password
from skill.accounts.throttle import SignInThrottle
from skill.accounts.tokens import bearer_secret, hash_secret
from skill.domain.accounts import AccessToken, User
from skill.domain.errors import ValidationError
from skill.domain.models import utcnow
from skill.store.base import Store
from skill.web import csrf
from skill.web.config import WebConfig

SESSION_USER = "uid"
SESSION_VERSION = "sv"
WRONG = "That email and password do not match an account."


def locked_text(wait: timedelta) -> str:
    minutes = max(1, math.ceil(wait.total_seconds() / 60))
    return (f"Too many failed sign-ins from this device. Wait {minutes} minute{'s' if minutes > 1 else ''} "
            "and try again, or reset your password.")


def current_user() -> User | None:
    """The signed-in user of this request (loaded once per request by `load_user`)."""
    user: User | None = g.get("user")
    return user


def load_user(store: Store) -> None:
    """Every request reads the account anyway (roles, links); comparing its session version costs nothing."""
    user_id = session.get(SESSION_USER)
    user = store.get_user(user_id) if isinstance(user_id, str) else None
    if user is not None and session.get(SESSION_VERSION) != user.session_version:
        user = None  # signed out everywhere, or the password changed, since this cookie was issued
    g.user = user
    if user_id and user is None:
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


@dataclass(frozen=True)
class ApiRefusal:
    """Why the API turns a request away: 401 for no, unknown or expired token, 403 for a read-only one."""

    status: int
    error: str
    message: str


def authenticate_api(store: Store, authorization_header: str | None, now: datetime,
                     write: bool) -> User | ApiRefusal:
    """The user behind `Authorization: Bearer dk_...` if the token is live and its scope allows the call."""
    secret = bearer_secret(authorization_header)
    token: AccessToken | None = store.get_token(hash_secret(secret)) if secret is not None else None
    user = store.get_user(token.user_id) if token is not None else None
    if token is None or user is None:
        return ApiRefusal(401, "unauthorised", "a valid API token is required")
    if token.expired(now):
        return ApiRefusal(401, "unauthorised", "this API token has expired: make a new one on your account page")
    if write and not token.may_write:
        return ApiRefusal(403, "forbidden", "this API token is read-only")
    return user


def authenticate_token(store: Store, authorization_header: str | None, now: datetime | None = None) -> User | None:
    """The user behind a live token (any scope), or None."""
    found = authenticate_api(store, authorization_header, now or utcnow(), write=False)
    return found if isinstance(found, User) else None


def safe_next(target: str | None) -> str:
    """Only a path on this site: an open redirect would make the sign-in page a phishing aid."""
    if not target:
        return url_for("today.today")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("today.today")
    return target


def sign_in(user: User) -> None:
    """`user` must carry its current session version (after `end_sessions`, the one that returned)."""
    session.clear()
    session[SESSION_USER] = user.id
    session[SESSION_VERSION] = user.session_version
    session.permanent = True
    csrf.rotate()


def auth_blueprint(store: Store, config: WebConfig, limiter: Limiter) -> Blueprint:
    bp = Blueprint("auth", __name__)
    throttle = SignInThrottle(store, free_failures=config.lockout_after, longest_lock=config.lockout_for)

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
        client = request.remote_addr
        now = config.clock()

        def refuse(error: str, status: int, wait: timedelta | None = None) -> ResponseReturnValue:
            page = render_template("login.html", error=error, next=target, email=email)
            headers = {"Retry-After": str(math.ceil(wait.total_seconds()))} if wait is not None else {}
            return page, status, headers

        if (wait := throttle.locked_for(email, client, now)) is not None:
            return refuse(locked_text(wait), 429, wait)  # the same for every email, known or not
        try:
            user = store.get_user_by_email(email) if email else None
        except ValidationError:
            user = None
        right = verify_password(user.password_hash if user is not None else DUMMY_HASH, password)
        if user is None or not right:
            if (wait := throttle.failed(email, client, now)) is not None:
                return refuse(locked_text(wait), 429, wait)
            return refuse(WRONG, 401)
        throttle.succeeded(email, client)
        if needs_rehash(user.password_hash):
            store.set_password_hash(user.id, hash_password(password))
        sign_in(user)
        return redirect(safe_next(target))

    @bp.post("/logout")
    def logout() -> ResponseReturnValue:
        """Signs out every session of the account, not just this browser: a cookie copied from a shared
        or lost device must not outlive the sign-out."""
        user = current_user()
        if user is not None:
            store.end_sessions(user.id)
        session.clear()
        csrf.rotate()
        flash("You are signed out.")
        return redirect(url_for("auth.login"))

    return bp
