"""Consent, codes and token pairs: the rules of DoseKeeper's authorization server, without HTTP.

* Consent names who the assistant speaks for. A person's own assistant covers exactly one person and may
  only be linked by an account that may change their care (a carer linked to them); a carer's assistant
  covers the people the account may see, narrowed to those ticked.
* A code lives five minutes and is used once (a conditional write); PKCE with S256 is checked by authlib.
* An access token lives an hour. A refresh swaps in a new pair (rotation) with one conditional write, so a
  refresh token works once; one presented again after it was rotated away is a replay (stolen, or a client
  bug), and the whole grant is revoked, as OAuth 2.1 asks of public clients.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from skill.accounts.access import can_edit
from skill.accounts.tokens import hash_secret, new_secret
from skill.domain.accounts import User
from skill.domain.actors import Actor
from skill.domain.models import LogSource, Recipient, new_id
from skill.domain.oauth import AuthorizationCode, GrantKind, OAuthGrant, TokenUse
from skill.oauth.bearer import ACCESS_PREFIX, REFRESH_PREFIX
from skill.store.base import Store
from skill.usecases.access import visible_recipients
from skill.usecases.errors import Invalid

CODE_LIFETIME = timedelta(minutes=5)
ACCESS_LIFETIME = timedelta(hours=1)
REFRESH_LIFETIME = timedelta(days=90)  # renewed by every refresh: a speaker in daily use stays linked


@dataclass(frozen=True)
class ConsentChoices:
    """What the consent page may offer this account."""

    own_assistant_for: tuple[Recipient, ...]  # people whose care the account may change
    carer_of: tuple[Recipient, ...]  # everyone the account may see


def consent_choices(store: Store, user: User) -> ConsentChoices:
    seen = visible_recipients(store, Actor.of_user(user, LogSource.WEB))
    return ConsentChoices(own_assistant_for=tuple(r for r in seen if can_edit(user, r)), carer_of=tuple(seen))


def check_consent(store: Store, user: User, kind: GrantKind, recipient_ids: Collection[str]) -> frozenset[str]:
    """The people a consent covers, or Invalid when the form asks for someone this account may not offer."""
    choices = consent_choices(store, user)
    offered = {r.id for r in (choices.own_assistant_for if kind is GrantKind.PERSON else choices.carer_of)}
    wanted = frozenset(recipient_ids)
    if not wanted:
        raise Invalid("people", "must include at least one person")
    if kind is GrantKind.PERSON and len(wanted) != 1:
        raise Invalid("people", "must be exactly one person for a person's own assistant")
    if not wanted <= offered:
        raise Invalid("people", "includes someone this account cannot link")
    return wanted


def code_record(secret: str, client_id: str, user: User, redirect_uri: str, scope: str, code_challenge: str,
                kind: GrantKind, recipient_ids: frozenset[str], now: datetime,
                resource: str | None) -> AuthorizationCode:
    """The record of a code authlib generated (only its hash is kept)."""
    return AuthorizationCode(
        code_hash=hash_secret(secret), client_id=client_id, user_id=user.id, redirect_uri=redirect_uri, scope=scope,
        code_challenge=code_challenge, kind=kind, recipient_ids=recipient_ids, expires_at=now + CODE_LIFETIME,
        resource=resource)


def new_access_token() -> str:
    return new_secret(ACCESS_PREFIX)


def new_refresh_token() -> str:
    return new_secret(REFRESH_PREFIX)


def start_grant(store: Store, code: AuthorizationCode, access_token: str, refresh_token: str,
                now: datetime) -> OAuthGrant:
    grant = OAuthGrant(
        id=new_id("grant"), client_id=code.client_id, user_id=code.user_id, kind=code.kind,
        recipient_ids=code.recipient_ids, scope=code.scope, access_hash=hash_secret(access_token),
        access_expires_at=now + ACCESS_LIFETIME, refresh_hash=hash_secret(refresh_token),
        refresh_expires_at=now + REFRESH_LIFETIME, created_at=now, resource=code.resource)
    store.create_oauth_grant(grant)
    return grant


def grant_for_refresh(store: Store, refresh_token: str, now: datetime) -> OAuthGrant | None:
    """The grant a live refresh token belongs to. A rotated-away one revokes its grant (replay) and is None."""
    hashed = hash_secret(refresh_token)
    grant = store.find_oauth_grant(hashed, TokenUse.REFRESH)
    if grant is None:
        return None
    if grant.live_refresh(hashed, now):
        return grant
    if grant.revoked_at is None and hashed != grant.refresh_hash:
        store.revoke_oauth_grant(grant.id, now)
    return None


def rotate(store: Store, grant: OAuthGrant, old_refresh_token: str, access_token: str, refresh_token: str,
           now: datetime) -> OAuthGrant | None:
    """The new pair in place, or None when another refresh won the race (or the grant was revoked meanwhile)."""
    return store.rotate_oauth_grant(grant.id, hash_secret(old_refresh_token), hash_secret(access_token),
                                    now + ACCESS_LIFETIME, hash_secret(refresh_token), now + REFRESH_LIFETIME)


def grant_for_token(store: Store, token: str) -> OAuthGrant | None:
    """Any token of ours (access or refresh, live or not) to its grant: what revocation needs."""
    hashed = hash_secret(token)
    for use in (TokenUse.ACCESS, TokenUse.REFRESH):
        if (grant := store.find_oauth_grant(hashed, use)) is not None:
            return grant
    return None
