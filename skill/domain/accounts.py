"""Account records: users, personal access tokens, invitations, password resets and audit entries (no Flask,
no storage)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from skill.domain.errors import ValidationError
from skill.domain.models import require_aware, utcnow

_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class Role(StrEnum):
    CARER = "carer"
    COORDINATOR = "coordinator"
    ADMIN = "admin"


def clean_email(value: str) -> str:
    """Emails are compared case-insensitively, so they are stored folded: one person, one account."""
    email = value.strip().casefold()
    if not _EMAIL_RE.match(email) or len(email) > 254:
        raise ValidationError(f"{value.strip()!r} is not an email address")
    return email


def parse_role(value: str) -> Role:
    try:
        return Role(value.strip().lower())
    except ValueError as exc:
        raise ValidationError("role must be carer, coordinator or admin") from exc


@dataclass(frozen=True)
class User:
    """Someone who signs in to the web app or calls the API."""

    id: str
    email: str
    role: Role
    organisation: str
    password_hash: str
    recipient_ids: frozenset[str] = frozenset()
    failed_logins: int = 0  # the old per-account lock; sign-in now throttles per (account, client)
    locked_until: datetime | None = None
    created_at: datetime = field(default_factory=utcnow)
    # A session cookie carries the version it was issued under; sign-out and a password change bump it, so
    # every cookie issued before (copied, stolen, on another device) stops working at once.
    session_version: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "email", clean_email(self.email))
        object.__setattr__(self, "role", Role(self.role))
        object.__setattr__(self, "recipient_ids", frozenset(self.recipient_ids))
        if not self.organisation.strip():
            raise ValidationError("organisation must not be empty")
        require_aware(self.created_at, "created_at")

    def locked(self, now: datetime) -> bool:
        return self.locked_until is not None and now < self.locked_until


class TokenScope(StrEnum):
    READ = "read"
    READ_WRITE = "read_write"


@dataclass(frozen=True)
class AccessToken:
    """A personal access token for the API; only the hash of its secret is ever stored.

    Tokens made before scopes and expiry existed read as read-write with no expiry, so nothing breaks.
    """

    token_hash: str
    user_id: str
    name: str
    created_at: datetime = field(default_factory=utcnow)
    scope: TokenScope = TokenScope.READ_WRITE
    expires_at: datetime | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "scope", TokenScope(self.scope))
        if self.expires_at is not None:
            require_aware(self.expires_at, "expires_at")
            if self.expires_at <= self.created_at:
                raise ValidationError("a token must expire after it is made")

    def expired(self, now: datetime) -> bool:
        return self.expires_at is not None and now >= self.expires_at

    @property
    def may_write(self) -> bool:
        return self.scope is TokenScope.READ_WRITE


@dataclass(frozen=True)
class Invitation:
    """A single-use link a carer sends to another carer, granting the same recipients."""

    token_hash: str
    inviter_id: str
    organisation: str
    recipient_ids: frozenset[str]
    expires_at: datetime
    used_at: datetime | None = None

    def usable(self, now: datetime) -> bool:
        return self.used_at is None and now < self.expires_at


@dataclass(frozen=True)
class PasswordReset:
    """A single-use, short-lived link to set a new password; only the hash of its secret is stored, so a
    leaked database does not hand out working links."""

    token_hash: str
    user_id: str
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None

    def usable(self, now: datetime) -> bool:
        return self.used_at is None and now < self.expires_at


@dataclass(frozen=True)
class AuditEntry:
    """One change to a recipient's schedules, medications or contacts: who, when, before and after."""

    id: str
    who: str  # the user's email at the time (kept even if the account is later removed)
    when: datetime
    recipient_id: str
    entity: str  # "medication" | "contact" | "recipient" | "link_code"
    action: str  # "create" | "update" | "stop" | "delete"
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None

    def changes(self) -> list[tuple[str, Any, Any]]:
        """The fields that differ, so the page can show what changed rather than two blobs."""
        before, after = self.before or {}, self.after or {}
        keys = sorted(set(before) | set(after))
        return [(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)]
