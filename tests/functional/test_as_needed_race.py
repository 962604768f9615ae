"""Issue 11.1: one intake reported at the same moment by voice and by a carer's app is recorded once.

Before the as-needed guard, "I took my naproxen" and a carer's API log of the same intake were both accepted,
on SQLite and on DynamoDB. Here both edges fire together (a barrier releases them at once) against the stores
that serialise racing writes as the real ones do: a SQLite file and Amazon's DynamoDB Local.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

from ask_sdk_core.skill import CustomSkill
from flask import Flask

from skill.accounts.tokens import issue_token
from skill.alexa.skill_builder import build_skill
from skill.domain.accounts import Role, User
from skill.domain.models import Schedule, new_id
from skill.domain.voice import AlexaLink
from skill.store.base import Store
from skill.web.app import WebConfig, create_app
from tests.factories import medication, recipient
from tests.support.envelopes import Conversation, FixedClock, Speaker

ROUNDS = 6


def race(skill: CustomSkill, app: Flask, clock: FixedClock, speaker: Speaker, person_id: str, medication_id: str,
         secret: str) -> dict[str, Any]:
    """Both edges report the same intake, released together by a barrier; returns what each answered."""
    answers: dict[str, Any] = {}
    barrier = threading.Barrier(2)

    def voice() -> None:
        talk = Conversation(skill, speaker, clock)
        barrier.wait(timeout=30)
        answers["voice"] = talk.intent("LogDoseIntent", medication="naproxen").text

    def api() -> None:
        client = app.test_client()
        barrier.wait(timeout=30)
        answers["api"] = client.post(f"/api/v1/recipients/{person_id}/medications/{medication_id}/log", json={},
                                     headers={"Authorization": f"Bearer {secret}"})

    threads = [threading.Thread(target=voice), threading.Thread(target=api)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return answers


def test_a_voice_log_and_an_api_log_of_the_same_intake_record_one_dose(concurrent_store: Store) -> None:
    store = concurrent_store
    clock = FixedClock(datetime.now(UTC).replace(second=0, microsecond=0))
    skill = build_skill(store, skill_id=None, clock=clock)
    app = create_app(store, WebConfig(secret_key="test-secret", secure_cookies=False, clock=clock))
    app.testing = True
    for _ in range(ROUNDS):
        # GIVEN a person with naproxen as needed (4 h apart), linked to a speaker and cared for by a carer
        person = recipient(display_name="Edith", timezone="UTC")
        store.put_recipient(person)
        naproxen = medication(person.id, "Naproxen", dose_text="", schedule=Schedule(
            as_needed=True, min_interval_minutes=240, max_per_day=3))
        store.put_medication(naproxen)
        speaker = Speaker()
        store.put_alexa_link(AlexaLink(speaker.user_id, person.id, clock()))
        store.mark_disclaimer_heard(person.id, clock())
        carer = User(id=new_id("usr"), email=f"{new_id('c')}@example.org", role=Role.CARER, organisation="north",
                     password_hash="x", recipient_ids=frozenset({person.id}), created_at=clock())
        store.create_user(carer)
        secret, token = issue_token(carer.id, "app", clock())
        store.put_token(token)
        # WHEN both report the intake at the same moment
        answers = race(skill, app, clock, speaker, person.id, naproxen.id, secret)
        # THEN exactly one dose is recorded; the other edge is told it is already noted (never a second dose,
        # and never a false safety alert for a double dose)
        window = (clock() - timedelta(days=1), clock() + timedelta(days=1))
        doses = [d for d in store.list_doses(person.id, *window) if d.is_logged]
        assert len(doses) == 1, answers
        voice_recorded = answers["voice"].startswith("Thanks, I've noted")
        api_recorded = answers["api"].status_code == 201
        assert voice_recorded != api_recorded, answers
        if api_recorded:
            assert answers["voice"].startswith("I noted your Naproxen at")  # asks: another one since?
        else:
            assert answers["api"].status_code == 200 and answers["api"].json["applied"] is False
        assert store.list_events(person.id, *window) == []
        clock.set(clock() + timedelta(minutes=1))
