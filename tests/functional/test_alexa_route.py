"""POST /alexa through Flask: signed requests from the test PKI are answered, anything else is HTTP 400."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient

from skill.alexa.http import alexa_blueprint
from skill.alexa.skill_builder import build_skill
from skill.alexa.verification import standard_verifiers
from skill.domain.voice import AlexaLink
from skill.store.base import Store
from tests.factories import recipient
from tests.support.alexa_certs import CHAIN_URL, SKILL_ID, InMemoryChainFetcher, alexa_test_pki, envelope_bytes
from tests.support.envelopes import Speaker, envelope


@pytest.fixture
def client(sqlite_store: Store) -> FlaskClient:
    pki = alexa_test_pki()
    verifiers = standard_verifiers(SKILL_ID, fetcher=InMemoryChainFetcher({CHAIN_URL: pki.chain_pem()}),
                                   trusted_roots=pki.trusted_roots)
    app = Flask(__name__)
    app.register_blueprint(alexa_blueprint(build_skill(sqlite_store, skill_id=SKILL_ID), verifiers))
    return app.test_client()


def launch_body(store: Store) -> bytes:
    edith = recipient(display_name="Edith")
    store.put_recipient(edith)
    speaker = Speaker()
    store.put_alexa_link(AlexaLink(speaker.user_id, edith.id, datetime.now(UTC)))
    return envelope_bytes(envelope(speaker, {"type": "LaunchRequest"}, now=datetime.now(UTC)))


def test_a_signed_request_is_answered_by_the_skill(client: FlaskClient, sqlite_store: Store) -> None:
    body = launch_body(sqlite_store)
    response = client.post("/alexa", data=body, headers=alexa_test_pki().headers(body))
    assert response.status_code == 200
    assert "Hello Edith." in response.get_json()["response"]["outputSpeech"]["ssml"]


@pytest.mark.parametrize("forgery", ["other key", "tampered body", "no signature", "bad chain url", "not json"])
def test_a_forged_request_is_refused_with_400_and_no_detail(
        client: FlaskClient, sqlite_store: Store, forgery: str) -> None:
    pki = alexa_test_pki()
    body = launch_body(sqlite_store)
    headers = pki.headers(body)
    if forgery == "other key":
        headers = pki.headers(body, key=pki.other_key)
    elif forgery == "tampered body":
        body = body.replace(b"LaunchRequest", b"SessionEndedRequest")
    elif forgery == "no signature":
        del headers["Signature-256"]
    elif forgery == "bad chain url":
        headers = pki.headers(body, url="https://evil.example.com/echo.api/cert.pem")
    elif forgery == "not json":
        body = b"hello"
        headers = pki.headers(body)
    response = client.post("/alexa", data=body, headers=headers)
    assert response.status_code == 400
    assert response.get_json() == {"error": "bad request"}


def test_a_request_for_another_skill_is_refused(client: FlaskClient, sqlite_store: Store) -> None:
    data = json.loads(launch_body(sqlite_store))
    data["context"]["System"]["application"]["applicationId"] = "amzn1.ask.skill.someone-else"
    data["session"]["application"]["applicationId"] = "amzn1.ask.skill.someone-else"
    body = envelope_bytes(data)
    response = client.post("/alexa", data=body, headers=alexa_test_pki().headers(body))
    assert response.status_code == 400


def test_without_verifiers_unsigned_requests_are_served_for_local_simulators(sqlite_store: Store) -> None:
    app = Flask(__name__)
    app.register_blueprint(alexa_blueprint(build_skill(sqlite_store, skill_id=SKILL_ID), []))
    body = launch_body(sqlite_store)
    response = app.test_client().post("/alexa", data=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 200
    assert "Hello Edith." in response.get_json()["response"]["outputSpeech"]["ssml"]
