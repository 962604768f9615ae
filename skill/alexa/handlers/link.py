""" "My code is 482913": tie this Alexa user (or voice profile) to the person a carer added."""

from __future__ import annotations

import re

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model.response import Response

from skill.alexa.handlers.base import CODE_REPROMPT, Handler, slot_text
from skill.alexa.handlers.launch import greet
from skill.alexa.interceptors import remember_link
from skill.alexa.reply import reply
from skill.alexa.turn import Turn
from skill.domain.voice import AlexaLink

LOCKED = ("Too many codes didn't work, so I've paused linking for an hour to keep your records safe. "
          "Please try again later.")
WRONG = ("Sorry, that code didn't work. Please check the six numbers with the person who set up your "
         "medicines, then say: my code is, followed by the numbers.")
SIX_DIGITS = "Codes have six numbers. Please say: my code is, followed by all six numbers."


class LinkAccountHandler(Handler):
    intent = "LinkAccountIntent"
    needs_link = False

    def answer(self, handler_input: HandlerInput, turn: Turn) -> Response:
        store = self.deps.store
        if store.link_attempts(turn.alexa_id, turn.now).locked(turn.now):
            return reply(handler_input, LOCKED, end=True)
        code = re.sub(r"\D", "", slot_text(handler_input, "code") or "")
        if len(code) != 6:
            return reply(handler_input, SIX_DIGITS, reprompt=CODE_REPROMPT)
        claimed = store.claim_link_code(code, turn.now)
        if claimed is None:
            attempts = store.record_link_failure(turn.alexa_id, turn.now)
            if attempts.locked(turn.now):
                return reply(handler_input, LOCKED, end=True)
            return reply(handler_input, WRONG, reprompt=CODE_REPROMPT)
        store.put_alexa_link(AlexaLink(turn.alexa_id, claimed.recipient_id, turn.now))
        store.clear_link_failures(turn.alexa_id)
        remember_link(handler_input, turn.alexa_id, claimed.recipient_id)
        turn.recipient_id = claimed.recipient_id
        turn.voice = store.load_voice_view(claimed.recipient_id, turn.view_since())
        if turn.voice is None:
            return reply(handler_input, WRONG, reprompt=CODE_REPROMPT)
        return greet(handler_input, self.deps, turn,
                     f"Thank you, {turn.recipient.display_name}. You're all set.")
