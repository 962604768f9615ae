"""The web app behind API Gateway (HTTP API, payload 2.0): the sign-in limit counts the real caller.

Events are shaped as API Gateway sends them; the app runs on a SQLite file through skill.web.gateway, the
adapter lambda/api_handler.py uses.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from skill.store.sqlite import SqliteStore
from skill.web.app import WebConfig, create_app
from skill.web.gateway import LambdaHandler, gateway_handler


@pytest.fixture
def gateway(tmp_path: Path) -> Iterator[LambdaHandler]:
    store = SqliteStore(tmp_path / "web.db")
    store.init()
    yield gateway_handler(create_app(store, WebConfig(secret_key="k", login_rate_limit="2 per minute")))
    store.close()


def event(method: str, path: str, source_ip: str, headers: dict[str, str] | None = None,
          cookies: list[str] | None = None, body: str = "", version: str = "2.0") -> dict[str, Any]:
    return {
        "version": version, "routeKey": "$default", "rawPath": path, "rawQueryString": "",
        "cookies": cookies or [], "body": body, "isBase64Encoded": False,
        "headers": {"host": "abc123.execute-api.eu-west-1.amazonaws.com", "x-forwarded-proto": "https",
                    "x-forwarded-for": source_ip, **(headers or {})},
        "requestContext": {"http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": source_ip,
                                    "userAgent": "test"}, "requestId": "r1", "stage": "$default"},
    }


def sign_in_attempt(gateway: LambdaHandler, source_ip: str, forged: str | None = None) -> int:
    """A wrong password from `source_ip`, optionally claiming (X-Forwarded-For) to be `forged`."""
    page = gateway(event("GET", "/login", source_ip), None)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page["body"])
    assert token is not None
    cookies = [c.split(";")[0] for c in page.get("cookies", [])]
    headers = {"content-type": "application/x-www-form-urlencoded"}
    if forged is not None:
        headers["x-forwarded-for"] = f"{forged}, {source_ip}"  # what API Gateway sends on: theirs, then the caller
    form = urlencode({"email": "nobody@example.org", "password": "wrong password", "csrf_token": token.group(1)})
    response = gateway(event("POST", "/login", source_ip, headers, cookies, form), None)
    return int(response["statusCode"])


def test_the_sign_in_limit_counts_the_gateways_source_ip_not_a_forged_header(gateway: LambdaHandler) -> None:
    # GIVEN two sign-in attempts a minute per address
    # WHEN one caller tries three times, claiming a new address in X-Forwarded-For each time
    codes = [sign_in_attempt(gateway, "203.0.113.9", forged=f"198.51.100.{i}") for i in range(3)]
    # THEN the third is limited all the same, while another caller is not
    assert codes == [401, 401, 429]
    assert sign_in_attempt(gateway, "203.0.113.77") == 401


def test_an_old_format_event_is_refused(gateway: LambdaHandler) -> None:
    # GIVEN a payload 1.0 event, whose caller address apig-wsgi would read from a forgeable header
    old = event("GET", "/healthz", "203.0.113.9", version="1.0")
    # WHEN it reaches the app
    response = gateway(old, None)
    # THEN it is refused rather than served with a caller address nobody can trust
    assert response["statusCode"] == 500 and "unsupported gateway payload" in response["body"]
    assert gateway(event("GET", "/healthz", "203.0.113.9"), None)["statusCode"] == 200
