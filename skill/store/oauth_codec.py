"""OAuth records to plain dicts and back, shared by the SQLite and DynamoDB stores."""

from __future__ import annotations

from typing import Any

from skill.domain.oauth import AuthorizationCode, GrantKind, OAuthClient, OAuthGrant
from skill.store.codec import opt_utc_text, parse_utc, utc_text


def client_to_dict(client: OAuthClient) -> dict[str, Any]:
    return {"client_id": client.client_id, "name": client.name, "redirect_uris": list(client.redirect_uris),
            "created_at": utc_text(client.created_at), "secret_hash": client.secret_hash}


def client_from_dict(data: dict[str, Any]) -> OAuthClient:
    return OAuthClient(client_id=str(data["client_id"]), name=str(data["name"]),
                       redirect_uris=tuple(str(u) for u in data["redirect_uris"]),
                       created_at=parse_utc(str(data["created_at"])), secret_hash=data.get("secret_hash") or None)


def code_to_dict(code: AuthorizationCode) -> dict[str, Any]:
    return {"code_hash": code.code_hash, "client_id": code.client_id, "user_id": code.user_id,
            "redirect_uri": code.redirect_uri, "scope": code.scope, "code_challenge": code.code_challenge,
            "kind": code.kind.value, "recipient_ids": sorted(code.recipient_ids),
            "expires": utc_text(code.expires_at), "resource": code.resource, "used_at": opt_utc_text(code.used_at)}


def code_from_dict(data: dict[str, Any]) -> AuthorizationCode:
    return AuthorizationCode(
        code_hash=str(data["code_hash"]), client_id=str(data["client_id"]), user_id=str(data["user_id"]),
        redirect_uri=str(data["redirect_uri"]), scope=str(data["scope"]), code_challenge=str(data["code_challenge"]),
        kind=GrantKind(str(data["kind"])), recipient_ids=frozenset(str(r) for r in data["recipient_ids"]),
        expires_at=parse_utc(str(data["expires"])), resource=data.get("resource") or None,
        used_at=parse_utc(str(data["used_at"])) if data.get("used_at") else None)


def grant_to_dict(grant: OAuthGrant) -> dict[str, Any]:
    return {"id": grant.id, "client_id": grant.client_id, "user_id": grant.user_id, "kind": grant.kind.value,
            "recipient_ids": sorted(grant.recipient_ids), "scope": grant.scope, "access_hash": grant.access_hash,
            "access_expires": utc_text(grant.access_expires_at), "refresh_hash": grant.refresh_hash,
            "refresh_expires": utc_text(grant.refresh_expires_at), "created_at": utc_text(grant.created_at),
            "resource": grant.resource, "revoked_at": opt_utc_text(grant.revoked_at)}


def grant_from_dict(data: dict[str, Any]) -> OAuthGrant:
    return OAuthGrant(
        id=str(data["id"]), client_id=str(data["client_id"]), user_id=str(data["user_id"]),
        kind=GrantKind(str(data["kind"])), recipient_ids=frozenset(str(r) for r in data["recipient_ids"]),
        scope=str(data["scope"]), access_hash=str(data["access_hash"]),
        access_expires_at=parse_utc(str(data["access_expires"])), refresh_hash=str(data["refresh_hash"]),
        refresh_expires_at=parse_utc(str(data["refresh_expires"])), created_at=parse_utc(str(data["created_at"])),
        resource=data.get("resource") or None,
        revoked_at=parse_utc(str(data["revoked_at"])) if data.get("revoked_at") else None)
