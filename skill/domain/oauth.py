"""OAuth 2.1 records: registered clients, single-use authorization codes and grants (no Flask, no storage).

A grant is one consent: the account that gave it, the client it was given to, whether the assistant speaks
for one person themself or for a carer, and the people it covers. Its current access and refresh tokens are
kept by the hash of their secrets only. A refresh rotates both, so a grant has exactly one live pair; a
refresh token presented after it was rotated away is a replay, and the whole grant is revoked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from skill.domain.errors import ValidationError
from skill.domain.models import require_aware


class GrantKind(StrEnum):
    PERSON = "person"  # the person's own assistant: exactly one person, acting as that person
    CARER = "carer"  # a carer's (or coordinator's) assistant: acts as the account, over the chosen people


class TokenUse(StrEnum):
    ACCESS = "access"
    REFRESH = "refresh"


@dataclass(frozen=True)
class OAuthClient:
    """An application that may ask for consent: registered by an operator (Alexa) or dynamically (MCP)."""

    client_id: str
    name: str
    redirect_uris: tuple[str, ...]
    created_at: datetime
    secret_hash: str | None = None  # None: a public client (PKCE alone proves it)

    def __post_init__(self) -> None:
        object.__setattr__(self, "redirect_uris", tuple(self.redirect_uris))
        if not self.redirect_uris:
            raise ValidationError("a client needs at least one redirect URI")
        require_aware(self.created_at, "created_at")

    @property
    def public(self) -> bool:
        return self.secret_hash is None


@dataclass(frozen=True)
class AuthorizationCode:
    code_hash: str
    client_id: str
    user_id: str
    redirect_uri: str
    scope: str
    code_challenge: str  # S256 only
    kind: GrantKind
    recipient_ids: frozenset[str]
    expires_at: datetime
    resource: str | None = None  # RFC 8707: the MCP endpoint the token is for
    used_at: datetime | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", GrantKind(self.kind))
        object.__setattr__(self, "recipient_ids", frozenset(self.recipient_ids))
        _check_people(self.kind, self.recipient_ids)

    def usable(self, now: datetime) -> bool:
        return self.used_at is None and now < self.expires_at


@dataclass(frozen=True)
class OAuthGrant:
    id: str
    client_id: str
    user_id: str
    kind: GrantKind
    recipient_ids: frozenset[str]
    scope: str
    access_hash: str
    access_expires_at: datetime
    refresh_hash: str
    refresh_expires_at: datetime
    created_at: datetime
    resource: str | None = None
    revoked_at: datetime | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", GrantKind(self.kind))
        object.__setattr__(self, "recipient_ids", frozenset(self.recipient_ids))
        _check_people(self.kind, self.recipient_ids)
        for name in ("access_expires_at", "refresh_expires_at", "created_at"):
            require_aware(getattr(self, name), name)

    @property
    def scopes(self) -> tuple[str, ...]:
        return tuple(self.scope.split())

    def live_access(self, access_hash: str, now: datetime) -> bool:
        return self.revoked_at is None and access_hash == self.access_hash and now < self.access_expires_at

    def live_refresh(self, refresh_hash: str, now: datetime) -> bool:
        return self.revoked_at is None and refresh_hash == self.refresh_hash and now < self.refresh_expires_at


def _check_people(kind: GrantKind, recipient_ids: frozenset[str]) -> None:
    if kind is GrantKind.PERSON and len(recipient_ids) != 1:
        raise ValidationError("a person's own assistant speaks for exactly one person")
    if not recipient_ids:
        raise ValidationError("a grant must cover at least one person")
