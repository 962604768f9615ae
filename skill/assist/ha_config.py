"""Home Assistant configuration as data: the REST call, the intent scripts, and the dose-time check-in.

Everything is a Home Assistant "package" (one YAML file a user includes), written for Home Assistant 2025.7
or later (`assist_satellite.ask_question`). Names the user must set are placeholders in capitals; the token
is a `!secret`, so it never sits in a file people share when asking for help.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import time
from typing import Any

from skill.assist.names import SPOKEN_INTENTS, assist_intent
from skill.voice_grammar.expand import expand, parse_rules
from skill.voice_grammar.grammar import Grammar

REST_COMMAND = "dosekeeper_assist"
SECRET_NAME = "dosekeeper_assist_authorization"  # noqa: S105 - the name of an HA secret, not one
SATELLITE_PLACEHOLDER = "assist_satellite.CHANGE_ME"
CHECK_IN_CONVERSATION = "check-in"
UNREACHABLE = "Sorry, I can't reach Dose Keeper just now."
MAX_ROUNDS = 3  # yes / I don't remember / is it still in the box: three answers end any check-in
ANSWERS_PER_CHOICE = 40  # the shortest sentences of each answer: ask_question compiles them on every call
# The check-in's answers, and the dialogue intent each one is.
CHOICES = {"yes": "AMAZON.YesIntent", "not_yet": "AMAZON.NoIntent", "dont_remember": "DontRememberIntent",
           "let_me_check": "LetMeCheckIntent"}
EXTRA_ANSWERS = {"yes": ("yes", "yes i have", "i have", "i did"), "not_yet": ("no", "not yet", "no not yet"),
                 "dont_remember": ("i don't remember", "i can't remember", "i'm not sure"),
                 "let_me_check": ("let me check",)}


class Secret(str):
    """A value written as `!secret name` in the YAML."""

    __slots__ = ()


def rest_command(base_url: str) -> dict[str, Any]:
    return {REST_COMMAND: {
        "url": base_url.rstrip("/") + "/assist",
        "method": "post",
        "headers": {"Authorization": Secret(SECRET_NAME)},
        "content_type": "application/json",
        "payload": '{{ {"intent": intent, "slots": slots | default({}), '
                   '"conversation_id": conversation_id | default("speaker")} | to_json }}',
        "timeout": 10,
    }}


def _call(intent: str, slots: Iterable[str], conversation: str | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {"intent": intent, "slots": {s: "{{ " + s + " | default('') }}" for s in slots}}
    if conversation is not None:
        data["conversation_id"] = conversation
    return {"action": f"rest_command.{REST_COMMAND}", "data": data, "response_variable": "dosekeeper",
            "continue_on_error": True}


def intent_scripts(grammar: Grammar) -> dict[str, Any]:
    """One intent script per DoseKeeper intent: send the slots, say DoseKeeper's answer."""
    speech = ("{{ action_response.content.speech if action_response is defined and action_response.status == 200 "
              f"else \"{UNREACHABLE}\" }}}}")
    scripts: dict[str, Any] = {}
    for name, intent in SPOKEN_INTENTS.items():
        scripts[name] = {
            "description": f"DoseKeeper: {intent.removeprefix('AMAZON.').removesuffix('Intent')}",
            "action": [_call(name, grammar.intent_slots.get(intent, ())),
                       {"stop": "", "response_variable": "dosekeeper"}],
            "speech": {"text": speech},
        }
    return scripts


def answer_sentences(grammar: Grammar, choice: str) -> list[str]:
    """Plain sentences (no rules, no lists) for one of ask_question's answers, from the same grammar."""
    rules = parse_rules(grammar.rules)
    intent = CHOICES[choice]
    said = [s for t in grammar.sentences.get(intent, ()) for s in expand(t, rules) if "{" not in s]
    shortest = sorted(dict.fromkeys(said), key=len)[:ANSWERS_PER_CHOICE]
    return list(dict.fromkeys([*EXTRA_ANSWERS[choice], *shortest]))


def check_in_automation(grammar: Grammar, at: time, index: int) -> dict[str, Any]:
    """At a dose time: ask DoseKeeper what is due; if something is, announce it and ask until answered."""
    answers = [{"id": choice, "sentences": answer_sentences(grammar, choice)} for choice in CHOICES]
    intent_of = "{{ " + repr({c: assist_intent(i) for c, i in CHOICES.items()}) + \
        ".get(answer.id, 'DoseKeeperFallback') if answer is defined and answer.id else 'DoseKeeperFallback' }}"
    post = {"action": f"rest_command.{REST_COMMAND}", "response_variable": "reply"}
    return {
        "id": f"dosekeeper_check_in_{index}",
        "alias": f"DoseKeeper check-in at {at:%H:%M}",
        "description": "Announces the medicines due now and asks whether they were taken (DoseKeeper).",
        "mode": "single",
        "triggers": [{"trigger": "time", "at": f"{at:%H:%M}:00"}],
        "actions": [
            {**post, "data": {"intent": assist_intent("WhatIsDueIntent"), "slots": {},
                              "conversation_id": CHECK_IN_CONVERSATION}},
            {"condition": "template",
             "value_template": "{{ reply.status == 200 and not reply.content.end }}"},
            {"variables": {"question": "{{ reply.content.reprompt or reply.content.speech }}"}},
            {"action": "assist_satellite.announce", "target": {"entity_id": SATELLITE_PLACEHOLDER},
             "data": {"message": "{{ reply.content.speech }}"}},
            {"repeat": {
                "sequence": [
                    {"action": "assist_satellite.ask_question", "response_variable": "answer",
                     "continue_on_error": True,
                     "data": {"entity_id": SATELLITE_PLACEHOLDER, "question": "{{ question }}",
                              "answers": answers}},
                    {**post, "data": {"intent": intent_of, "slots": {}, "conversation_id": CHECK_IN_CONVERSATION}},
                    {"variables": {"question": "{{ reply.content.speech }}"}},
                    {"if": [{"condition": "template", "value_template": "{{ reply.content.end }}"}],
                     "then": [{"action": "assist_satellite.announce", "target": {"entity_id": SATELLITE_PLACEHOLDER},
                               "data": {"message": "{{ reply.content.speech }}"}}]},
                ],
                "until": [{"condition": "template",
                           "value_template": f"{{{{ reply.status != 200 or reply.content.end "
                                             f"or repeat.index >= {MAX_ROUNDS} }}}}"}],
            }},
        ],
    }


def automations(grammar: Grammar, dose_times: Sequence[time]) -> list[dict[str, Any]]:
    return [check_in_automation(grammar, at, i) for i, at in enumerate(dose_times, start=1)]


def package(grammar: Grammar, base_url: str, dose_times: Sequence[time]) -> dict[str, Any]:
    return {"rest_command": rest_command(base_url), "intent_script": intent_scripts(grammar),
            "automation": automations(grammar, dose_times)}
