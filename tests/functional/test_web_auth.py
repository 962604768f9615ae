"""Signing in and out: passwords, CSRF, lockout without lock-out abuse, no account enumeration, rate limits
shared across app instances, cookies, invitations and API tokens with scope and expiry."""

from __future__ import annotations

import logging
import re
import statistics
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from skill.accounts.passwords import hash_password
from skill.accounts.tokens import issue_token
from skill.domain.accounts import Role, TokenScope, User
from skill.store.base import Store
from skill.store.dynamodb import DynamoStore
from skill.store.sqlite import SqliteStore
from skill.web.app import WebConfig, create_app
from skill.web.auth import authenticate_token
from tests.conftest import dynalite_client
from tests.functional.web_fixtures import NOW, PASSWORD, World, client, csrf_of, login, world

__all__ = ["client", "world"]


@dataclass
class Clock:
    """An injected clock that starts at the real now and moves only when a test says so."""

    now: datetime = field(default_factory=lambda: datetime.now(UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, by: timedelta) -> None:
        self.now += by


def accounts_app(tmp_path: Path, clock: Clock) -> tuple[SqliteStore, Flask]:
    """An app with one account (ann) and no one cared for: enough for the sign-in form."""
    store = SqliteStore(tmp_path / "accounts.db")
    store.init()
    store.create_user(User(id="usr_ann", email="ann@example.org", role=Role.CARER, organisation="north",
                           password_hash=hash_password(PASSWORD), created_at=clock()))
    return store, create_app(store, WebConfig(secret_key="k", secure_cookies=False, clock=clock))


def test_pages_need_a_sign_in_and_return_to_where_you_were(client: FlaskClient, world: World) -> None:
    # GIVEN nobody signed in
    # WHEN they open a recipient page
    response = client.get(f"/recipients/{world.edith.id}")
    # THEN they are sent to the sign-in form, and after signing in come back to it
    assert response.status_code == 302 and response.location.startswith("/login?next=")
    token = csrf_of(client.get(response.location).text)
    back = client.post("/login", data={"email": "ann@example.org", "password": PASSWORD, "csrf_token": token,
                                       "next": f"/recipients/{world.edith.id}"})
    assert back.location == f"/recipients/{world.edith.id}"
    assert "Edith" in client.get(back.location).text


def test_the_live_status_feed_answers_401_when_signed_out(client: FlaskClient) -> None:
    response = client.get("/today.json")
    assert response.status_code == 401 and response.get_json()["error"] == "unauthorized"


def test_a_wrong_password_and_an_unknown_email_get_the_same_answer(client: FlaskClient, world: World) -> None:
    token = csrf_of(client.get("/login").text)
    wrong = client.post("/login", data={"email": "ann@example.org", "password": "nope-nope-nope",
                                        "csrf_token": token})
    unknown = client.post("/login", data={"email": "who@example.org", "password": "nope-nope-nope",
                                          "csrf_token": token})
    assert wrong.status_code == unknown.status_code == 401
    assert "do not match an account" in wrong.text and "do not match an account" in unknown.text
    assert client.get("/today").status_code == 302


def test_a_form_without_its_csrf_token_is_refused(client: FlaskClient, world: World) -> None:
    # GIVEN a signed-in carer
    login(client, "ann@example.org")
    # WHEN a form arrives without the token, or with another one
    missing = client.post(f"/recipients/{world.edith.id}/link-code")
    forged = client.post(f"/recipients/{world.edith.id}/link-code", data={"csrf_token": "forged"})
    # THEN nothing is done and the answer says why
    assert missing.status_code == forged.status_code == 400
    assert "did not come from DoseKeeper" in missing.text
    assert world.store.list_audit(world.edith.id) == []


def test_the_sign_in_form_itself_needs_its_token(client: FlaskClient, world: World) -> None:
    response = client.post("/login", data={"email": "ann@example.org", "password": PASSWORD})
    assert response.status_code == 400


def test_session_cookie_is_httponly_lax_and_secure_outside_loopback(world: World, tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "cookie.db")
    store.init()
    app = create_app(store, WebConfig(secret_key="k", secure_cookies=True))
    response = app.test_client().get("/login", base_url="https://dosekeeper.example")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie
    assert cookie.startswith("__Host-")
    store.close()


def test_sign_out_ends_the_session(client: FlaskClient, world: World) -> None:
    token = login(client, "ann@example.org")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/today").status_code == 302


def test_next_never_leaves_the_site(client: FlaskClient, world: World) -> None:
    token = csrf_of(client.get("/login").text)
    response = client.post("/login", data={"email": "ann@example.org", "password": PASSWORD,
                                           "csrf_token": token, "next": "//evil.example/"})
    assert response.location == "/today"


def test_a_personal_access_token_authenticates_its_owner_until_revoked(client: FlaskClient,
                                                                        world: World) -> None:
    # GIVEN a token made on the account page
    csrf = login(client, "ann@example.org")
    page = client.post("/account/tokens", data={"name": "laptop", "csrf_token": csrf}).text
    secret = page.split('id="new-token" class="wide" readonly value="')[1].split('"')[0]
    # THEN it identifies ann, a wrong or malformed one identifies nobody
    user = authenticate_token(world.store, f"Bearer {secret}", NOW)
    assert user is not None and user.email == "ann@example.org"
    assert authenticate_token(world.store, "Bearer dk_wrong", NOW) is None
    assert authenticate_token(world.store, secret, NOW) is None
    assert authenticate_token(world.store, None, NOW) is None
    # AND the secret is not shown again
    assert secret not in client.get("/account").text
    # WHEN it is revoked, it stops working
    token_hash = world.store.list_tokens(world.users["ann"].id)[0].token_hash
    client.post(f"/account/tokens/{token_hash}/revoke", data={"csrf_token": csrf})
    assert authenticate_token(world.store, f"Bearer {secret}", NOW) is None


def test_nobody_revokes_another_users_token(client: FlaskClient, world: World) -> None:
    _, token = issue_token(world.users["bob"].id, "bob's", NOW)
    world.store.put_token(token)
    csrf = login(client, "ann@example.org")
    assert client.post(f"/account/tokens/{token.token_hash}/revoke", data={"csrf_token": csrf}).status_code == 404
    assert world.store.get_token(token.token_hash) == token


def test_health_check_needs_no_sign_in(client: FlaskClient) -> None:
    assert client.get("/healthz").json == {"status": "ok"}


def test_a_signed_in_user_changes_their_password(client: FlaskClient, world: World,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    # GIVEN ann signed in
    csrf = login(client, "ann@example.org")
    new = "a much longer passphrase"
    # WHEN she changes her password with the right current one (and the log is watched)
    with caplog.at_level(logging.INFO):
        response = client.post("/account/password", data={
            "csrf_token": csrf, "current_password": PASSWORD, "new_password": new, "new_password_again": new})
    # THEN the change is stored as an argon2 hash, her session goes on, and only her id is logged
    assert response.status_code == 303
    user = world.store.get_user_by_email("ann@example.org")
    assert user is not None and user.password_hash.startswith("$argon2id$")
    assert "Your password is changed." in client.get("/account").text
    logged = [r for r in caplog.records if r.getMessage() == "password changed"]
    assert len(logged) == 1 and logged[0].__dict__["user_id"] == user.id
    assert "ann@example.org" not in caplog.text
    # AND the old password no longer signs in, the new one does
    client.post("/logout", data={"csrf_token": csrf_of(client.get("/account").text)})
    token = csrf_of(client.get("/login").text)
    assert client.post("/login", data={"email": "ann@example.org", "password": PASSWORD,
                                       "csrf_token": token}).status_code == 401
    assert client.post("/login", data={"email": "ann@example.org", "password": new,
                                       "csrf_token": token}).status_code == 302


def test_repeated_failures_lock_that_client_out_but_never_the_owner_elsewhere(client: FlaskClient,
                                                                               world: World) -> None:
    # GIVEN five failed sign-ins in a row from one client (someone who knows ann's email)
    token = csrf_of(client.get("/login").text)
    codes = [client.post("/login", data={"email": "ann@example.org", "password": f"wrong-guess-{i}",
                                         "csrf_token": token}).status_code for i in range(5)]
    # THEN the fifth locks that client out of ann's account, even with the right password, and says how long
    assert codes == [401, 401, 401, 401, 429]
    locked = client.post("/login", data={"email": "ann@example.org", "password": PASSWORD, "csrf_token": token})
    assert locked.status_code == 429 and "Wait 1 minute" in locked.text and locked.headers["Retry-After"] == "60"
    # AND ann herself, on her own device, signs in as usual
    owner = world.app.test_client()
    owner.environ_base["REMOTE_ADDR"] = "198.51.100.7"
    login(owner, "ann@example.org")
    assert owner.get("/today").status_code == 200
    # AND other accounts are unaffected from the locked client
    assert client.post("/login", data={"email": "bob@example.org", "password": PASSWORD,
                                       "csrf_token": token}).status_code == 302


def test_locks_grow_with_each_further_failure_and_lift_by_themselves(tmp_path: Path) -> None:
    # GIVEN an app whose clock we move, and a stranger who fails five times
    clock = Clock()
    store, app = accounts_app(tmp_path, clock)
    stranger = app.test_client()
    token = csrf_of(stranger.get("/login").text)

    def attempt(password: str = "wrong-password") -> int:
        return stranger.post("/login", data={"email": "ann@example.org", "password": password,
                                             "csrf_token": token}).status_code

    assert [attempt() for _ in range(5)] == [401, 401, 401, 401, 429]
    # WHEN each lock runs out and the next guess is wrong, the next lock is twice as long (1, 2, 4 minutes)
    for minutes in (1, 2, 4):
        clock.advance(timedelta(minutes=minutes) - timedelta(seconds=1))
        assert attempt(PASSWORD) == 429  # still locked, a second before the end
        clock.advance(timedelta(seconds=1))
        response = stranger.post("/login", data={"email": "ann@example.org", "password": "wrong-again",
                                                 "csrf_token": token})
        assert response.status_code == 429 and response.headers["Retry-After"] == str(minutes * 2 * 60)
    # AND once the lock is over, the right password signs in
    clock.advance(timedelta(minutes=8))
    assert attempt(PASSWORD) == 302
    store.close()


def test_known_and_unknown_emails_get_the_same_answers_all_the_way_to_the_lock(client: FlaskClient,
                                                                               world: World) -> None:
    # GIVEN the same six wrong sign-ins for an account that exists and for one that does not
    token = csrf_of(client.get("/login").text)

    def answers(email: str) -> list[tuple[int, str, str | None]]:
        out = []
        for i in range(6):
            r = client.post("/login", data={"email": email, "password": f"guess-{i}", "csrf_token": token})
            error = re.search(r'id="login-error">([^<]+)<', r.text)
            out.append((r.status_code, error.group(1) if error else "", r.headers.get("Retry-After")))
        return out

    # THEN status, message and Retry-After are the same at every step
    known = answers("ann@example.org")
    assert known == answers("nobody@example.org")
    assert [status for status, _, _ in known] == [401, 401, 401, 401, 429, 429]


def test_a_wrong_email_takes_about_as_long_as_a_wrong_password(client: FlaskClient, world: World) -> None:
    # GIVEN wrong sign-ins, interleaved, for a known and an unknown email (each from its own client address,
    # so no lock cuts the work short)
    token = csrf_of(client.get("/login").text)
    times: dict[str, list[float]] = {"ann@example.org": [], "nobody@example.org": []}
    for i in range(5):
        for n, (email, spent) in enumerate(times.items()):
            client.environ_base["REMOTE_ADDR"] = f"192.0.2.{10 + i * 2 + n}"
            started = time.process_time()
            assert client.post("/login", data={"email": email, "password": "wrong-password",
                                               "csrf_token": token}).status_code == 401
            spent.append(time.process_time() - started)
    # THEN both run argon2: their medians are within a factor of three (without the dummy check an unknown
    # email answers in a small fraction of the time). CPU time, not wall time: the work is what differs, and
    # CPU time does not count the waits other processes cause on a loaded machine.
    known, unknown = (statistics.median(v) for v in times.values())
    assert 1 / 3 < known / unknown < 3


@pytest.mark.parametrize("kind", ["sqlite", "dynalite"])
def test_sign_in_attempts_are_rate_limited_per_client_across_app_instances(kind: str, tmp_path: Path,
                                                                          request: pytest.FixtureRequest) -> None:
    # GIVEN two app instances (two processes, or two Lambda containers) on one store, three attempts a minute
    clock = Clock()
    if kind == "sqlite":
        stores: list[Store] = [SqliteStore(tmp_path / "shared.db"), SqliteStore(tmp_path / "shared.db")]
    else:
        url = request.getfixturevalue("dynalite_url")
        table = f"dk-{uuid.uuid4().hex[:12]}"
        stores = [DynamoStore(table, dynalite_client(url)), DynamoStore(table, dynalite_client(url))]
    stores[0].init()
    apps = [create_app(s, WebConfig(secret_key="k", secure_cookies=False, clock=clock,
                                    login_rate_limit="3 per minute")) for s in stores]
    a, b = (app.test_client() for app in apps)
    token_a, token_b = csrf_of(a.get("/login").text), csrf_of(b.get("/login").text)
    # WHEN one client's attempts land on either instance
    codes = [c.post("/login", data={"email": f"x{i}@example.org", "password": "wrong-password",
                                    "csrf_token": t}).status_code
             for i, (c, t) in enumerate([(a, token_a), (b, token_b), (a, token_a), (b, token_b)])]
    # THEN the fourth is turned away before any password is checked, wherever it lands
    assert codes == [401, 401, 401, 429]
    # AND a minute later the client may try again
    clock.advance(timedelta(minutes=1))
    assert b.post("/login", data={"email": "x9@example.org", "password": "wrong-password",
                                  "csrf_token": token_b}).status_code == 401


def test_a_password_change_needs_the_current_password_a_match_and_its_token(client: FlaskClient,
                                                                            world: World) -> None:
    csrf = login(client, "ann@example.org")
    before = world.store.get_user_by_email("ann@example.org")
    form = {"csrf_token": csrf, "current_password": PASSWORD, "new_password": "long enough pass",
            "new_password_again": "long enough pass"}
    # WHEN the current password is wrong, the two new ones differ, the new one is short, or no CSRF token
    wrong = client.post("/account/password", data={**form, "current_password": "not it at all"})
    differ = client.post("/account/password", data={**form, "new_password_again": "long enough pazz"})
    short = client.post("/account/password", data={**form, "new_password": "short", "new_password_again": "short"})
    forged = client.post("/account/password", data={**form, "csrf_token": "forged"})
    # THEN each is refused with its reason, and nothing changed
    assert wrong.status_code == 422 and "current password is not right" in wrong.text
    assert differ.status_code == 422 and "two new passwords differ" in differ.text
    assert short.status_code == 422 and "at least 10 characters" in short.text
    assert forged.status_code == 400
    after = world.store.get_user_by_email("ann@example.org")
    assert before is not None and after is not None and after.password_hash == before.password_hash
    # AND the wrong guess counted towards this client's lock: four more wrong sign-ins from here reach it
    other = world.app.test_client()
    token = csrf_of(other.get("/login").text)
    sign_ins = [other.post("/login", data={"email": "ann@example.org", "password": f"guess {i}",
                                           "csrf_token": token}).status_code for i in range(4)]
    assert sign_ins == [401, 401, 401, 429]


def test_while_locked_the_current_password_is_not_checked(client: FlaskClient, world: World) -> None:
    # GIVEN ann signed in, then five wrong current passwords (the sign-in lock of this client)
    csrf = login(client, "ann@example.org")
    for i in range(5):
        client.post("/account/password", data={"csrf_token": csrf, "current_password": f"guess {i}",
                                               "new_password": "x" * 12, "new_password_again": "x" * 12})
    # WHEN the right one is then given
    right = client.post("/account/password", data={"csrf_token": csrf, "current_password": PASSWORD,
                                                   "new_password": "x" * 12, "new_password_again": "x" * 12})
    # THEN it is refused while the lock lasts, and nothing changed
    assert right.status_code == 422 and "Try again later" in right.text
    user = world.store.get_user_by_email("ann@example.org")
    assert user is not None and user.password_hash == world.users["ann"].password_hash
    # AND it is the same lock as signing in from here
    other = world.app.test_client()
    assert other.post("/login", data={"email": "ann@example.org", "password": PASSWORD,
                                      "csrf_token": csrf_of(other.get("/login").text)}).status_code == 429


def invitation_link(world: World) -> str:
    ann = world.app.test_client()
    page = ann.post(f"/recipients/{world.edith.id}/invite", data={"csrf_token": login(ann, "ann@example.org")}).text
    found = re.search(r'readonly value="http://localhost(/invite/[^"]+)"', page)
    assert found is not None
    return found.group(1)


def accept(world: World, link: str, email: str, address: str = "127.0.0.1") -> TestResponse:
    newcomer = world.app.test_client()
    newcomer.environ_base["REMOTE_ADDR"] = address
    token = csrf_of(newcomer.get(link).text)
    return newcomer.post(link, data={"csrf_token": token, "email": email, "password": "a long password",
                                     "password_again": "a long password"})


def test_an_invitation_answers_alike_for_new_and_taken_emails_and_is_used_up_either_way(world: World) -> None:
    # GIVEN two invitation links
    first, second = invitation_link(world), invitation_link(world)
    # WHEN one is used with an email that has an account, and the other with a new email
    taken = accept(world, first, "bob@example.org")
    new = accept(world, second, "kim@example.org")
    # THEN both get the same answer: go and sign in
    assert taken.status_code == new.status_code == 303
    assert taken.location == new.location == "/login"
    # AND both links are used up
    assert world.app.test_client().get(first).status_code == 404
    assert world.app.test_client().get(second).status_code == 404
    # AND bob gained nothing, while kim's account exists and sees Edith once she signs in
    assert world.store.get_user(world.users["bob"].id).recipient_ids == {world.bert.id}  # type: ignore[union-attr]
    kim = world.app.test_client()
    login(kim, "kim@example.org", "a long password")
    assert "Edith" in kim.get("/today").text


def test_a_mistyped_invitation_form_keeps_the_link_and_ties_each_error_to_its_field(world: World) -> None:
    link = invitation_link(world)
    newcomer = world.app.test_client()
    token = csrf_of(newcomer.get(link).text)
    bad = newcomer.post(link, data={"csrf_token": token, "email": "kim@example", "password": "short",
                                    "password_again": "shorter"})
    assert bad.status_code == 422
    assert 'aria-describedby="email-error"' in bad.text and 'id="email-error">Error: ' in bad.text
    assert 'id="password-error"' in bad.text and 'id="password2-error"' in bad.text
    assert newcomer.get(link).status_code == 200  # not used up by a typo


def test_invitation_acceptance_is_rate_limited_per_client(world: World) -> None:
    # GIVEN one client flooding invitation forms (each complete form is an argon2 hash)
    links = [invitation_link(world) for _ in range(6)]
    codes = [accept(world, link, f"flood{i}@example.org", "203.0.113.50").status_code
             for i, link in enumerate(links)]
    # THEN the sixth within ten minutes is turned away, and its link still works for someone else
    assert codes == [303, 303, 303, 303, 303, 429]
    assert accept(world, links[5], "kim@example.org", "198.51.100.20").status_code == 303


def make_token(world: World, scope: TokenScope, expires_at: datetime | None = None) -> str:
    secret, token = issue_token(world.users["ann"].id, "script", NOW - timedelta(days=2), scope=scope,
                                expires_at=expires_at)
    world.store.put_token(token)
    return f"Bearer {secret}"


def test_a_read_only_token_reads_but_may_not_write(client: FlaskClient, world: World) -> None:
    read_only = make_token(world, TokenScope.READ)
    feed = f"/api/v1/recipients/{world.edith.id}/feed"
    assert client.get("/api/v1/recipients", headers={"Authorization": read_only}).status_code == 200
    refused = client.post(feed, headers={"Authorization": read_only})
    assert refused.status_code == 403 and refused.get_json()["message"] == "this API token is read-only"
    assert world.store.feed_token_created(world.edith.id) is None
    read_write = make_token(world, TokenScope.READ_WRITE)
    assert client.post(feed, headers={"Authorization": read_write}).status_code == 201


def test_an_expired_token_is_refused(client: FlaskClient, world: World) -> None:
    expired = make_token(world, TokenScope.READ_WRITE, expires_at=NOW - timedelta(seconds=1))
    live = make_token(world, TokenScope.READ_WRITE, expires_at=NOW + timedelta(seconds=1))
    response = client.get("/api/v1/recipients", headers={"Authorization": expired})
    assert response.status_code == 401 and "expired" in response.get_json()["message"]
    assert client.get("/api/v1/recipients", headers={"Authorization": live}).status_code == 200


def test_the_account_page_makes_a_token_with_the_chosen_scope_and_expiry(client: FlaskClient,
                                                                         world: World) -> None:
    csrf = login(client, "ann@example.org")
    page = client.post("/account/tokens", data={"name": "sheet", "scope": "read_write", "expires": "30",
                                                "csrf_token": csrf}).text
    assert "read and change" in page and (NOW + timedelta(days=30)).strftime("%Y-%m-%d") in page
    default = client.post("/account/tokens", data={"name": "dash", "csrf_token": csrf}).text
    assert "read only" in default and (NOW + timedelta(days=90)).strftime("%Y-%m-%d") in default
    made = {t.name: t for t in world.store.list_tokens(world.users["ann"].id)}
    assert made["sheet"].may_write and made["sheet"].expires_at == NOW + timedelta(days=30)
    assert not made["dash"].may_write and made["dash"].expires_at == NOW + timedelta(days=90)
    bad = client.post("/account/tokens", data={"name": "x", "expires": "forever", "csrf_token": csrf})
    assert bad.status_code == 422 and "choose when the token expires" in bad.text
