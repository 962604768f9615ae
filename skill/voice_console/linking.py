"""The console speaks as a fixed Alexa user per recipient, linked without a carer's code.

Linking directly (rather than issuing a code and saying it) leaves any code a carer is holding valid:
issuing a fresh code would silently cancel theirs.
"""

from __future__ import annotations

from datetime import datetime

from skill.domain.voice import AlexaLink
from skill.store.base import Store

CONSOLE_USER_PREFIX = "amzn1.ask.account.DOSEKEEPER_CONSOLE_"


def console_user_id(recipient_id: str) -> str:
    return CONSOLE_USER_PREFIX + recipient_id


def ensure_linked(store: Store, recipient_id: str, now: datetime) -> str:
    """The console user's id, linked to the recipient (one read, and one write the first time)."""
    user_id = console_user_id(recipient_id)
    link = store.get_alexa_link(user_id)
    if link is None or link.recipient_id != recipient_id:
        store.put_alexa_link(AlexaLink(alexa_id=user_id, recipient_id=recipient_id, linked_at=now))
    return user_id
