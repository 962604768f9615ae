"""OAuth clients, single-use authorization codes and grants (one live access/refresh pair each)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from datetime import datetime

from skill.domain.oauth import AuthorizationCode, OAuthClient, OAuthGrant, TokenUse


class OAuthStore(ABC):
    @abstractmethod
    def put_oauth_client(self, client: OAuthClient) -> None:
        """Register a client (a new random id each time, so a plain write)."""

    @abstractmethod
    def get_oauth_client(self, client_id: str) -> OAuthClient | None:
        """One read."""

    @abstractmethod
    def put_oauth_code(self, code: AuthorizationCode) -> None:
        """Store a new authorization code (by the hash of its secret)."""

    @abstractmethod
    def claim_oauth_code(self, code_hash: str, now: datetime) -> AuthorizationCode | None:
        """Use a code once (conditional): it when it was unused and unexpired, else None. One write."""

    @abstractmethod
    def create_oauth_grant(self, grant: OAuthGrant) -> None:
        """Store a new grant with its first token pair, findable by either token's hash."""

    @abstractmethod
    def find_oauth_grant(self, token_hash: str, use: TokenUse) -> OAuthGrant | None:
        """The grant a token was ever issued for (its current pair may have moved on: the caller compares).
        Two reads at most."""

    @abstractmethod
    def rotate_oauth_grant(self, grant_id: str, old_refresh_hash: str, access_hash: str, access_expires_at: datetime,
                           refresh_hash: str, refresh_expires_at: datetime) -> OAuthGrant | None:
        """Swap in a new token pair if `old_refresh_hash` is still the live one and the grant is not revoked
        (conditional, so two refreshes racing with one token cannot both win); the grant after, or None."""

    @abstractmethod
    def revoke_oauth_grant(self, grant_id: str, now: datetime) -> bool:
        """End a grant (both of its tokens); True when it was live."""

    @abstractmethod
    def list_oauth_grants(self, user_id: str) -> list[OAuthGrant]:
        """An account's grants, newest first (the account page lists the assistants linked). One query."""
