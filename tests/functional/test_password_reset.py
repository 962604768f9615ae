"""Forgot password: a link by email (a real SMTP receiver), used once within 30 minutes; the same answer for
unknown emails; the reset signs the account out everywhere."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import Message as EmailMessage
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from skill.accounts.passwords import hash_password
from skill.accounts.tokens import hash_secret
from skill.domain.accounts import Role, User
from skill.notify.smtp import SmtpChannel, SmtpSettings
from skill.store.sqlite import SqliteStore
from skill.web.app import WebConfig, create_app
from tests.functional.channel_servers import Inbox, smtp_server

PASSWORD = "correct horse battery"
NEW_PASSWORD = "a brand new passphrase"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_LINK = re.compile(r"http://localhost(/password/reset/\S+)")


@dataclass
class Clock:
    now: datetime = field(default_factory=lambda: datetime.now(UTC))

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Site:
    app: Flask
    store: SqliteStore
    inbox: Inbox
    clock: Clock


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    clock = Clock()
    store = SqliteStore(tmp_path / "reset.db")
    store.init()
    store.create_user(User(id="usr_ann", email="ann@example.org", role=Role.CARER, organisation="north",
                           password_hash=hash_password(PASSWORD), created_at=clock()))
    with smtp_server() as (port, inbox):
        email = SmtpChannel(SmtpSettings(host="127.0.0.1", port=port, starttls="off"), "DoseKeeper <dk@localhost>",
                            timeout=10)
        app = create_app(store, WebConfig(secret_key="k", secure_cookies=False, clock=clock), email=email)
        yield Site(app, store, inbox, clock)
    store.close()


def csrf(client: FlaskClient, path: str) -> str:
    found = _CSRF.search(client.get(path).text)
    assert found, "no form on the page"
    return found.group(1)


def ask_for_link(site: Site, email: str, client: FlaskClient | None = None) -> str:
    client = client or site.app.test_client()
    response = client.post("/password/forgot", data={"email": email, "csrf_token": csrf(client, "/password/forgot")})
    assert response.status_code == 200
    return response.text


def link_in(mail: EmailMessage) -> str:
    body = mail.get_payload(decode=True)
    assert isinstance(body, bytes)
    found = _LINK.search(body.decode())
    assert found, "no reset link in the mail"
    return found.group(1)


def sign_in(client: FlaskClient, password: str) -> int:
    return client.post("/login", data={"email": "ann@example.org", "password": password,
                                       "csrf_token": csrf(client, "/login")}).status_code


def test_a_carer_resets_a_forgotten_password_from_the_emailed_link(site: Site) -> None:
    # GIVEN ann signed in on another device, and the sign-in page offering a reset
    other_device = site.app.test_client()
    assert sign_in(other_device, PASSWORD) == 302
    browser = site.app.test_client()
    assert 'href="/password/forgot"' in browser.get("/login").text
    # WHEN she asks for a link
    page = ask_for_link(site, "Ann@Example.org", browser)
    # THEN the page says a link is on its way, and exactly one mail arrives, with the link and no secret stored
    assert "If an account uses that email, we have sent it a link" in page
    [mail] = site.inbox.to("ann@example.org")
    assert mail["Subject"] == "Reset your DoseKeeper password"
    link = link_in(mail)
    secret = link.rsplit("/", 1)[1]
    assert site.store.get_password_reset(hash_secret(secret)) is not None
    # WHEN she opens the link and mistypes the second password, the link survives the typo
    form = csrf(browser, link)
    typo = browser.post(link, data={"csrf_token": form, "new_password": NEW_PASSWORD,
                                    "new_password_again": NEW_PASSWORD + "x"})
    assert typo.status_code == 422 and 'id="pw-again-error"' in typo.text and "differ" in typo.text
    done = browser.post(link, data={"csrf_token": form, "new_password": NEW_PASSWORD,
                                    "new_password_again": NEW_PASSWORD})
    # THEN she is sent to sign in, where only the new password works
    assert done.status_code == 303 and done.location == "/login"
    assert "Your password is changed" in browser.get("/login").text
    assert sign_in(browser, PASSWORD) == 401
    assert sign_in(browser, NEW_PASSWORD) == 302
    # AND the other device was signed out
    assert other_device.get("/today").status_code == 302
    # AND the link cannot be used again
    assert site.app.test_client().get(link).status_code == 404
    replay = site.app.test_client()
    assert replay.post(link, data={"csrf_token": csrf(replay, "/login"), "new_password": "another password 1",
                                   "new_password_again": "another password 1"}).status_code == 404
    assert sign_in(site.app.test_client(), NEW_PASSWORD) == 302


def test_an_unknown_email_gets_the_same_answer_and_no_mail(site: Site) -> None:
    known = ask_for_link(site, "ann@example.org")
    unknown = ask_for_link(site, "nobody@example.org")
    assert known == unknown.replace("nobody@example.org", "ann@example.org")
    assert len(site.inbox.messages) == 1 and site.inbox.to("nobody@example.org") == []


def test_a_link_expires_after_thirty_minutes(site: Site) -> None:
    ask_for_link(site, "ann@example.org")
    link = link_in(site.inbox.to("ann@example.org")[0])
    site.clock.now += timedelta(minutes=29, seconds=59)
    assert site.app.test_client().get(link).status_code == 200
    site.clock.now += timedelta(seconds=1)
    expired = site.app.test_client().get(link)
    assert expired.status_code == 404 and "not valid" in expired.text


def test_an_address_gets_at_most_three_mails_an_hour_and_the_answer_does_not_change(site: Site) -> None:
    # GIVEN someone asking for ann's link again and again from several addresses
    pages = []
    for i in range(5):
        client = site.app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"198.51.100.{i + 1}"
        pages.append(ask_for_link(site, "ann@example.org", client))
    # THEN her inbox gets three, the asker sees the same page each time
    assert len(site.inbox.to("ann@example.org")) == 3
    assert len(set(pages)) == 1
    # AND an hour later she can have another
    site.clock.now += timedelta(hours=1)
    ask_for_link(site, "ann@example.org")
    assert len(site.inbox.to("ann@example.org")) == 4


def test_asking_for_links_is_rate_limited_per_client(site: Site) -> None:
    client = site.app.test_client()
    token = csrf(client, "/password/forgot")
    codes = [client.post("/password/forgot", data={"email": f"x{i}@example.org", "csrf_token": token}).status_code
             for i in range(6)]
    assert codes == [200, 200, 200, 200, 200, 429]


def test_a_malformed_email_is_an_error_tied_to_its_field(site: Site) -> None:
    client = site.app.test_client()
    response = client.post("/password/forgot", data={"email": "ann at example", "csrf_token":
                                                      csrf(client, "/password/forgot")})
    assert response.status_code == 422
    assert 'aria-describedby="email-error"' in response.text and 'id="email-error">Error: ' in response.text


def test_without_an_email_channel_no_reset_is_offered(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "plain.db")
    store.init()
    client = create_app(store, WebConfig(secret_key="k", secure_cookies=False)).test_client()
    assert "Forgot your password" not in client.get("/login").text
    assert client.get("/password/forgot").status_code == 404
    store.close()
