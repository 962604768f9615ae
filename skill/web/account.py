"""Your account: personal access tokens for the API; accepting a carer's invitation; the admin's list of
the organisation's accounts, where carers are linked to the people they look after."""

from __future__ import annotations

import logging

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from skill.accounts.access import can_manage
from skill.accounts.passwords import hash_password, verify_password
from skill.accounts.tokens import hash_secret, issue_token
from skill.domain.accounts import Invitation, Role, User
from skill.domain.errors import ConflictError, ValidationError
from skill.domain.models import new_id
from skill.store.base import Store
from skill.web.auth import current_user, require_login, sign_in, signed_in_user
from skill.web.config import WebConfig

log = logging.getLogger(__name__)


def account_blueprint(store: Store, config: WebConfig) -> Blueprint:
    bp = Blueprint("account", __name__)

    @bp.get("/account")
    def show() -> ResponseReturnValue:
        if (denied := require_login()) is not None:
            return denied
        user = signed_in_user()
        return render_template("account.html", user=user, tokens=store.list_tokens(user.id))

    @bp.post("/account/tokens")
    def new_token() -> ResponseReturnValue:
        if (denied := require_login()) is not None:
            return denied
        user = signed_in_user()
        secret, token = issue_token(user.id, request.form.get("name", "")[:60], config.clock())
        store.put_token(token)
        return render_template("account.html", user=user, tokens=store.list_tokens(user.id), new_secret=secret)

    @bp.post("/account/tokens/<token_hash>/revoke")
    def revoke_token(token_hash: str) -> ResponseReturnValue:
        if (denied := require_login()) is not None:
            return denied
        if not store.delete_token(signed_in_user().id, token_hash):
            abort(404)
        flash("The token is revoked.")
        return redirect(url_for("account.show"), code=303)

    @bp.post("/account/password")
    def change_password() -> ResponseReturnValue:
        """A wrong current password counts as a failed sign-in (towards the lock), so a session left open
        on a shared computer cannot be used to guess it. The new password starts a new session."""
        if (denied := require_login()) is not None:
            return denied
        user = signed_in_user()
        now = config.clock()
        error = None
        if user.locked(now):  # no guessing on while locked
            error = "Too many wrong passwords. Try again later."
        elif not verify_password(user.password_hash, request.form.get("current_password", "")):
            store.record_login_failure(user.id, config.lockout_after, now + config.lockout_for)
            error = "Your current password is not right."
        elif request.form.get("new_password", "") != request.form.get("new_password_again", ""):
            error = "The two new passwords differ."
        else:
            try:
                store.set_password_hash(user.id, hash_password(request.form.get("new_password", "")))
            except ValidationError as exc:
                error = f"The new {exc}."
        if error is not None:
            return render_template("account.html", user=user, tokens=store.list_tokens(user.id),
                                   password_error=error), 422
        if user.failed_logins:
            store.clear_login_failures(user.id)
        log.info("password changed", extra={"user_id": user.id})  # the id only: no email, no names
        sign_in(user)
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
    def accept_invite_post(secret: str) -> ResponseReturnValue:
        invitation = usable_invitation(secret)
        user = current_user()
        now = config.clock()
        if user is not None and user.organisation != invitation.organisation:
            abort(403, description="This invitation is for another organisation's account.")
        if user is None:
            email = request.form.get("email", "")
            password = request.form.get("password", "")
            try:
                if password != request.form.get("password_again", ""):
                    raise ValidationError("the two passwords differ")
                new_user = User(id=new_id("usr"), email=email, role=Role.CARER,
                                organisation=invitation.organisation, password_hash=hash_password(password),
                                created_at=now)
                if store.get_user_by_email(new_user.email) is not None:
                    raise ConflictError("an account with that email already exists: sign in first, then "
                                        "open the invitation link again")
            except (ValidationError, ConflictError) as exc:
                return render_template("invite.html", secret=secret, user=None, email=email, error=str(exc)), 422
        claimed = store.claim_invitation(invitation.token_hash, now)
        if claimed is None:
            abort(404, description="This invitation link is not valid: it was used already, or has expired.")
        if user is None:
            new_user = User(id=new_user.id, email=new_user.email, role=Role.CARER,
                            organisation=claimed.organisation, password_hash=new_user.password_hash,
                            recipient_ids=claimed.recipient_ids, created_at=now)
            store.create_user(new_user)
            sign_in(new_user)
        else:
            for recipient_id in sorted(claimed.recipient_ids):
                store.link_recipient(user.id, recipient_id)
        flash("Invitation accepted: you can now see and change this person's medicines.")
        return redirect(url_for("today.today"), code=303)

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
