"""DoseKeeper's OAuth 2.1 authorization server, on authlib: consent page, token, revocation, registration
and metadata. The rules (who may link what, codes, rotation) are `skill.oauth`'s; this only speaks HTTP.

Only the authorization code grant with PKCE (S256) and refresh are offered. The consent page is an ordinary
signed-in page (CSRF token, session cookie); the token, revocation and registration endpoints are called by
clients, not browsers, and are exempt from the CSRF check (`OAUTH_CSRF_EXEMPT`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast
from urllib.parse import urlencode, urlsplit

from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import InvalidGrantError, InvalidRequestError
from authlib.oauth2.rfc6749.grants import AuthorizationCodeGrant, RefreshTokenGrant
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7591 import ClientRegistrationEndpoint, InvalidClientMetadataError
from authlib.oauth2.rfc7636 import CodeChallenge
from flask import Blueprint, abort, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_limiter import Limiter

from skill.accounts.tokens import hash_secret
from skill.domain.accounts import User
from skill.domain.oauth import GrantKind, OAuthClient
from skill.oauth import grants, scopes
from skill.oauth.authlib_models import (
    AUTH_METHODS_CONFIDENTIAL,
    AUTH_METHODS_PUBLIC,
    GRANT_TYPES,
    Client,
    Code,
    Grant,
)
from skill.oauth.clients import check_redirect_uri
from skill.store.base import Store
from skill.usecases.errors import Invalid
from skill.web.auth import current_user
from skill.web.config import WebConfig

OAUTH_CSRF_EXEMPT = ("/oauth/token", "/oauth/revoke", "/oauth/register")
AUTH_METHODS = (*AUTH_METHODS_PUBLIC, *AUTH_METHODS_CONFIDENTIAL)
Clock = Callable[[], datetime]


@dataclass(frozen=True)
class Consent:
    """What the signed-in account agreed to on the consent page (authlib's "grant user")."""

    user: User
    kind: GrantKind
    recipient_ids: frozenset[str]


class S256Only(CodeChallenge):
    """PKCE is required, and only S256: `plain` would hand the verifier to whoever sees the request."""

    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]  # noqa: RUF012 - authlib's class attribute
    DEFAULT_CODE_CHALLENGE_METHOD = "S256"

    def validate_code_challenge(self, grant: Any, redirect_uri: str) -> None:
        if not grant.request.payload.data.get("code_challenge_method"):
            raise InvalidRequestError("code_challenge_method must be S256")
        super().validate_code_challenge(grant, redirect_uri)


def _build_server(store: Store, clock: Clock, issuer: Callable[[], str]) -> Any:
    """authlib's server, typed loosely: its stubs lag the installed version."""
    def query_client(client_id: str) -> Client | None:
        record = store.get_oauth_client(client_id)
        return Client(record) if record is not None else None

    def save_token(token: dict[str, Any], req: Any) -> None:
        now = clock()
        if req.payload.grant_type == "authorization_code":
            code = req.authorization_code
            grants.start_grant(store, code.record, token["access_token"], token["refresh_token"], now)
            return
        old = req.refresh_token
        if grants.rotate(store, old.record, old.presented, token["access_token"], token["refresh_token"],
                         now) is None:
            raise InvalidGrantError("this refresh token has already been used")

    server = AuthorizationServer(query_client=query_client, save_token=save_token)

    def bearer(grant_type: str, client: Any, user: Any = None, scope: str | None = None,
               expires_in: int | None = None, include_refresh_token: bool = True) -> dict[str, Any]:
        token: dict[str, Any] = {"token_type": "Bearer", "access_token": grants.new_access_token(),
                                 "expires_in": int(grants.ACCESS_LIFETIME.total_seconds()),
                                 "scope": scopes.normalise(scope)}
        if include_refresh_token:
            token["refresh_token"] = grants.new_refresh_token()
        return token

    server.register_token_generator("default", cast(Any, bearer))

    class CodeGrant(AuthorizationCodeGrant):
        TOKEN_ENDPOINT_AUTH_METHODS = list(AUTH_METHODS)  # noqa: RUF012 - authlib's class attribute

        def save_authorization_code(self, code: str, req: Any) -> None:
            consent: Consent = req.user
            resource = req.payload.data.get("resource") or None
            store.put_oauth_code(grants.code_record(
                code, req.client.get_client_id(), consent.user, req.payload.redirect_uri,
                scopes.normalise(req.payload.scope), req.payload.data["code_challenge"], consent.kind,
                consent.recipient_ids, clock(), resource))

        def query_authorization_code(self, code: str, client: Any) -> Code | None:
            claimed = store.claim_oauth_code(hash_secret(code), clock())  # used once, whatever happens next
            if claimed is None or claimed.client_id != client.get_client_id():
                return None
            return Code(claimed)

        def delete_authorization_code(self, authorization_code: Any) -> None:
            """Already used up when it was claimed."""

        def authenticate_user(self, authorization_code: Any) -> User | None:
            return store.get_user(authorization_code.record.user_id)

    class RefreshGrant(RefreshTokenGrant):
        TOKEN_ENDPOINT_AUTH_METHODS = list(AUTH_METHODS)  # noqa: RUF012 - authlib's class attribute
        INCLUDE_NEW_REFRESH_TOKEN = True

        def authenticate_refresh_token(self, refresh_token: str) -> Any:
            now = clock()
            found = grants.grant_for_refresh(store, refresh_token, now)
            return Grant(found, now, refresh_token) if found is not None else None

        def authenticate_user(self, refresh_token: Any) -> User | None:
            return store.get_user(refresh_token.record.user_id)

        def revoke_old_credential(self, refresh_token: Any) -> None:
            """The rotation in `save_token` replaced it in the same conditional write."""

    class Revocation(RevocationEndpoint):
        CLIENT_AUTH_METHODS = list(AUTH_METHODS)  # noqa: RUF012 - authlib's class attribute

        def query_token(self, token_string: str, token_type_hint: str | None) -> Grant | None:
            found = grants.grant_for_token(store, token_string)
            return Grant(found, clock()) if found is not None else None

        def revoke_token(self, token: Any, req: Any) -> None:
            store.revoke_oauth_grant(token.record.id, clock())

    class Registration(ClientRegistrationEndpoint):
        """Open registration (RFC 7591), as MCP clients expect: registering grants nothing by itself; every
        link still needs a signed-in account's consent, which names the client and where it sends the code."""

        def authenticate_token(self, req: Any) -> bool:
            return True

        def resolve_public_key(self, req: Any) -> None:
            return None

        def get_server_metadata(self) -> dict[str, Any]:
            return metadata(issuer())

        def generate_client_id(self, req: Any) -> str:
            return "dkapp_" + grants.new_access_token()[4:24]

        def generate_client_secret(self, req: Any) -> str:
            return "dkc_" + grants.new_refresh_token()[4:]

        def generate_client_info(self, req: Any) -> dict[str, Any]:
            info: dict[str, Any] = super().generate_client_info(req)
            if _auth_method(req) == "none":
                info.pop("client_secret", None)
                info.pop("client_secret_expires_at", None)
            return info

        def save_client(self, client_info: dict[str, Any], client_metadata: dict[str, Any], req: Any) -> Client:
            method = _auth_method(req)
            if method not in AUTH_METHODS:
                raise InvalidClientMetadataError("token_endpoint_auth_method is not supported")
            if not set(client_metadata.get("grant_types") or ["authorization_code"]) <= set(GRANT_TYPES):
                raise InvalidClientMetadataError("only authorization_code and refresh_token are supported")
            if not set(client_metadata.get("response_types") or ["code"]) <= {"code"}:
                raise InvalidClientMetadataError("only the code response type is supported")
            try:
                uris = tuple(check_redirect_uri(str(u)) for u in client_metadata.get("redirect_uris") or ())
            except Invalid as exc:
                raise InvalidClientMetadataError(str(exc)) from None
            if not uris:
                raise InvalidClientMetadataError("redirect_uris is required")
            secret = client_info.get("client_secret")
            record = OAuthClient(client_id=client_info["client_id"],
                                 name=" ".join(str(client_metadata.get("client_name") or "").split())[:80]
                                 or "An assistant",
                                 redirect_uris=uris, created_at=clock(),
                                 secret_hash=hash_secret(secret) if secret and method != "none" else None)
            store.put_oauth_client(record)
            return Client(record)

    server.register_grant(CodeGrant, [S256Only(required=True)])
    server.register_grant(RefreshGrant)
    server.register_endpoint(Revocation)
    server.register_endpoint(cast(Any, Registration))
    return server


def _auth_method(req: Any) -> str:
    data = req.payload.data if hasattr(req, "payload") else {}
    return str(data.get("token_endpoint_auth_method") or "client_secret_basic")


def metadata(issuer: str) -> dict[str, Any]:
    """RFC 8414 metadata: what an MCP client (or an operator setting up Alexa) reads first."""
    return {
        "issuer": issuer,
        "authorization_endpoint": f"{issuer}/oauth/authorize",
        "token_endpoint": f"{issuer}/oauth/token",
        "revocation_endpoint": f"{issuer}/oauth/revoke",
        "registration_endpoint": f"{issuer}/oauth/register",
        "response_types_supported": ["code"],
        "grant_types_supported": list(GRANT_TYPES),
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": list(AUTH_METHODS),
        "revocation_endpoint_auth_methods_supported": list(AUTH_METHODS),
        "scopes_supported": list(scopes.ALL),
    }


def oauth_blueprint(store: Store, config: WebConfig, limiter: Limiter) -> Blueprint:
    bp = Blueprint("oauth", __name__)

    def issuer() -> str:
        return (config.public_url or request.url_root).rstrip("/")

    server = _build_server(store, config.clock, issuer)

    @bp.get("/.well-known/oauth-authorization-server")
    def server_metadata() -> ResponseReturnValue:
        return jsonify(metadata(issuer()))

    def consent_or_error(user: User) -> Any:
        try:
            grant = server.get_consent_grant(end_user=user)
        except OAuth2Error as exc:  # nothing validated to redirect to: say so on our own page
            abort(400, description=f"This sign-in link is not valid: {exc.description or exc.error}.")
        resource = request.values.get("resource")
        if resource and not resource.rstrip("/").startswith(issuer()):
            abort(400, description="This sign-in link asks for access to another service.")
        return grant

    @bp.route("/oauth/authorize", methods=["GET", "POST"])
    def authorize() -> ResponseReturnValue:
        user = current_user()
        if user is None:
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        grant = consent_or_error(user)
        client: Client = grant.client
        if request.method == "GET":
            return _consent_page(store, user, client, grant.request.payload.redirect_uri,
                                 scopes.normalise(grant.request.payload.scope))
        if request.form.get("decision") != "allow":
            return cast(ResponseReturnValue, server.create_authorization_response(grant_user=None, grant=grant))
        try:
            kind, people = _chosen(request.form.get("who", ""), request.form.getlist("people"))
            covered = grants.check_consent(store, user, kind, people)
        except Invalid as exc:
            return _consent_page(store, user, client, grant.request.payload.redirect_uri,
                                 scopes.normalise(grant.request.payload.scope), error=exc.reason, status=422)
        return cast(ResponseReturnValue,
                    server.create_authorization_response(grant_user=Consent(user, kind, covered), grant=grant))

    @bp.post("/oauth/token")
    @limiter.limit("60 per minute")
    def token() -> ResponseReturnValue:
        return cast(ResponseReturnValue, server.create_token_response())

    @bp.post("/oauth/revoke")
    def revoke() -> ResponseReturnValue:
        return cast(ResponseReturnValue, server.create_endpoint_response(RevocationEndpoint.ENDPOINT_NAME))

    @bp.post("/oauth/register")
    @limiter.limit("10 per minute")
    def register() -> ResponseReturnValue:
        return cast(ResponseReturnValue, server.create_endpoint_response(ClientRegistrationEndpoint.ENDPOINT_NAME))

    return bp


def _chosen(who: str, people: list[str]) -> tuple[GrantKind, list[str]]:
    if who.startswith("person:"):
        return GrantKind.PERSON, [who.removeprefix("person:")]
    if who == "carer":
        return GrantKind.CARER, people
    raise Invalid("who", "choose who will talk to this assistant")


def _consent_page(store: Store, user: User, client: Client, redirect_uri: str, scope: str, *, error: str = "",
                  status: int = 200) -> ResponseReturnValue:
    choices = grants.consent_choices(store, user)
    target = urlsplit(redirect_uri)
    page = render_template(
        "oauth_consent.html", client_name=client.record.name, redirect_host=target.netloc, error=error,
        own=choices.own_assistant_for, carer_of=choices.carer_of, may_write=scopes.WRITE in scope.split(),
        action=f"{url_for('oauth.authorize')}?{urlencode(list(request.args.items(multi=True)))}")
    # The form's redirect goes to the client: form-action must allow its origin, or the browser stops it.
    csp = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
           f"frame-ancestors 'none'; form-action 'self' {target.scheme}://{target.netloc}")
    return page, status, {"Content-Security-Policy": csp}
