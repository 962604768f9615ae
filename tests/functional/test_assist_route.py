"""`POST /assist`: the conversation rules on Home Assistant, spoken through the exported sentences.

Each turn is a sentence matched by hassil against the exported custom sentences, posted as the intent script
would post it, answered by the web app, and checked against the store: what was recorded is what a carer and
the next turn rely on.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient

from skill.accounts.tokens import issue_token
from skill.assist import tokens
from skill.domain.accounts import Role, User
from skill.domain.alerts import AlertKind
from skill.domain.models import Contact, Dose, Recipient, Schedule, new_id
from skill.store.base import Store
from skill.web.app import WebConfig, create_app
from tests.factories import medication, recipient
from tests.functional.test_assist_support import generic
from tests.support.envelopes import FixedClock

pytestmark = pytest.mark.parametrize("store", ["sqlite", "moto"], indirect=True)

DAY = datetime(2026, 11, 25, tzinfo=UTC)  # London is on GMT in November: local time is UTC here


def at(hours: float) -> datetime:
    return DAY + timedelta(hours=hours)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(at(20.1))


@pytest.fixture
def client(store: Store, clock: FixedClock) -> FlaskClient:
    app = create_app(store, WebConfig(secret_key="test", secure_cookies=False, clock=clock))
    return app.test_client()


@pytest.fixture
def edith(store: Store) -> Recipient:
    person = recipient(display_name="Edith", locale="en-GB")
    store.put_recipient(person)
    store.put_contact(Contact(id=new_id("con"), recipient_id=person.id, name="Sam", channel="email",
                              address="sam@example.org"))
    store.put_medication(medication(person.id, "Metformin", at=("08:00", "20:00")))
    store.put_medication(medication(person.id, "Ramipril", at=("20:00",), dose_text="5 mg"))
    return person


class Speaker:
    """A Home Assistant satellite in Edith's room: sentences in, DoseKeeper's answers out."""

    def __init__(self, client: FlaskClient, token: str) -> None:
        self.client = client
        self.token = token

    def post(self, body: Any) -> tuple[int, dict[str, Any]]:
        reply = self.client.post("/assist", json=body, headers={"Authorization": f"Bearer {self.token}"})
        return reply.status_code, reply.get_json()

    def say(self, text: str) -> dict[str, Any]:
        body = generic().body_for(text)
        assert body is not None, f"Home Assistant would not understand {text!r}"
        status, answer = self.post(body)
        assert status == 200, answer
        return answer


@pytest.fixture
def speaker(store: Store, client: FlaskClient, edith: Recipient, clock: FixedClock) -> Speaker:
    return Speaker(client, tokens.issue(store, edith.id, clock()))


def doses(store: Store, person: Recipient) -> list[Dose]:
    return store.list_doses(person.id, at(-24), at(48))


def logged(store: Store, person: Recipient) -> list[str]:
    return sorted(f"{d.medication_name}@{d.scheduled_local:%H:%M}" for d in doses(store, person) if d.is_logged)


# -- the rules -----------------------------------------------------------------------------------------------------
def test_i_took_my_metformin_logs_the_evening_dose_and_asks_about_the_morning_one(
        store: Store, speaker: Speaker, edith: Recipient) -> None:
    said = speaker.say("I took my metformin")
    assert logged(store, edith) == ["Metformin@20:00"]
    assert "This morning's Metformin isn't noted. Did you take that too?" in said["speech"]
    assert said["end"] is False
    # AND "no" leaves the morning dose open
    said = speaker.say("no")
    assert logged(store, edith) == ["Metformin@20:00"]
    assert said["end"] is True


def test_yes_to_the_check_in_records_exactly_the_doses_it_named(
        store: Store, speaker: Speaker, edith: Recipient) -> None:
    said = speaker.say("what do I take now")
    assert "It's time for your 8 o'clock medicines: Metformin and Ramipril. Have you taken them?" in said["speech"]
    said = speaker.say("yes")
    assert logged(store, edith) == ["Metformin@20:00", "Ramipril@20:00"]
    assert said["speech"].startswith("Thanks, I've noted your Metformin and Ramipril.")


def test_a_question_is_never_a_log(store: Store, speaker: Speaker, edith: Recipient) -> None:
    said = speaker.say("did I take my metformin")
    assert logged(store, edith) == []
    assert said["speech"]


def test_a_safety_moment_is_recorded_the_carer_told_and_one_signpost_said(
        store: Store, speaker: Speaker, edith: Recipient) -> None:
    said = speaker.say("I think I've taken my tablets twice")
    assert [e.kind.value for e in store.list_events(edith.id, at(-24), at(48))] == ["double_dose"]
    assert [a.kind for a in store.list_alerts(edith.id)] == [AlertKind.SAFETY]
    assert said["speech"].endswith("I've let your carer know. If you feel unwell, call a pharmacist or NHS 111, "
                                   "or 999 in an emergency.")
    assert logged(store, edith) == []


def test_i_dont_remember_checks_the_pill_box_and_never_guesses(
        store: Store, speaker: Speaker, edith: Recipient) -> None:
    speaker.say("what do I take now")
    said = speaker.say("I don't remember")
    assert said["speech"] == ("That's all right. Let's check together. Look in your pill box at the 8 o'clock space. "
                              "Are your Metformin and Ramipril still there?")
    said = speaker.say("no")
    assert said["speech"] == "Then it looks like you've taken it. Shall I note it as taken?"
    assert logged(store, edith) == []
    speaker.say("yes")
    assert logged(store, edith) == ["Metformin@20:00", "Ramipril@20:00"]


def test_ten_paracetamol_are_recorded_and_become_a_safety_moment(
        store: Store, speaker: Speaker, edith: Recipient, clock: FixedClock) -> None:
    store.put_medication(medication(edith.id, "Paracetamol", dose_text="", schedule=Schedule(
        as_needed=True, min_interval_minutes=240, max_per_day=8)))
    said = speaker.say("I took ten paracetamol")
    assert said["speech"].startswith("I've noted your Paracetamol. That's more than the 8 a day your carer set.")
    assert [d.quantity for d in doses(store, edith) if d.medication_name == "Paracetamol"] == [10]
    assert [e.kind.value for e in store.list_events(edith.id, at(-24), at(48))] == ["over_limit"]


def test_a_yes_after_the_question_expired_asks_rather_than_logs(
        store: Store, speaker: Speaker, edith: Recipient, clock: FixedClock) -> None:
    speaker.say("what do I take now")
    clock.set(clock() + timedelta(minutes=6))
    speaker.say("yes")
    assert logged(store, edith) == []


def test_each_conversation_keeps_its_own_question(store: Store, speaker: Speaker, edith: Recipient) -> None:
    status, _ = speaker.post({"intent": "DoseKeeperWhatIsDue", "conversation_id": "check-in"})
    assert status == 200
    speaker.say("yes")  # the "speaker" conversation was asked nothing
    assert logged(store, edith) == []
    status, _ = speaker.post({"intent": "DoseKeeperYes", "conversation_id": "check-in"})
    assert status == 200 and logged(store, edith) == ["Metformin@20:00", "Ramipril@20:00"]


# -- who may talk ----------------------------------------------------------------------------------------------------
def test_no_token_or_a_wrong_one_is_refused(client: FlaskClient, edith: Recipient) -> None:
    assert client.post("/assist", json={"intent": "DoseKeeperWhatIsDue"}).status_code == 401
    refused = client.post("/assist", json={"intent": "DoseKeeperWhatIsDue"},
                          headers={"Authorization": "Bearer dka_not-a-token"})
    assert refused.status_code == 401


def test_a_revoked_token_is_refused_at_once(store: Store, speaker: Speaker, edith: Recipient,
                                           clock: FixedClock) -> None:
    assert tokens.revoke_all(store, edith.id, clock()) == 1
    status, _ = speaker.post({"intent": "DoseKeeperWhatIsDue"})
    assert status == 401


def test_assist_and_api_tokens_do_not_open_each_others_doors(
        store: Store, client: FlaskClient, speaker: Speaker, edith: Recipient, clock: FixedClock) -> None:
    carer = User(id=new_id("usr"), email="sam@example.org", role=Role.CARER, password_hash="x", organisation="home",
                 recipient_ids=frozenset({edith.id}))
    store.create_user(carer)
    secret, api_token = issue_token(carer.id, "script", clock())
    store.put_token(api_token)
    assert client.get("/api/v1/recipients", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    assert client.get("/api/v1/recipients",
                      headers={"Authorization": f"Bearer {speaker.token}"}).status_code == 401
    status, _ = Speaker(client, secret).post({"intent": "DoseKeeperWhatIsDue"})
    assert status == 401


@pytest.mark.parametrize("body", [[], {"intent": "HassTurnOn"}, {"intent": "DoseKeeperLogDose", "slots": []},
                                  {"intent": "DoseKeeperLogDose", "slots": {"medication": "x" * 500}}])
def test_bad_input_is_refused_with_422(speaker: Speaker, body: Any) -> None:
    status, answer = speaker.post(body)
    assert status == 422 and answer["error"]
