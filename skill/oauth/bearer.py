"""What a bearer token allows: the one check both kinds of token pass through.

A personal access token (`dk_...`, made on the account page) speaks for its account over every person the
account may see. An OAuth access token (`dko_...`) speaks for the grant given on the consent page: one
person themself, or a carer over the people ticked there. Either way the account is re-read on every call,
so unlinking a person from a carer cuts off their assistants at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from skill.accounts.access import can_edit
from skill.accounts.tokens import TOKEN_PREFIX, hash_secret
from skill.domain.oauth import GrantKind, TokenUse
from skill.oauth import scopes
from skill.store.base import Store

ACCESS_PREFIX = "dko_"  # a marker that makes leaked OAuth tokens easy to scan for
REFRESH_PREFIX = "dkr_"  # the same, for refresh tokens


@dataclass(frozen=True)
class BearerAccess:
    kind: GrantKind
    user_id: str
    client_id: str
    scopes: tuple[str, ...]
    people: frozenset[str] | None  # None: everyone the account may see (a personal access token)
    expires_at: datetime | None = None
    resource: str | None = None

    @property
    def may_write(self) -> bool:
        return scopes.WRITE in self.scopes


def bearer_access(store: Store, secret: str, now: datetime) -> BearerAccess | None:
    """The access a live token gives, or None (unknown, expired, revoked or rotated away)."""
    if secret.startswith(TOKEN_PREFIX):
        token = store.get_token(hash_secret(secret))
        if token is None or token.expired(now):
            return None
        granted = scopes.ALL if token.may_write else (scopes.READ,)
        return BearerAccess(GrantKind.CARER, token.user_id, "personal-access-token", granted, None,
                            token.expires_at)
    if secret.startswith(ACCESS_PREFIX):
        hashed = hash_secret(secret)
        grant = store.find_oauth_grant(hashed, TokenUse.ACCESS)
        if grant is None or not grant.live_access(hashed, now):
            return None
        return BearerAccess(grant.kind, grant.user_id, grant.client_id, grant.scopes, grant.recipient_ids,
                            grant.access_expires_at, grant.resource)
    return None


def person_spoken_for(store: Store, access: BearerAccess) -> str | None:
    """The person a person's-own-assistant token speaks for, while the account that linked it may still
    change their care; None for any other token (a carer's assistant is not the person speaking)."""
    if access.kind is not GrantKind.PERSON or not access.people or len(access.people) != 1:
        return None
    (recipient_id,) = access.people
    user = store.get_user(access.user_id)
    recipient = store.get_recipient(recipient_id)
    if user is None or recipient is None or not can_edit(user, recipient):
        return None
    return recipient_id
