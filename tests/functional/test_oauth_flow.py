"""DoseKeeper as an OAuth 2.1 authorization server, over real HTTP against a real `dosekeeper serve`.

Scenario: an MCP client registers itself, Anne signs in and allows it on the consent page (authorization
code with PKCE S256), and the token it gets logs Edith's dose through the MCP endpoint; a second log says
"already taken". A refresh rotates the pair and a replayed refresh token revokes the grant; revocation ends
a grant at once; a person's own assistant covers that person only; PKCE is not optional. Then the SDK's own
OAuth client does the whole dance itself (discovery, registration, consent, code exchange).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import re
import secrets
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx2
import pytest
import requests
from authlib.oauth2.rfc8414 import AuthorizationServerMetadata
from mcp import Client
from mcp.client.auth import OAuthClientProvider, TokenStorage
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client
from mcp.shared.auth import AuthorizationCodeResult, OAuthClientInformationFull, OAuthClientMetadata, OAuthToken
from mcp_types import CallToolResult
from pydantic import AnyUrl

from tests.functional.mcp_world import PASSWORD, World, build_world, now_utc, serving
from tests.support.serve_process import Served

REDIRECT = "http://127.0.0.1:9/callback"  # never contacted: the test reads the code from the redirect


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    return build_world(tmp_path_factory.mktemp("oauth") / "dosekeeper.db", now_utc())


@pytest.fixture(scope="module")
def served(world: World, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with serving(world, tmp_path_factory.mktemp("oauth-log") / "serve.log") as running:
        yield running


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def register(served: Served, redirect_uri: str = REDIRECT) -> str:
    reply = requests.post(f"{served.base_url}/oauth/register", timeout=10, json={
        "client_name": "Test assistant", "redirect_uris": [redirect_uri], "token_endpoint_auth_method": "none",
        "grant_types": ["authorization_code", "refresh_token"], "response_types": ["code"]})
    assert reply.status_code == 201, reply.text
    body = reply.json()
    assert "client_secret" not in body  # a public client: PKCE is its proof
    return str(body["client_id"])


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, html[:500]
    return found.group(1)


def signed_in(served: Served, email: str) -> requests.Session:
    browser = requests.Session()
    page = browser.get(f"{served.base_url}/login", timeout=10)
    reply = browser.post(f"{served.base_url}/login", timeout=10, allow_redirects=False,
                         data={"csrf_token": csrf_of(page.text), "email": email, "password": PASSWORD})
    assert reply.status_code == 302, reply.text
    return browser


@dataclass
class Authorized:
    code: str
    verifier: str
    state: str


def authorize(served: Served, browser: requests.Session, client_id: str, who: str, people: list[str],
              challenge_method: str | None = "S256") -> requests.Response:
    verifier, challenge = pkce()
    query = {"response_type": "code", "client_id": client_id, "redirect_uri": REDIRECT, "state": "xyz",
             "code_challenge": challenge, "resource": f"{served.base_url}/mcp"}
    if challenge_method:
        query["code_challenge_method"] = challenge_method
    url = f"{served.base_url}/oauth/authorize?{urlencode(query)}"
    page = browser.get(url, timeout=10)
    if page.status_code != 200:
        return page
    reply = browser.post(url, timeout=10, allow_redirects=False,
                         data={"csrf_token": csrf_of(page.text), "who": who, "people": people, "decision": "allow"})
    reply.verifier = verifier  # type: ignore[attr-defined]
    return reply


def code_from(reply: requests.Response) -> Authorized:
    assert reply.status_code == 302, reply.text
    location = urlsplit(reply.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT
    params = parse_qs(location.query)
    return Authorized(params["code"][0], reply.verifier, params["state"][0])  # type: ignore[attr-defined]


def exchange(served: Served, client_id: str, authorized: Authorized, verifier: str | None = None) -> requests.Response:
    return requests.post(f"{served.base_url}/oauth/token", timeout=10, data={
        "grant_type": "authorization_code", "code": authorized.code, "redirect_uri": REDIRECT,
        "client_id": client_id, "code_verifier": verifier or authorized.verifier})


def refresh(served: Served, client_id: str, refresh_token: str) -> requests.Response:
    return requests.post(f"{served.base_url}/oauth/token", timeout=10, data={
        "grant_type": "refresh_token", "refresh_token": refresh_token, "client_id": client_id})


def tokens_for(served: Served, email: str, who: str, people: list[str]) -> tuple[str, dict[str, Any]]:
    client_id = register(served)
    authorized = code_from(authorize(served, signed_in(served, email), client_id, who, people))
    reply = exchange(served, client_id, authorized)
    assert reply.status_code == 200, reply.text
    return client_id, reply.json()


async def _calls(url: str, token: str, calls: list[tuple[str, dict[str, Any]]]) -> list[CallToolResult]:
    http = create_mcp_http_client(headers={"Authorization": f"Bearer {token}"})
    async with http, Client(streamable_http_client(url, http_client=http)) as client:
        return [await client.call_tool(name, args) for name, args in calls]


def call(served: Served, token: str, name: str, **args: Any) -> CallToolResult:
    """In a thread of its own, so it also works beside Playwright's event loop (the browser test)."""
    with ThreadPoolExecutor(1) as worker:
        [result] = worker.submit(asyncio.run, _calls(served.base_url + "/mcp", token, [(name, args)])).result(60)
    return result


def refused(served: Served, token: str) -> bool:
    """True when the MCP endpoint turns the token away (401)."""
    reply = requests.post(f"{served.base_url}/mcp", timeout=10, json={}, headers={
        "Authorization": f"Bearer {token}", "Accept": "application/json, text/event-stream"})
    return reply.status_code == 401


# -- the tests ---------------------------------------------------------------------------------------------
def test_the_metadata_describes_a_pkce_only_server(served: Served) -> None:
    body = requests.get(f"{served.base_url}/.well-known/oauth-authorization-server", timeout=10).json()
    AuthorizationServerMetadata(body).validate()
    assert body["issuer"] == served.base_url
    assert body["code_challenge_methods_supported"] == ["S256"]
    assert body["grant_types_supported"] == ["authorization_code", "refresh_token"]
    resource = requests.get(f"{served.base_url}/.well-known/oauth-protected-resource/mcp", timeout=10).json()
    assert resource["authorization_servers"] == [body["issuer"]]


def test_a_linked_client_logs_a_dose_once(served: Served, world: World) -> None:
    # GIVEN Anne allowed a client, as her carer's assistant, for Edith
    _, tokens = tokens_for(served, world.anne.email, "carer", [world.edith.id])
    assert tokens["token_type"] == "Bearer" and tokens["scope"] == "doses:read doses:write"
    # WHEN it logs Edith's Metformin twice through the MCP endpoint
    first = call(served, tokens["access_token"], "log_dose", medicine="Metformin")
    second = call(served, tokens["access_token"], "log_dose", medicine="Metformin")
    # THEN the first is recorded and the second is "already taken" at the same time
    assert first.structured_content and first.structured_content["outcome"] == "logged"
    assert second.structured_content and second.structured_content["outcome"] == "already"
    assert (second.structured_content["already_taken"][0]["taken_at"]
            == first.structured_content["recorded"][0]["taken_at"])


def test_a_carer_cannot_link_or_reach_another_carers_person(served: Served, world: World) -> None:
    # Bob cannot choose Edith on the consent page ...
    client_id = register(served)
    reply = authorize(served, signed_in(served, world.bob.email), client_id, "carer", [world.edith.id])
    assert reply.status_code == 422 and "cannot link" in reply.text
    # ... and his own token does not reach her
    _, tokens = tokens_for(served, world.bob.email, "carer", [world.walter.id])
    answer = call(served, tokens["access_token"], "whats_due", person_id=world.edith.id)
    assert answer.is_error and "no such person" in str(answer.content)


def test_a_persons_own_assistant_covers_that_person_only(served: Served, world: World) -> None:
    _, tokens = tokens_for(served, world.anne.email, f"person:{world.edith.id}", [])
    people = call(served, tokens["access_token"], "list_people").structured_content
    assert people == {"people": [{"person_id": world.edith.id, "name": "Edith", "timezone": "Europe/London"}]}
    carer_only = call(served, tokens["access_token"], "adherence_summary")
    assert carer_only.is_error and "for carers" in str(carer_only.content)


def test_refresh_rotates_and_a_replayed_refresh_token_revokes_the_grant(served: Served, world: World) -> None:
    client_id, first = tokens_for(served, world.anne.email, "carer", [world.edith.id])
    # WHEN the client refreshes
    reply = refresh(served, client_id, first["refresh_token"])
    assert reply.status_code == 200, reply.text
    second = reply.json()
    # THEN both tokens are new, the old access token is dead, the new one works
    assert second["refresh_token"] != first["refresh_token"] and second["access_token"] != first["access_token"]
    assert refused(served, first["access_token"]) and not refused(served, second["access_token"])
    # WHEN the old refresh token is presented again (a replay)
    replay = refresh(served, client_id, first["refresh_token"])
    # THEN it is refused, and the whole grant is revoked: the current pair stops working too
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
    assert refused(served, second["access_token"])
    assert refresh(served, client_id, second["refresh_token"]).status_code == 400


def test_revocation_ends_the_grant_at_once(served: Served, world: World) -> None:
    client_id, tokens = tokens_for(served, world.anne.email, "carer", [world.edith.id])
    assert not refused(served, tokens["access_token"])
    reply = requests.post(f"{served.base_url}/oauth/revoke", timeout=10,
                          data={"token": tokens["refresh_token"], "client_id": client_id})
    assert reply.status_code == 200
    assert refused(served, tokens["access_token"])
    assert refresh(served, client_id, tokens["refresh_token"]).status_code == 400


def test_pkce_is_required_and_checked(served: Served, world: World) -> None:
    client_id = register(served)
    browser = signed_in(served, world.anne.email)
    # no method (plain by default) is refused before any consent is shown
    assert authorize(served, browser, client_id, "carer", [world.edith.id], challenge_method=None).status_code == 400
    assert authorize(served, browser, client_id, "carer", [world.edith.id], challenge_method="plain").status_code == 400
    # a wrong verifier gets no token, and the code is spent
    authorized = code_from(authorize(served, browser, client_id, "carer", [world.edith.id]))
    wrong = exchange(served, client_id, authorized, verifier=pkce()[0])
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
    assert exchange(served, client_id, authorized).status_code == 400


def test_an_unregistered_redirect_is_never_followed(served: Served, world: World) -> None:
    client_id = register(served)
    _, challenge = pkce()
    page = signed_in(served, world.anne.email).get(f"{served.base_url}/oauth/authorize?" + urlencode({
        "response_type": "code", "client_id": client_id, "redirect_uri": "https://evil.example/cb",
        "code_challenge": challenge, "code_challenge_method": "S256"}), timeout=10, allow_redirects=False)
    assert page.status_code == 400 and "evil.example" not in page.headers.get("Location", "")


def test_registration_refuses_plain_http_redirects(served: Served) -> None:
    reply = requests.post(f"{served.base_url}/oauth/register", timeout=10, json={
        "client_name": "x", "redirect_uris": ["http://example.org/cb"], "token_endpoint_auth_method": "none"})
    assert reply.status_code == 400 and reply.json()["error"] == "invalid_client_metadata"


# -- the SDK's own OAuth client ----------------------------------------------------------------------------
class MemoryStorage(TokenStorage):
    def __init__(self) -> None:
        self.tokens: OAuthToken | None = None
        self.client: OAuthClientInformationFull | None = None

    async def get_tokens(self) -> OAuthToken | None:
        return self.tokens

    async def set_tokens(self, tokens: OAuthToken) -> None:
        self.tokens = tokens

    async def get_client_info(self) -> OAuthClientInformationFull | None:
        return self.client

    async def set_client_info(self, client_info: OAuthClientInformationFull) -> None:
        self.client = client_info


def test_the_sdk_client_links_through_oauth_and_logs(served: Served, world: World, tmp_path: Path) -> None:
    # GIVEN Anne signed in in her browser; the consent she gives is her "who" choice, posted by a helper
    browser = signed_in(served, world.anne.email)
    seen: dict[str, str] = {}
    done = threading.Event()

    async def open_browser(url: str) -> None:  # what a real client does: show the page to the user
        page = browser.get(url, timeout=10)
        reply = browser.post(url, timeout=10, allow_redirects=False, data={
            "csrf_token": csrf_of(page.text), "who": "carer", "people": [world.edith.id], "decision": "allow"})
        seen["location"] = reply.headers["Location"]
        done.set()

    async def callback() -> AuthorizationCodeResult:
        params = parse_qs(urlsplit(seen["location"]).query)
        return AuthorizationCodeResult(code=params["code"][0], state=params.get("state", [None])[0])

    storage = MemoryStorage()
    auth = OAuthClientProvider(
        server_url=f"{served.base_url}/mcp",
        client_metadata=OAuthClientMetadata(client_name="SDK test client", redirect_uris=[AnyUrl(REDIRECT)],
                                            grant_types=["authorization_code", "refresh_token"],
                                            response_types=["code"], token_endpoint_auth_method="none"),
        storage=storage, redirect_handler=open_browser, callback_handler=callback)

    async def run() -> list[CallToolResult]:
        async with httpx2.AsyncClient(auth=auth, timeout=30) as http, \
                Client(streamable_http_client(f"{served.base_url}/mcp", http_client=http)) as client:
            return [await client.call_tool("whats_due", {}), await client.call_tool("pills_left", {})]

    # WHEN the SDK client calls a tool without a token
    results = asyncio.run(run())
    # THEN it discovered the server, registered, got consent and a token, and the calls succeeded
    assert done.is_set() and storage.tokens is not None and storage.tokens.refresh_token
    assert all(not r.is_error for r in results), results
    assert results[1].structured_content and "medicines" in results[1].structured_content
