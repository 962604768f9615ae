"""A carer resets a forgotten password in a real browser, on a phone and on a desktop: the link arrives by
email at a real SMTP receiver, the pages pass axe-core, and only the new password signs in afterwards."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from skill.accounts.passwords import hash_password
from skill.domain.accounts import Role, User
from skill.notify.smtp import SmtpChannel, SmtpSettings
from skill.store.sqlite import SqliteStore
from skill.web.app import WebConfig, create_app
from tests.browser.conftest import accessibility_problems, open_page, serving
from tests.functional.channel_servers import Inbox, smtp_server

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"
NEW_PASSWORD = "a brand new passphrase"
_LINK = re.compile(r"https?://[^/\s]+(/password/reset/\S+)")


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[str, Inbox]]:
    store = SqliteStore(tmp_path / "reset.db")
    store.init()
    store.create_user(User(id="usr_ann", email="ann@example.org", role=Role.CARER, organisation="north",
                           password_hash=hash_password(PASSWORD), created_at=datetime.now(UTC)))
    with smtp_server() as (port, inbox):
        email = SmtpChannel(SmtpSettings(host="127.0.0.1", port=port, starttls="off"), "DoseKeeper <dk@localhost>",
                            timeout=10)
        app = create_app(store, WebConfig(secret_key="k", secure_cookies=False), email=email)
        with serving(app) as url:
            yield url, inbox
    store.close()


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_a_carer_resets_a_forgotten_password_in_the_browser(browser: Browser, site: tuple[str, Inbox],
                                                              size: str) -> None:
    url, inbox = site
    page = open_page(browser, size)
    try:
        # GIVEN the sign-in page WHEN she follows "Forgot your password?" and asks for a link
        page.goto(f"{url}/login")
        page.get_by_role("link", name=re.compile("forgot", re.IGNORECASE)).click()
        assert accessibility_problems(page) == []
        page.get_by_label(re.compile("email", re.IGNORECASE)).fill("ann@example.org")
        page.get_by_role("button", name=re.compile("send|link|reset", re.IGNORECASE)).click()
        expect(page.get_by_text(re.compile("we have sent it a link"))).to_be_visible()
        # THEN the mail arrives with a link; she opens it and sets a new password
        [mail] = inbox.to("ann@example.org")
        body = mail.get_payload(decode=True)
        assert isinstance(body, bytes)
        link = _LINK.search(body.decode())
        assert link is not None
        page.goto(url + link.group(1))
        assert accessibility_problems(page) == []
        fields = page.locator("input[type=password]")
        fields.nth(0).fill(NEW_PASSWORD)
        fields.nth(1).fill(NEW_PASSWORD)
        page.get_by_role("button", name=re.compile("password", re.IGNORECASE)).click()
        expect(page.get_by_text("Your password is changed")).to_be_visible()
        # AND only the new password signs her in
        page.get_by_label(re.compile("email", re.IGNORECASE)).fill("ann@example.org")
        page.get_by_label(re.compile("^password", re.IGNORECASE)).fill(NEW_PASSWORD)
        page.get_by_role("button", name=re.compile("sign in", re.IGNORECASE)).click()
        expect(page).to_have_url(re.compile(r"/today$"))
    finally:
        page.context.close()
