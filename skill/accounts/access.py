"""Who may see and change what. Every web page and API route asks here, nowhere else.

A carer sees and edits only the recipients linked to them. A coordinator reads every recipient of their
organisation and edits only those they are also linked to as a carer. An admin manages the accounts of
their organisation and reads its recipients (to link carers to them).
"""

from __future__ import annotations

from skill.domain.accounts import Role, User
from skill.domain.models import Recipient


def is_linked(user: User, recipient: Recipient) -> bool:
    return recipient.id in user.recipient_ids


def can_view(user: User, recipient: Recipient) -> bool:
    if is_linked(user, recipient):
        return True
    return user.role in (Role.COORDINATOR, Role.ADMIN) and recipient.organisation == user.organisation


def can_edit(user: User, recipient: Recipient) -> bool:
    return is_linked(user, recipient)


def can_see_cohort(user: User) -> bool:
    return user.role in (Role.COORDINATOR, Role.ADMIN)


def can_manage(user: User, other: User) -> bool:
    """Admins manage accounts of their own organisation only."""
    return user.role is Role.ADMIN and other.organisation == user.organisation
