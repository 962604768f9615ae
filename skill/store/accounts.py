"""Web accounts, their sessions, access tokens, invitations, password resets and the audit log."""

from __future__ import annotations

from abc import ABC, abstractmethod
from datetime import datetime

from skill.domain.accounts import AccessToken, AuditEntry, Invitation, PasswordReset, User


class AccountStore(ABC):
    """Storage the web app and REST API need."""

    # -- users --------------------------------------------------------------------------------------
    @abstractmethod
    def create_user(self, user: User) -> None:
        """Add a new account; ConflictError when the email is taken (conditional, never overwrites)."""

    @abstractmethod
    def get_user(self, user_id: str) -> User | None:
        """One read."""

    @abstractmethod
    def get_user_by_email(self, email: str) -> User | None:
        """Two reads at most (email pointer, then the user)."""

    @abstractmethod
    def list_users(self, organisation: str) -> list[User]:
        """An organisation's accounts by email. One query."""

    @abstractmethod
    def set_password_hash(self, user_id: str, password_hash: str) -> None:
        """Replace the stored hash (a password change or an argon2 parameter upgrade)."""

    @abstractmethod
    def link_recipient(self, user_id: str, recipient_id: str) -> bool:
        """Let a user care for a recipient (idempotent). False when the user does not exist."""

    @abstractmethod
    def unlink_recipient(self, user_id: str, recipient_id: str) -> bool:
        """Remove the link (idempotent). False when the user does not exist."""

    @abstractmethod
    def end_sessions(self, user_id: str) -> int | None:
        """Bump the user's session version atomically (sign out everywhere); the new version, or None when
        the user does not exist. One write."""

    # -- sign-in failures ---------------------------------------------------------------------------
    @abstractmethod
    def record_login_failure(self, user_id: str, lock_after: int, locked_until: datetime) -> User | None:
        """Count a failed sign-in atomically; at `lock_after` failures lock until `locked_until` and restart
        the count. Returns the user as stored afterwards."""

    @abstractmethod
    def clear_login_failures(self, user_id: str) -> None:
        """A successful sign-in forgets earlier failures."""

    # -- personal access tokens ---------------------------------------------------------------------
    @abstractmethod
    def put_token(self, token: AccessToken) -> None:
        """Store a new token (by the hash of its secret)."""

    @abstractmethod
    def get_token(self, token_hash: str) -> AccessToken | None:
        """One read: the API's per-request lookup."""

    @abstractmethod
    def list_tokens(self, user_id: str) -> list[AccessToken]:
        """A user's tokens, oldest first. One query."""

    @abstractmethod
    def delete_token(self, user_id: str, token_hash: str) -> bool:
        """Revoke one of the user's own tokens; False when it was not theirs or did not exist."""

    # -- invitations --------------------------------------------------------------------------------
    @abstractmethod
    def put_invitation(self, invitation: Invitation) -> None:
        """Store a new single-use invitation."""

    @abstractmethod
    def get_invitation(self, token_hash: str) -> Invitation | None:
        """One read (to show the invitation before it is accepted)."""

    @abstractmethod
    def claim_invitation(self, token_hash: str, now: datetime) -> Invitation | None:
        """Use an invitation once (conditional): it when it was unused and unexpired, else None."""

    # -- password resets ---------------------------------------------------------------------------
    @abstractmethod
    def put_password_reset(self, reset: PasswordReset) -> None:
        """Store a new single-use reset link (by the hash of its secret)."""

    @abstractmethod
    def get_password_reset(self, token_hash: str) -> PasswordReset | None:
        """One read (to show the new-password form before the link is used)."""

    @abstractmethod
    def claim_password_reset(self, token_hash: str, now: datetime) -> PasswordReset | None:
        """Use a reset link once (conditional): it when it was unused and unexpired, else None."""

    # -- audit log ----------------------------------------------------------------------------------
    @abstractmethod
    def append_audit(self, entry: AuditEntry) -> None:
        """Record one change (append only)."""

    @abstractmethod
    def list_audit(self, recipient_id: str, limit: int = 100) -> list[AuditEntry]:
        """A recipient's changes, newest first. One query."""
