""" "Remind me in 15 minutes" (or just "remind me later"): a one-off reminder through Alexa's Reminders API."""

from __future__ import annotations

from datetime import timedelta

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model.response import Response
from ask_sdk_model.ui.ask_for_permissions_consent_card import AskForPermissionsConsentCard

from skill.alexa.handlers.base import Handler, slot_text
from skill.alexa.reminders import reminders_of
from skill.alexa.reply import catalog_of, elicit_slot, reply
from skill.alexa.turn import REMINDERS_SCOPE, Turn, reminders_granted
from skill.conversation.dialogue import duration_seconds
from skill.conversation.speech import minutes_words

DEFAULT_SNOOZE_SECONDS = 15 * 60  # "remind me later" names no time: a short wait, and the answer says how long
SHORTEST_SNOOZE, LONGEST_SNOOZE = 60, 24 * 3600


class SnoozeHandler(Handler):
    intent = "SnoozeIntent"

    def answer(self, handler_input: HandlerInput, turn: Turn) -> Response:
        say = catalog_of(handler_input)
        heard = slot_text(handler_input, "duration")
        seconds = DEFAULT_SNOOZE_SECONDS if heard is None else duration_seconds(heard)
        if seconds is None or not SHORTEST_SNOOZE <= seconds <= LONGEST_SNOOZE:
            elicit_slot(handler_input, "duration")  # the answer, a bare "ten minutes", comes back here
            return reply(handler_input, say("snooze.range"), reprompt=say("snooze.how_long"))
        if not reminders_granted(handler_input) or handler_input.service_client_factory is None:
            return reply(handler_input, say("snooze.need_permission"), end=True,
                         card=AskForPermissionsConsentCard(permissions=[REMINDERS_SCOPE]))
        reminders = reminders_of(handler_input, self.deps.store, turn)
        if reminders is None or not reminders.snooze(seconds):
            return reply(handler_input, say("snooze.failed"), end=True)
        return reply(handler_input, say("snooze.set", wait=minutes_words(timedelta(seconds=seconds))), end=True)
