"""The one place pages turn a recipient id into a recipient the signed-in user may see (or change).

Someone else's recipient is "not found" (404), exactly like one that does not exist, so ids cannot be
probed; a coordinator who may read but not change gets 403 on a change.
"""

from __future__ import annotations

from flask import abort

from skill.accounts.access import can_edit, can_view
from skill.domain.accounts import Role, User
from skill.domain.actors import Actor
from skill.domain.models import LogSource, Recipient
from skill.store.base import Store
from skill.web.auth import signed_in_user


def web_actor() -> Actor:
    """The signed-in user as the use-case layer's actor."""
    return Actor.of_user(signed_in_user(), LogSource.WEB)


def recipient_for(store: Store, recipient_id: str, edit: bool = False) -> Recipient:
    user = signed_in_user()
    recipient = store.get_recipient(recipient_id)
    if recipient is None or not can_view(user, recipient):
        abort(404)
    if edit and not can_edit(user, recipient):
        abort(403, description="You can read this person's records but not change them.")
    return recipient


def cared_for(store: Store, user: User) -> list[Recipient]:
    """The recipients linked to this user (their Today page), by name."""
    found = [r for r in (store.get_recipient(rid) for rid in sorted(user.recipient_ids)) if r is not None]
    return sorted(found, key=lambda r: (r.display_name.casefold(), r.id))


def cohort_for(store: Store, user: User) -> list[Recipient]:
    """Everyone a coordinator (or admin) may read: their organisation's recipients."""
    if user.role not in (Role.COORDINATOR, Role.ADMIN):
        return []
    return store.list_recipients(user.organisation)
