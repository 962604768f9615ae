"""Alexa account linking through DoseKeeper's OAuth server, as an alternative to the spoken 6-digit code.

A carer signs in once in the Alexa app and allows "the person's own assistant"; Alexa then sends the access
token in every request (`context.System.user.accessToken`), and the skill finds the person from it. Driven
through a real `dosekeeper serve` and its POST /alexa route with Alexa's own envelope.
"""

from __future__ import annotations

import json
import urllib.request
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from skill.voice_console.envelopes import Caller, envelope, launch_request, new_session_id
from tests.functional.mcp_world import World, build_world, now_utc, serving
from tests.functional.test_oauth_flow import tokens_for
from tests.support.serve_process import Served

SKILL_ID = "amzn1.ask.skill.11111111-2222-3333-4444-555555555555"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    return build_world(tmp_path_factory.mktemp("alexa-link") / "dosekeeper.db", now_utc())


@pytest.fixture(scope="module")
def served(world: World, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with serving(world, tmp_path_factory.mktemp("alexa-link-log") / "serve.log") as running:
        yield running


def launch(served: Served, access_token: str | None) -> str:
    """What a never-seen Alexa account hears on "Alexa, open Dose Keeper"."""
    caller = Caller(skill_id=SKILL_ID, user_id=f"amzn1.ask.account.{uuid.uuid4().hex}", locale="en-GB")
    body: dict[str, Any] = envelope(caller, new_session_id(), True, {}, launch_request(caller, now_utc()))
    if access_token is not None:
        body["context"]["System"]["user"]["accessToken"] = access_token
        body["session"]["user"]["accessToken"] = access_token
    request = urllib.request.Request(served.base_url + "/alexa", data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=20) as reply:
        return str(json.loads(reply.read())["response"]["outputSpeech"]["ssml"])


def test_an_account_linked_speaker_is_the_person_without_a_spoken_code(served: Served, world: World) -> None:
    # GIVEN Anne linked the skill as Edith's own assistant (signed in once, in the Alexa app)
    _, tokens = tokens_for(served, world.anne.email, f"person:{world.edith.id}", [])
    # WHEN a speaker nobody linked by code opens the skill with that token
    spoken = launch(served, tokens["access_token"])
    # THEN it is Edith's skill at once
    assert "Edith" in spoken


def test_without_a_usable_token_the_speaker_is_unlinked(served: Served, world: World) -> None:
    unlinked = launch(served, None)
    assert "Edith" not in unlinked
    # a carer's assistant token is not the person speaking, and a made-up token is nobody
    _, carer = tokens_for(served, world.anne.email, "carer", [world.edith.id])
    assert "Edith" not in launch(served, carer["access_token"])
    assert "Edith" not in launch(served, "dko_made-up")
