"""The exported Home Assistant configuration, checked against Home Assistant's own schemas.

The `homeassistant` package cannot be imported here: the newest release for Python 3.11 is 2024.3, which
predates `assist_satellite` (2024.10) and `ask_question` (2025.7). So the rules below are transcribed from
Home Assistant 2026.2.3's source (intent_script/__init__.py CONFIG_SCHEMA, rest_command/__init__.py
COMMAND_SCHEMA, assist_satellite/__init__.py service schemas), and the answer sentences are checked with the
same hassil punctuation patterns `ask_question` uses.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from hassil import Intents, recognize
from hassil.util import PUNCTUATION_END, PUNCTUATION_END_WORD, PUNCTUATION_START, PUNCTUATION_START_WORD

from skill.assist.ha_config import REST_COMMAND, SATELLITE_PLACEHOLDER, SECRET_NAME
from tests.functional.test_assist_support import generic
from tests.voice_corpus.scoring import LOCALES

INTENT_SCRIPT_KEYS = {"description", "platforms", "action", "async_action", "mode", "card", "speech", "reprompt"}
REST_COMMAND_KEYS = {"url", "method", "headers", "authentication", "username", "password", "payload", "timeout",
                     "content_type", "verify_ssl", "insecure_cipher", "skip_url_encoding"}
ANNOUNCE_KEYS = {"message", "media_id", "preannounce", "preannounce_media_id"}
ASK_QUESTION_KEYS = {"entity_id", "question", "question_media_id", "preannounce", "preannounce_media_id", "answers"}


def actions(sequence: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every action in a sequence, including those inside repeat and if blocks."""
    found = []
    for step in sequence:
        found.append(step)
        if "repeat" in step:
            found.extend(actions(step["repeat"]["sequence"]))
        if "then" in step:
            found.extend(actions(step["then"]))
    return found


@pytest.mark.parametrize("locale", LOCALES)
def test_intent_scripts_follow_home_assistants_schema_and_cover_every_sentence_intent(locale: str) -> None:
    ha = generic(locale)
    scripts = ha.package["intent_script"]
    assert set(scripts) == set(ha.sentences["intents"])
    for name, script in scripts.items():
        assert set(script) <= INTENT_SCRIPT_KEYS, name
        assert isinstance(script["speech"]["text"], str) and "action_response" in script["speech"]["text"]
        call, stop = script["action"]
        assert call["action"] == f"rest_command.{REST_COMMAND}" and call["data"]["intent"] == name
        assert stop == {"stop": "", "response_variable": call["response_variable"]}
        # every slot the script sends is one the sentences can fill
        assert set(call["data"]["slots"]) <= {k.removeprefix("dosekeeper_") for k in ha.sentences["lists"]}


@pytest.mark.parametrize("locale", LOCALES)
def test_the_rest_command_keeps_its_token_in_secrets(locale: str) -> None:
    command = generic(locale).package["rest_command"][REST_COMMAND]
    assert set(command) <= REST_COMMAND_KEYS
    assert command["method"] in {"get", "patch", "post", "put", "delete"}
    assert command["headers"] == {"Authorization": f"<secret {SECRET_NAME}>"}
    assert isinstance(command["timeout"], int) and command["url"].endswith("/assist")


@pytest.mark.parametrize("locale", LOCALES)
def test_the_check_in_calls_the_satellite_services_with_their_fields(locale: str) -> None:
    [automation] = generic(locale).package["automation"]
    assert automation["triggers"] == [{"trigger": "time", "at": "08:00:00"}]
    steps = actions(automation["actions"])
    announces = [s for s in steps if s.get("action") == "assist_satellite.announce"]
    asks = [s for s in steps if s.get("action") == "assist_satellite.ask_question"]
    assert announces and asks
    for step in announces:
        assert set(step["data"]) <= ANNOUNCE_KEYS and step["target"] == {"entity_id": SATELLITE_PLACEHOLDER}
    for step in asks:
        data = step["data"]
        assert set(data) <= ASK_QUESTION_KEYS and data["entity_id"] == SATELLITE_PLACEHOLDER
        assert data.get("question")  # has_at_least_one_key("question", "question_media_id")
        for answer in data["answers"]:
            assert set(answer) == {"id", "sentences"} and answer["sentences"]
            for sentence in answer["sentences"]:
                assert sentence and not any(p.search(sentence) for p in (
                    PUNCTUATION_START, PUNCTUATION_END, PUNCTUATION_START_WORD, PUNCTUATION_END_WORD)), sentence


@pytest.mark.parametrize(("said", "choice"), [("yes", "yes"), ("yes i have", "yes"), ("not yet", "not_yet"),
                                              ("no", "not_yet"), ("i don't remember", "dont_remember"),
                                              ("i can't remember", "dont_remember"), ("let me check", "let_me_check")])
def test_the_check_in_answers_are_told_apart(said: str, choice: str) -> None:
    # ask_question matches the reply with hassil over one intent per answer, as here
    [automation] = generic("en-GB").package["automation"]
    ask = next(s for s in actions(automation["actions"]) if s.get("action") == "assist_satellite.ask_question")
    intents = Intents.from_dict({"language": "en", "intents": {
        a["id"]: {"data": [{"sentences": a["sentences"]}]} for a in ask["data"]["answers"]}})
    result = recognize(said, intents)
    assert result is not None and result.intent.name == choice


def test_placeholders_and_steps_are_in_the_readme() -> None:
    readme = generic("en-GB").files["README.txt"]
    assert SATELLITE_PLACEHOLDER in readme and SECRET_NAME in readme and "custom_sentences/en/" in readme
    assert re.search(r"2025\.7", readme)
