"""Random secrets shown once (API tokens, invitation links); only their SHA-256 is stored.

A fast hash is enough here: the secrets are 256 random bits, so there is nothing to brute-force.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from skill.domain.accounts import AccessToken, Invitation, TokenScope

TOKEN_PREFIX = "dk_"  # noqa: S105 - a marker that makes leaked tokens easy to scan for, not a secret
INVITATION_LIFETIME = timedelta(days=7)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_secret(prefix: str = "") -> str:
    return prefix + secrets.token_urlsafe(32)


def issue_token(user_id: str, name: str, now: datetime, *, scope: TokenScope = TokenScope.READ_WRITE,
                expires_at: datetime | None = None) -> tuple[str, AccessToken]:
    """(the secret to show once, the record to store)."""
    secret = new_secret(TOKEN_PREFIX)
    return secret, AccessToken(token_hash=hash_secret(secret), user_id=user_id, name=name.strip() or "token",
                               created_at=now, scope=scope, expires_at=expires_at)


def issue_invitation(inviter_id: str, organisation: str, recipient_ids: frozenset[str],
                     now: datetime) -> tuple[str, Invitation]:
    secret = new_secret()
    return secret, Invitation(token_hash=hash_secret(secret), inviter_id=inviter_id, organisation=organisation,
                              recipient_ids=recipient_ids, expires_at=now + INVITATION_LIFETIME)


def bearer_secret(authorization_header: str | None) -> str | None:
    """The secret from `Authorization: Bearer dk_...`, or None when the header is absent or malformed."""
    if not authorization_header:
        return None
    scheme, _, value = authorization_header.strip().partition(" ")
    value = value.strip()
    if scheme.lower() != "bearer" or not value.startswith(TOKEN_PREFIX):
        return None
    return value
