"""Linking an assistant in a real browser: the consent page in Debian's Chromium, against a real `dosekeeper
serve`, then the code exchanged (PKCE) and the token used on the MCP endpoint.

Chromium enforces the page's Content-Security-Policy `form-action` on the redirect after "Allow", so this is
also the test that the consent page lets the browser go back to the client, and nowhere else.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from playwright.sync_api import Browser, Page, Route, expect

from tests.functional.mcp_world import PASSWORD, World, build_world, now_utc, serving
from tests.functional.test_oauth_flow import REDIRECT, call, pkce, register
from tests.support.serve_process import Served

pytestmark = pytest.mark.browser

SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    return build_world(tmp_path_factory.mktemp("consent") / "dosekeeper.db", now_utc())


@pytest.fixture(scope="module")
def served(world: World, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with serving(world, tmp_path_factory.mktemp("consent-log") / "serve.log") as running:
        yield running


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1000, "height": 900})
    yield context.new_page()
    context.close()


def start_linking(page: Page, served: Served, client_id: str) -> tuple[str, list[str]]:
    """Open the client's authorization link; sign in when asked. (the PKCE verifier, redirects seen)"""
    verifier, challenge = pkce()
    landed: list[str] = []

    def client_callback(route: Route) -> None:  # the client's own redirect endpoint
        landed.append(route.request.url)
        route.fulfill(status=200, content_type="text/html", body="<p>Linked. You can close this page.</p>")

    page.route(f"{REDIRECT}*", client_callback)
    page.goto(f"{served.base_url}/oauth/authorize?" + urlencode({
        "response_type": "code", "client_id": client_id, "redirect_uri": REDIRECT, "state": "s1",
        "code_challenge": challenge, "code_challenge_method": "S256", "resource": f"{served.base_url}/mcp"}))
    return verifier, landed


def sign_in_here(page: Page, email: str) -> None:
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_a_carer_links_an_assistant_on_the_consent_page(page: Page, served: Served, world: World) -> None:
    client_id = register(served)
    # GIVEN the client sends Anne to DoseKeeper: she signs in first, and lands on the consent page
    verifier, landed = start_linking(page, served, client_id)
    sign_in_here(page, world.anne.email)
    expect(page.get_by_role("heading", name="Link “Test assistant”")).to_be_visible()
    expect(page.get_by_text("127.0.0.1:9")).to_be_visible()  # where the code will go
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "oauth-consent.png"), full_page=True)
    # WHEN she chooses Edith's own assistant and allows it
    page.get_by_label("Edith, about their own medicines").check()
    page.get_by_role("button", name="Allow").click()
    page.wait_for_url(f"{REDIRECT}*")
    # THEN the browser went back to the client with a code and the state
    [url] = landed
    params = parse_qs(urlsplit(url).query)
    assert params["state"] == ["s1"]
    # AND the code (with the verifier) buys a token that speaks for Edith only
    tokens = requests.post(f"{served.base_url}/oauth/token", timeout=10, data={
        "grant_type": "authorization_code", "code": params["code"][0], "redirect_uri": REDIRECT,
        "client_id": client_id, "code_verifier": verifier}).json()
    people = call(served, tokens["access_token"], "list_people").structured_content
    assert people is not None and [p["person_id"] for p in people["people"]] == [world.edith.id]


def test_deny_sends_the_browser_back_with_access_denied(page: Page, served: Served, world: World) -> None:
    client_id = register(served)
    _, landed = start_linking(page, served, client_id)
    sign_in_here(page, world.bob.email)
    expect(page.get_by_label("Walter", exact=True)).to_be_checked()  # only his own person is offered
    expect(page.get_by_text("Edith")).to_have_count(0)
    page.get_by_role("button", name="Deny").click()
    page.wait_for_url(f"{REDIRECT}*")
    [url] = landed
    assert parse_qs(urlsplit(url).query)["error"] == ["access_denied"]
