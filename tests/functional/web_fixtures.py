"""A small world for the web tests: two organisations, carers, a coordinator and an admin, on a SQLite file.

Imported by tests/functional/test_web_*.py (fixtures are re-exported by name there).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from skill.accounts.passwords import hash_password
from skill.domain.accounts import Role, User
from skill.domain.models import Medication, Recipient, new_id
from skill.store.sqlite import SqliteStore
from skill.usecases.planning import plan_medication
from skill.web.app import WebConfig, create_app
from tests.factories import medication, recipient

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)  # noon in London (GMT)
PASSWORD = "correct horse battery"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class World:
    store: SqliteStore
    app: Flask
    edith: Recipient  # cared for by ann, in "north"
    bert: Recipient  # cared for by bob, in "north"
    sam: Recipient  # in "south", nobody of north may see
    metformin: Medication  # edith's, due 11:30 and 20:00
    users: dict[str, User]


def make_user(store: SqliteStore, email: str, role: Role, organisation: str, rids: set[str],
              password_hash: str) -> User:
    user = User(id=new_id("usr"), email=email, role=role, organisation=organisation,
                password_hash=password_hash, recipient_ids=frozenset(rids), created_at=NOW)
    store.create_user(user)
    return user


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    store = SqliteStore(tmp_path / "web.db")
    store.init()
    edith = recipient(display_name="Edith", organisation="north")
    bert = recipient(display_name="Bert", organisation="north", timezone="America/New_York")
    sam = recipient(display_name="Sam", organisation="south")
    for r in (edith, bert, sam):
        store.put_recipient(r)
        store.apply_rollup_changes(r, [], NOW)  # as adding a person does: the coordinator's page lists them
    metformin = medication(edith.id, "Metformin", at=("11:30", "20:00"), start=date(2026, 11, 1))
    store.put_medication(metformin)
    plan_medication(store, edith, metformin, datetime(2026, 11, 25, tzinfo=UTC))
    for r in (bert, sam):
        med = medication(r.id, "Aspirin", at=("09:00",), start=date(2026, 11, 1))
        store.put_medication(med)
    hashed = hash_password(PASSWORD)
    users = {
        "ann": make_user(store, "ann@example.org", Role.CARER, "north", {edith.id}, hashed),
        "bob": make_user(store, "bob@example.org", Role.CARER, "north", {bert.id}, hashed),
        "cora": make_user(store, "cora@example.org", Role.COORDINATOR, "north", set(), hashed),
        "ada": make_user(store, "ada@example.org", Role.ADMIN, "north", set(), hashed),
        "sue": make_user(store, "sue@example.org", Role.COORDINATOR, "south", set(), hashed),
    }
    app = create_app(store, WebConfig(secret_key="test-secret", secure_cookies=False, clock=lambda: NOW,
                                      login_rate_limit="100 per minute"))
    app.testing = True
    yield World(store=store, app=app, edith=edith, bert=bert, sam=sam, metformin=metformin, users=users)
    store.close()


def csrf_of(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "the page has no form with a CSRF token"
    return match.group(1)


def login(client: FlaskClient, email: str, password: str = PASSWORD) -> str:
    """Sign in through the form; returns the CSRF token of the signed-in session."""
    token = csrf_of(client.get("/login").text)
    response = client.post("/login", data={"email": email, "password": password, "csrf_token": token})
    assert response.status_code == 302, response.text
    return csrf_of(client.get("/account").text)


@pytest.fixture
def client(world: World) -> FlaskClient:
    return world.app.test_client()
