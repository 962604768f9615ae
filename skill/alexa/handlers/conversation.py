"""Stop, "say that again", and the pace of speech: the turns that are about the conversation itself."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model.response import Response

from skill.alexa.handlers.base import Handler
from skill.alexa.reply import LAST_KEY, catalog_of, pending_of, reply
from skill.alexa.turn import Turn, session, turn_of
from skill.domain.actors import Actor
from skill.domain.models import SpeechPreferences
from skill.usecases.recipients import change_recipient

SLOWER = {"medium": "slow", "slow": "x-slow", "x-slow": "x-slow"}


class StopHandler(Handler):
    intent = "AMAZON.StopIntent"
    needs_link = False

    def answer(self, handler_input: HandlerInput, turn: Turn) -> Response:
        return reply(handler_input, catalog_of(handler_input)("goodbye"), end=True)


class CancelHandler(StopHandler):
    intent = "AMAZON.CancelIntent"


class NavigateHomeHandler(StopHandler):
    intent = "AMAZON.NavigateHomeIntent"


class RepeatHandler(Handler):
    intent = "AMAZON.RepeatIntent"
    needs_link = False

    def answer(self, handler_input: HandlerInput, turn: Turn) -> Response:
        say = catalog_of(handler_input)
        last: Any = session(handler_input).get(LAST_KEY)
        if not isinstance(last, dict) or not last.get("text"):
            return reply(handler_input, f"{say('repeat.nothing')} {say('what_next')}", reprompt=say("what_next"))
        response = reply(handler_input, str(last["text"]), reprompt=last.get("reprompt"),
                         end=not last.get("reprompt"), question=pending_of(handler_input))
        turn_of(handler_input).said["repeat"] = "yes"
        return response


class SpeedHandler(Handler):
    """ "Slow down please" / "speak normally": the pace is the person's own setting, kept and audited."""

    def pace(self, current: str) -> str:
        raise NotImplementedError

    def answer(self, handler_input: HandlerInput, turn: Turn) -> Response:
        assert turn.voice is not None
        say = catalog_of(handler_input)
        rate = self.pace(turn.recipient.speech.rate)
        if rate == turn.recipient.speech.rate:
            key = "speech.slowest" if rate == "x-slow" else "speech.normal"
            return reply(handler_input, f"{say(key)} {say('what_next')}", reprompt=say("what_next"))
        updated = replace(turn.recipient, speech=SpeechPreferences(rate=rate, pause=turn.recipient.speech.pause))
        change_recipient(self.deps.store, Actor.person(updated.id), turn.now, updated)
        turn.voice = replace(turn.voice, view=replace(turn.voice.view, recipient=updated))
        key = "speech.normal" if rate == "medium" else "speech.slower"
        return reply(handler_input, f"{say(key)} {say('what_next')}", reprompt=say("what_next"))


class SlowerHandler(SpeedHandler):
    intent = "SlowerIntent"

    def pace(self, current: str) -> str:
        return SLOWER[current]


class NormalSpeedHandler(SpeedHandler):
    intent = "NormalSpeedIntent"

    def pace(self, current: str) -> str:
        return "medium"
