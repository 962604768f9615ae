"""Per-person assist tokens: a Home Assistant box speaks for ONE person, with a secret shown once.

A token is stored the way a linked Alexa speaker is (an `AlexaLink` from an id to one recipient), with the id
made from the SHA-256 of the secret: nothing new to migrate in either store, every turn confirms the link in
one read, and revoking is deleting the link. The secret's own prefix ("dka_") keeps it from ever passing as a
personal access token for the REST API, which only accepts "dk_" secrets.
"""

from __future__ import annotations

from datetime import datetime

from skill.accounts.tokens import hash_secret, new_secret
from skill.domain.voice import AlexaLink
from skill.store.base import Store

ASSIST_PREFIX = "dka_"  # a marker that makes leaked tokens easy to scan for, not a secret
LINK_PREFIX = "assist:"


def link_id(secret: str) -> str:
    return LINK_PREFIX + hash_secret(secret)


def issue(store: Store, recipient_id: str, now: datetime) -> str:
    """A new token for the person; the secret is returned once and never stored."""
    secret = new_secret(ASSIST_PREFIX)
    store.put_alexa_link(AlexaLink(link_id(secret), recipient_id, now))
    return secret


def recipient_of(store: Store, secret: str | None) -> str | None:
    """The person a token speaks for, or None for a missing, malformed or revoked token. One read."""
    if not secret or not secret.startswith(ASSIST_PREFIX) or len(secret) > 200:
        return None
    link = store.get_alexa_link(link_id(secret))
    return link.recipient_id if link is not None else None


def revoke(store: Store, secret: str) -> bool:
    """Revoke one token (the secret itself, as Home Assistant holds it)."""
    if recipient_of(store, secret) is None:
        return False
    store.delete_alexa_link(link_id(secret))
    return True


def revoke_all(store: Store, recipient_id: str, now: datetime) -> int:
    """Revoke every assist token of the person (a lost or replaced Home Assistant box); Alexa links stay."""
    voice = store.load_voice_view(recipient_id, since=now)
    if voice is None:
        return 0
    ours = [i for i in voice.linked_ids if i.startswith(LINK_PREFIX)]
    for ident in ours:
        store.delete_alexa_link(ident)
    return len(ours)


def bearer(authorization_header: str | None) -> str | None:
    """The secret from `Authorization: Bearer dka_...`."""
    scheme, _, value = (authorization_header or "").strip().partition(" ")
    return value.strip() if scheme.lower() == "bearer" else None
