"""Help, stop, fallback, "say that again", "slower please", and yes/no to the question just asked."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model.response import Response

from skill.alexa.handlers.base import CODE_REPROMPT, WHAT_NEXT, Handler
from skill.alexa.handlers.check import check_medication, listing, pills_left
from skill.alexa.handlers.log_dose import log_doses, log_medication
from skill.alexa.handlers.skip_snooze import skip_medication
from skill.alexa.reply import LAST_KEY, pending_of, reply
from skill.alexa.speech import join
from skill.alexa.turn import Deps, Turn, session, turn_of
from skill.domain.models import Medication, SpeechPreferences

Action = Callable[[HandlerInput, Deps, Turn, Medication, "int | None"], Response]
ACTIONS: dict[str, Action] = {
    "log": log_medication,
    "check": check_medication,
    "skip": skip_medication,
    "pills": pills_left,
}
HELP_LINKED = ("You can tell me when you've taken a medicine, for example: I took my Metformin. You can ask: "
               "did I take my pills today, what's my next dose, or how many pills do I have left. "
               "If I speak too fast, say: slower please. " + WHAT_NEXT)
HELP_UNLINKED = ("Dose Keeper reminds you about your medicines and keeps a record. First, I need the six-digit "
                 "code from the person who set up your medicines. Say: my code is, followed by the numbers.")
SLOWER = {"medium": "slow", "slow": "x-slow", "x-slow": "x-slow"}


class HelpHandler(Handler):
    intent = "AMAZON.HelpIntent"
    unlinked_text = HELP_UNLINKED

    def answer(self, handler_input: HandlerInput, turn: Turn) -> Response:
        return reply(handler_input, HELP_LINKED, reprompt=WHAT_NEXT)


class StopHandler(Handler):
    intent = "AMAZON.StopIntent"
    needs_link = False

    def answer(self, handler_input: HandlerInput, turn: Turn) -> Response:
        return reply(handler_input, "Goodbye. Take care.", end=True)


class CancelHandler(StopHandler):
    intent = "AMAZON.CancelIntent"


class NavigateHomeHandler(StopHandler):
    intent = "AMAZON.NavigateHomeIntent"


class FallbackHandler(Handler):
    intent = "AMAZON.FallbackIntent"
    unlinked_text = "Sorry, I didn't catch that. " + CODE_REPROMPT

    def answer(self, handler_input: HandlerInput, turn: Turn) -> Response:
        return reply(handler_input, "Sorry, I didn't catch that. You can say: I took my pills, or: what's my "
                     "next dose.", reprompt=WHAT_NEXT, pending=pending_of(handler_input))


class RepeatHandler(Handler):
    intent = "AMAZON.RepeatIntent"
    needs_link = False

    def answer(self, handler_input: HandlerInput, turn: Turn) -> Response:
        last: Any = session(handler_input).get(LAST_KEY)
        if not isinstance(last, dict) or not last.get("text"):
            return reply(handler_input, "I haven't said anything yet. " + WHAT_NEXT, reprompt=WHAT_NEXT)
        response = reply(handler_input, str(last["text"]), reprompt=last.get("reprompt"),
                         end=not last.get("reprompt"), pending=pending_of(handler_input))
        turn_of(handler_input).said["repeat"] = "yes"
        return response


class SlowerHandler(Handler):
    intent = "SlowerIntent"

    def answer(self, handler_input: HandlerInput, turn: Turn) -> Response:
        assert turn.voice is not None
        slower = replace(turn.recipient, speech=SpeechPreferences(rate=SLOWER[turn.recipient.speech.rate]))
        self.deps.store.put_recipient(slower)
        turn.voice = replace(turn.voice, view=replace(turn.voice.view, recipient=slower))
        return reply(handler_input, "All right, I'll speak more slowly from now on. " + WHAT_NEXT,
                     reprompt=WHAT_NEXT)


class YesHandler(Handler):
    intent = "AMAZON.YesIntent"

    def answer(self, handler_input: HandlerInput, turn: Turn) -> Response:
        pending = pending_of(handler_input) or {}
        kind = pending.get("kind")
        if kind == "taken":
            return log_doses(handler_input, self.deps, turn, [str(i) for i in pending.get("ids", [])])
        if kind == "which":
            ids = [str(i) for i in pending.get("ids", [])]
            med = next((m for m in turn.medications if ids and m.id == ids[0]), None)
            action = ACTIONS.get(str(pending.get("action")))
            if med is not None and action is not None:
                count = pending.get("count")
                return action(handler_input, self.deps, turn, med, int(count) if count else None)
        if kind == "more":
            items = [str(i) for i in pending.get("items", [])]
            return listing(handler_input, "Also", items, str(pending.get("outro") or ""))
        return reply(handler_input, WHAT_NEXT, reprompt=WHAT_NEXT)


class NoHandler(Handler):
    intent = "AMAZON.NoIntent"

    def answer(self, handler_input: HandlerInput, turn: Turn) -> Response:
        pending = pending_of(handler_input) or {}
        kind = pending.get("kind")
        if kind == "taken":
            return reply(handler_input, "All right. Please take it when you can, and tell me when you have.",
                         end=True)
        if kind == "which":
            ids = [str(i) for i in pending.get("ids", [])][1:]
            med = next((m for m in turn.medications if ids and m.id == ids[0]), None)
            if med is not None:
                return reply(handler_input, f"Did you mean {med.name}?", reprompt=f"Did you mean {med.name}?",
                             pending={**pending, "ids": ids})
            names = join([m.name for m in turn.medications])
            return reply(handler_input, f"Sorry about that. You take {names}. Please tell me again, using "
                         "the medicine's name.", reprompt=WHAT_NEXT)
        if kind == "more":
            return reply(handler_input, "OK. " + WHAT_NEXT, reprompt=WHAT_NEXT)
        return reply(handler_input, "OK. Goodbye.", end=True)

