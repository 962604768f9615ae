"""Your account: personal access tokens for the API; accepting a carer's invitation; the admin's list of
the organisation's accounts, where carers are linked to the people they look after.

Accepting an invitation without an account answers the same whether or not the email already has one
(and uses the invitation up either way), so an invitation link cannot be used to probe for accounts.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_limiter import Limiter

from skill.accounts.access import can_manage
from skill.accounts.passwords import hash_password, verify_password
from skill.accounts.throttle import SignInThrottle
from skill.accounts.tokens import hash_secret, issue_token
from skill.domain.accounts import Invitation, Role, TokenScope, User
from skill.domain.errors import ConflictError, ValidationError
from skill.domain.models import new_id, utcnow
from skill.observability import get_logger
from skill.store.base import Store
from skill.web.auth import current_user, locked_text, require_login, sign_in, signed_in_user
from skill.web.config import WebConfig

log = get_logger(__name__)

CHANGE_ATTEMPTS_LIMIT = "10 per 15 minutes"  # per account: each try is an argon2 check
INVITATION_LIMIT = "5 per 10 minutes"  # per client address: each new account is an argon2 hash
TOKEN_LIFETIMES: dict[str, timedelta | None] = {  # the choices on the account page, value -> lifetime
    "30": timedelta(days=30), "90": timedelta(days=90), "365": timedelta(days=365), "never": None}
DEFAULT_LIFETIME_CHOICE = "90"
INVITATION_DONE = ("Thank you. If that email is new to DoseKeeper, your account is ready: sign in with it "
                   "below. If you already had an account, sign in and ask for a new invitation link.")
PASSWORDS_DIFFER = "the two passwords differ"


def token_choice(form_scope: str, form_lifetime: str) -> tuple[TokenScope, timedelta | None]:
    try:
        scope = TokenScope(form_scope or TokenScope.READ.value)
    except ValueError as exc:
        raise ValidationError("choose what the token may do: read only, or read and change") from exc
    if form_lifetime not in TOKEN_LIFETIMES:
        raise ValidationError("choose when the token expires")
    return scope, TOKEN_LIFETIMES[form_lifetime]


def valid_email(email: str, organisation: str) -> str | None:
    """Why the email cannot be an account's, or None (the same check the User record makes)."""
    try:
        User(id="usr_check", email=email, role=Role.CARER, organisation=organisation,
             password_hash="-", created_at=utcnow())  # noqa: S106 - a placeholder, never stored
    except ValidationError as exc:
        return str(exc)
    return None


def account_blueprint(store: Store, config: WebConfig, limiter: Limiter) -> Blueprint:
    bp = Blueprint("account", __name__)
    throttle = SignInThrottle(store, free_failures=config.lockout_after, longest_lock=config.lockout_for)

    def account_page(user: User, status: int = 200, **extra: object) -> ResponseReturnValue:
        return render_template("account.html", user=user, tokens=store.list_tokens(user.id), now=config.clock(),
                               lifetimes=TOKEN_LIFETIMES, default_lifetime=DEFAULT_LIFETIME_CHOICE, **extra), status

    @bp.get("/account")
    def show() -> ResponseReturnValue:
        if (denied := require_login()) is not None:
            return denied
        return account_page(signed_in_user())

    @bp.post("/account/tokens")
    def new_token() -> ResponseReturnValue:
        """Read-only unless asked otherwise, and expiring by default: a leaked token should do little, briefly."""
        if (denied := require_login()) is not None:
            return denied
        user = signed_in_user()
        now = config.clock()
        try:
            scope, lifetime = token_choice(request.form.get("scope", ""),
                                           request.form.get("expires", DEFAULT_LIFETIME_CHOICE))
        except ValidationError as exc:
            return account_page(user, 422, token_error=str(exc))
        secret, token = issue_token(user.id, request.form.get("name", "")[:60], now, scope=scope,
                                    expires_at=now + lifetime if lifetime is not None else None)
        store.put_token(token)
        return account_page(user, new_secret=secret)

    @bp.post("/account/tokens/<token_hash>/revoke")
    def revoke_token(token_hash: str) -> ResponseReturnValue:
        if (denied := require_login()) is not None:
            return denied
        if not store.delete_token(signed_in_user().id, token_hash):
            abort(404)
        flash("The token is revoked.")
        return redirect(url_for("account.show"), code=303)

    @bp.post("/account/password")
    @limiter.limit(CHANGE_ATTEMPTS_LIMIT, key_func=lambda: f"user:{signed_in_user().id}",
                   exempt_when=lambda: current_user() is None)
    def change_password() -> ResponseReturnValue:
        """A wrong current password counts as a failed sign-in from this client (towards its lock), so a
        session left open on a shared computer cannot be used to guess it. The new password ends every other
        session and starts a new one here."""
        if (denied := require_login()) is not None:
            return denied
        user = signed_in_user()
        now = config.clock()
        client = request.remote_addr
        error = None
        if (wait := throttle.locked_for(user.email, client, now)) is not None:  # no guessing on while locked
            error = f"Too many wrong passwords. Try again later. {locked_text(wait)}"
        elif not verify_password(user.password_hash, request.form.get("current_password", "")):
            throttle.failed(user.email, client, now)
            error = "Your current password is not right."
        elif request.form.get("new_password", "") != request.form.get("new_password_again", ""):
            error = "The two new passwords differ."
        else:
            try:
                store.set_password_hash(user.id, hash_password(request.form.get("new_password", "")))
            except ValidationError as exc:
                error = f"The new {exc}."
        if error is not None:
            return account_page(user, 422, password_error=error)
        throttle.succeeded(user.email, client)
        version = store.end_sessions(user.id)
        log.info("password changed", extra={"user_id": user.id})  # the id only: no email, no names
        sign_in(replace(user, session_version=version if version is not None else user.session_version))
        flash("Your password is changed.")
        return redirect(url_for("account.show"), code=303)

    def usable_invitation(secret: str) -> Invitation:
        invitation = store.get_invitation(hash_secret(secret))
        if invitation is None or not invitation.usable(config.clock()):
            abort(404, description="This invitation link is not valid: it was used already, or has expired.")
        return invitation

    @bp.get("/invite/<secret>")
    def accept_invite(secret: str) -> ResponseReturnValue:
        usable_invitation(secret)
        return render_template("invite.html", secret=secret, user=current_user(), email="")

    @bp.post("/invite/<secret>")
    @limiter.limit(INVITATION_LIMIT)
    def accept_invite_post(secret: str) -> ResponseReturnValue:
        invitation = usable_invitation(secret)
        user = current_user()
        now = config.clock()
        if user is not None and user.organisation != invitation.organisation:
            abort(403, description="This invitation is for another organisation's account.")
        if user is None:
            return make_account(secret, invitation)
        claimed = store.claim_invitation(invitation.token_hash, now)
        if claimed is None:
            abort(404, description="This invitation link is not valid: it was used already, or has expired.")
        for recipient_id in sorted(claimed.recipient_ids):
            store.link_recipient(user.id, recipient_id)
        flash("Invitation accepted: you can now see and change this person's medicines.")
        return redirect(url_for("today.today"), code=303)

    def make_account(secret: str, invitation: Invitation) -> ResponseReturnValue:
        """A complete form uses the invitation up whether or not the email is new, and gets one answer: go
        and sign in. So the form tells an invitation holder nothing about who has an account."""
        email = request.form.get("email", "")
        password = request.form.get("password", "")
        now = config.clock()
        errors: dict[str, str] = {}
        if (wrong := valid_email(email, invitation.organisation)) is not None:
            errors["email"] = wrong
        if password != request.form.get("password_again", ""):
            errors["password_again"] = PASSWORDS_DIFFER
        try:
            password_hash = hash_password(password)  # argon2 for every complete form, so timing says nothing
        except ValidationError as exc:
            errors["password"] = str(exc)
        if errors:
            return render_template("invite.html", secret=secret, user=None, email=email, errors=errors,
                                   error="Please correct the fields marked below."), 422
        claimed = store.claim_invitation(invitation.token_hash, now)
        if claimed is None:
            abort(404, description="This invitation link is not valid: it was used already, or has expired.")
        try:
            store.create_user(User(id=new_id("usr"), email=email, role=Role.CARER, organisation=claimed.organisation,
                                   password_hash=password_hash, recipient_ids=claimed.recipient_ids,
                                   created_at=now))
        except ConflictError:
            log.info("invitation used with an email that has an account")  # no email, no names
        flash(INVITATION_DONE)
        return redirect(url_for("auth.login"), code=303)

    @bp.get("/admin/users")
    def users() -> ResponseReturnValue:
        if (denied := require_login()) is not None:
            return denied
        admin = signed_in_user()
        if admin.role is not Role.ADMIN:
            abort(404)
        recipients = {r.id: r for r in store.list_recipients(admin.organisation)}
        return render_template("users.html", users=store.list_users(admin.organisation), recipients=recipients)

    @bp.post("/admin/users/link")
    def link() -> ResponseReturnValue:
        if (denied := require_login()) is not None:
            return denied
        admin = signed_in_user()
        if admin.role is not Role.ADMIN:
            abort(404)
        try:
            other = store.get_user_by_email(request.form.get("email", ""))
        except ValidationError:
            other = None
        recipient = store.get_recipient(request.form.get("recipient_id", ""))
        if other is None or not can_manage(admin, other) or recipient is None \
                or recipient.organisation != admin.organisation:
            abort(404)
        if request.form.get("action") == "unlink":
            store.unlink_recipient(other.id, recipient.id)
            flash(f"{other.email} no longer cares for this person.")
        else:
            store.link_recipient(other.id, recipient.id)
            flash(f"{other.email} now cares for this person.")
        return redirect(url_for("account.users"), code=303)

    return bp
