"""Sessions end on the server: a session cookie copied before sign-out or a password change stops working,
on every device, at once. Through real HTTP, because the cookie is what matters here."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from werkzeug.serving import make_server

from skill.accounts.passwords import hash_password
from skill.domain.accounts import Role, User
from skill.domain.models import utcnow
from skill.store.sqlite import SqliteStore
from skill.web.app import WebConfig, create_app

PASSWORD = "correct horse battery"
COOKIE = "dosekeeper"  # the cookie's name when served on loopback (no __Host- prefix without https)
TIMEOUT = 10
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Site:
    url: str
    store: SqliteStore


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    store = SqliteStore(tmp_path / "sessions.db")
    store.init()
    store.create_user(User(id="usr_ann", email="ann@example.org", role=Role.CARER, organisation="north",
                           password_hash=hash_password(PASSWORD), created_at=utcnow()))
    app = create_app(store, WebConfig(secret_key="k", secure_cookies=False))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield Site(f"http://127.0.0.1:{server.server_port}", store)
    server.shutdown()
    thread.join(timeout=TIMEOUT)
    store.close()


def csrf(browser: requests.Session, url: str) -> str:
    found = _CSRF.search(browser.get(url, timeout=TIMEOUT).text)
    assert found, "no form on the page"
    return found.group(1)


def signed_in_browser(site: Site, password: str = PASSWORD) -> requests.Session:
    browser = requests.Session()
    response = browser.post(f"{site.url}/login", timeout=TIMEOUT, allow_redirects=False, data={
        "email": "ann@example.org", "password": password, "csrf_token": csrf(browser, f"{site.url}/login")})
    assert response.status_code == 302, response.text
    return browser


def sees_today(site: Site, cookie: str) -> bool:
    """What someone holding only this cookie value gets: the Today page, or sent to sign in."""
    response = requests.get(f"{site.url}/today", cookies={COOKIE: cookie}, allow_redirects=False, timeout=TIMEOUT)
    assert response.status_code in (200, 302)
    return response.status_code == 200


def test_a_cookie_copied_before_sign_out_no_longer_works(site: Site) -> None:
    # GIVEN ann signed in, and her session cookie copied (a shared computer, a stolen cookie)
    browser = signed_in_browser(site)
    copied = browser.cookies[COOKIE]
    assert sees_today(site, copied)
    # WHEN she signs out
    response = browser.post(f"{site.url}/logout", data={"csrf_token": csrf(browser, f"{site.url}/account")},
                            allow_redirects=False, timeout=TIMEOUT)
    assert response.status_code == 302
    # THEN the copy is refused, though its signature is still good and it is hours from expiring
    assert not sees_today(site, copied)


def test_signing_out_on_one_device_signs_out_everywhere(site: Site) -> None:
    phone, laptop = signed_in_browser(site), signed_in_browser(site)
    phone.post(f"{site.url}/logout", data={"csrf_token": csrf(phone, f"{site.url}/account")}, timeout=TIMEOUT)
    assert laptop.get(f"{site.url}/today", allow_redirects=False, timeout=TIMEOUT).status_code == 302
    # AND signing in again works
    assert sees_today(site, signed_in_browser(site).cookies[COOKIE])


def test_a_password_change_ends_every_other_session_but_keeps_this_one(site: Site) -> None:
    # GIVEN ann signed in on two devices, and a cookie copied from the first
    here, elsewhere = signed_in_browser(site), signed_in_browser(site)
    copied = here.cookies[COOKIE]
    # WHEN she changes her password here
    new = "a much longer passphrase"
    response = here.post(f"{site.url}/account/password", allow_redirects=False, timeout=TIMEOUT, data={
        "csrf_token": csrf(here, f"{site.url}/account"), "current_password": PASSWORD, "new_password": new,
        "new_password_again": new})
    assert response.status_code == 303
    # THEN this browser stays signed in, the other device and the copied cookie do not
    assert sees_today(site, here.cookies[COOKIE])
    assert elsewhere.get(f"{site.url}/today", allow_redirects=False, timeout=TIMEOUT).status_code == 302
    assert not sees_today(site, copied)
