"""Signing in and out: passwords, CSRF, lockout, rate limiting, cookies and API tokens."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from skill.accounts.tokens import issue_token
from skill.store.sqlite import SqliteStore
from skill.web.app import WebConfig, create_app
from skill.web.auth import authenticate_token
from tests.functional.web_fixtures import NOW, PASSWORD, World, client, csrf_of, login, world

__all__ = ["client", "world"]


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


def test_repeated_failures_lock_the_account_even_for_the_right_password(client: FlaskClient,
                                                                         world: World) -> None:
    # GIVEN five failed sign-ins in a row
    token = csrf_of(client.get("/login").text)
    codes = [client.post("/login", data={"email": "ann@example.org", "password": f"wrong-guess-{i}",
                                         "csrf_token": token}).status_code for i in range(5)]
    # THEN the fifth locks the account, and even the right password is refused while locked
    assert codes == [401, 401, 401, 401, 403]
    locked = client.post("/login", data={"email": "ann@example.org", "password": PASSWORD, "csrf_token": token})
    assert locked.status_code == 403 and "locked" in locked.text
    # AND other accounts are unaffected
    assert client.post("/login", data={"email": "bob@example.org", "password": PASSWORD,
                                       "csrf_token": token}).status_code == 302


def test_sign_in_attempts_are_rate_limited_per_client(tmp_path: Path) -> None:
    # GIVEN an app allowing three sign-in attempts a minute
    store = SqliteStore(tmp_path / "limit.db")
    store.init()
    app = create_app(store, WebConfig(secret_key="k", secure_cookies=False, login_rate_limit="3 per minute"))
    c = app.test_client()
    token = csrf_of(c.get("/login").text)
    # WHEN a fourth attempt comes within the minute
    codes = [c.post("/login", data={"email": f"x{i}@example.org", "password": "wrong-password",
                                    "csrf_token": token}).status_code for i in range(4)]
    # THEN it is turned away before any password is checked
    assert codes == [401, 401, 401, 429]
    store.close()


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
    user = authenticate_token(world.store, f"Bearer {secret}")
    assert user is not None and user.email == "ann@example.org"
    assert authenticate_token(world.store, "Bearer dk_wrong") is None
    assert authenticate_token(world.store, secret) is None
    assert authenticate_token(world.store, None) is None
    # AND the secret is not shown again
    assert secret not in client.get("/account").text
    # WHEN it is revoked, it stops working
    token_hash = world.store.list_tokens(world.users["ann"].id)[0].token_hash
    client.post(f"/account/tokens/{token_hash}/revoke", data={"csrf_token": csrf})
    assert authenticate_token(world.store, f"Bearer {secret}") is None


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
    # THEN each is refused with its reason, the wrong guess counts towards the lock, and nothing changed
    assert wrong.status_code == 422 and "current password is not right" in wrong.text
    assert differ.status_code == 422 and "two new passwords differ" in differ.text
    assert short.status_code == 422 and "at least 10 characters" in short.text
    assert forged.status_code == 400
    after = world.store.get_user_by_email("ann@example.org")
    assert before is not None and after is not None
    assert after.password_hash == before.password_hash and after.failed_logins == 1


def test_while_locked_the_current_password_is_not_checked(client: FlaskClient, world: World) -> None:
    # GIVEN ann signed in, then five wrong current passwords (the sign-in lock)
    csrf = login(client, "ann@example.org")
    for i in range(5):
        client.post("/account/password", data={"csrf_token": csrf, "current_password": f"guess {i}",
                                               "new_password": "x" * 12, "new_password_again": "x" * 12})
    # WHEN the right one is then given
    right = client.post("/account/password", data={"csrf_token": csrf, "current_password": PASSWORD,
                                                   "new_password": "x" * 12, "new_password_again": "x" * 12})
    # THEN it is refused while the lock lasts
    assert right.status_code == 422 and "Try again later" in right.text
    user = world.store.get_user_by_email("ann@example.org")
    assert user is not None and user.locked(NOW)
