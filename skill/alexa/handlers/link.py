""" "My code is 482913": tie this Alexa user (or voice profile) to the person a carer added."""

from __future__ import annotations

import re

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model.response import Response

from skill.alexa.handlers.base import Handler, slot_text
from skill.alexa.handlers.launch import greet
from skill.alexa.interceptors import remember_link
from skill.alexa.reply import catalog_of, reply
from skill.alexa.turn import Turn
from skill.domain.voice import AlexaLink


class LinkAccountHandler(Handler):
    intent = "LinkAccountIntent"
    needs_link = False

    def answer(self, handler_input: HandlerInput, turn: Turn) -> Response:
        store, say = self.deps.store, catalog_of(handler_input)
        if store.link_attempts(turn.alexa_id, turn.now).locked(turn.now):
            return reply(handler_input, say("link.locked"), end=True)
        code = re.sub(r"\D", "", slot_text(handler_input, "code") or "")
        if len(code) != 6:
            return reply(handler_input, say("link.six_digits"), reprompt=say("link.code_reprompt"))
        claimed = store.claim_link_code(code, turn.now)
        if claimed is None:
            attempts = store.record_link_failure(turn.alexa_id, turn.now)
            if attempts.locked(turn.now):
                return reply(handler_input, say("link.locked"), end=True)
            return reply(handler_input, say("link.wrong"), reprompt=say("link.code_reprompt"))
        store.put_alexa_link(AlexaLink(turn.alexa_id, claimed.recipient_id, turn.now))
        store.clear_link_failures(turn.alexa_id)
        remember_link(handler_input, turn.alexa_id, claimed.recipient_id)
        turn.recipient_id = claimed.recipient_id
        turn.voice = store.load_voice_view(claimed.recipient_id, turn.view_since())
        if turn.voice is None:
            return reply(handler_input, say("link.wrong"), reprompt=say("link.code_reprompt"))
        return greet(handler_input, self.deps, turn, say("greet.linked", name=turn.recipient.display_name))
