"""Registering OAuth clients: MCP clients register themselves (RFC 7591), an operator registers Alexa the
same way with a secret. Redirect URIs must be https, or http on a loopback address (a desktop client's own
listener); anything else could send a code to a stranger.
"""

from __future__ import annotations

import hmac
from collections.abc import Sequence
from datetime import datetime
from urllib.parse import urlsplit

from skill.accounts.tokens import hash_secret, new_secret
from skill.domain.oauth import OAuthClient
from skill.store.base import Store
from skill.usecases.errors import Invalid

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
MAX_REDIRECTS = 10
MAX_NAME = 80


def check_redirect_uri(uri: str) -> str:
    parts = urlsplit(uri)
    if parts.fragment or not parts.hostname:
        raise Invalid("redirect_uris", "must be absolute URLs without a fragment")
    if parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS):
        return uri
    raise Invalid("redirect_uris", "must use https (or http on a loopback address)")


def register_client(store: Store, name: str, redirect_uris: Sequence[str], *, confidential: bool,
                    now: datetime) -> tuple[OAuthClient, str | None]:
    """(the client as stored, its secret to show once, or None for a public client)."""
    if not redirect_uris or len(redirect_uris) > MAX_REDIRECTS:
        raise Invalid("redirect_uris", f"must list between 1 and {MAX_REDIRECTS} URIs")
    uris = tuple(check_redirect_uri(str(u)) for u in redirect_uris)
    secret = new_secret("dkc_") if confidential else None
    client = OAuthClient(client_id=new_secret("dkapp_")[:32], name=" ".join(name.split())[:MAX_NAME] or "An assistant",
                         redirect_uris=uris, created_at=now, secret_hash=hash_secret(secret) if secret else None)
    store.put_oauth_client(client)
    return client, secret


def secret_matches(client: OAuthClient, secret: str) -> bool:
    return client.secret_hash is not None and hmac.compare_digest(client.secret_hash, hash_secret(secret))
