"""Our OAuth records as the model objects authlib's grants and endpoints ask questions of.

authlib decides the protocol (PKCE, redirect URI matching, error responses); these say what our records
allow. Only the authorization code grant (PKCE S256 required) and refresh are offered: no implicit, no
password, no client credentials, as OAuth 2.1 has it.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from authlib.oauth2.rfc6749 import AuthorizationCodeMixin, ClientMixin, TokenMixin

from skill.domain.oauth import AuthorizationCode, OAuthClient, OAuthGrant
from skill.oauth import scopes
from skill.oauth.clients import secret_matches

GRANT_TYPES = ("authorization_code", "refresh_token")
AUTH_METHODS_PUBLIC = ("none",)
AUTH_METHODS_CONFIDENTIAL = ("client_secret_basic", "client_secret_post")


class Client(ClientMixin):
    def __init__(self, record: OAuthClient) -> None:
        self.record = record
        self.client_id = record.client_id

    def get_client_id(self) -> str:
        return self.record.client_id

    def get_default_redirect_uri(self) -> str:
        return ""  # OAuth 2.1: the redirect URI is always sent and matched exactly, never defaulted

    def get_allowed_scope(self, scope: Collection[str] | str | None) -> str:
        return scopes.normalise(scope if isinstance(scope, str) or scope is None else " ".join(scope))

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.record.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        return secret_matches(self.record, client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        allowed = AUTH_METHODS_PUBLIC if self.record.public else AUTH_METHODS_CONFIDENTIAL
        return method in allowed

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in GRANT_TYPES


class Code(AuthorizationCodeMixin):
    code_challenge_method = "S256"

    def __init__(self, record: AuthorizationCode) -> None:
        self.record = record
        self.code_challenge = record.code_challenge

    def get_redirect_uri(self) -> str:
        return self.record.redirect_uri

    def get_scope(self) -> str:
        return self.record.scope


class Grant(TokenMixin):
    """A grant seen through one of its tokens (for refresh and revocation)."""

    def __init__(self, record: OAuthGrant, now: datetime, presented: str = "") -> None:
        self.record, self.now, self.presented = record, now, presented

    def check_client(self, client: Any) -> bool:
        return bool(client.get_client_id() == self.record.client_id)

    def get_scope(self) -> str:
        return self.record.scope

    def get_expires_in(self) -> int:
        return max(0, int((self.record.access_expires_at - self.now).total_seconds()))

    def is_expired(self) -> bool:
        return self.now >= self.record.refresh_expires_at

    def is_revoked(self) -> bool:
        return self.record.revoked_at is not None
