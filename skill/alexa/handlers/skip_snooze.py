""" "I'm skipping my aspirin today" and "remind me in 15 minutes" (or just "remind me later")."""

from __future__ import annotations

import re
from datetime import timedelta

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model.response import Response
from ask_sdk_model.ui.ask_for_permissions_consent_card import AskForPermissionsConsentCard

from skill.alexa.handlers.base import Handler, elicit_slot, slot_text
from skill.alexa.handlers.log_dose import log_medication
from skill.alexa.handlers.medicine import MedicineHandler
from skill.alexa.reminders import reminders_of
from skill.alexa.reply import reply
from skill.alexa.speech import minutes_words
from skill.alexa.turn import REMINDERS_SCOPE, Deps, Turn, reminders_granted
from skill.domain.models import Medication

DEFAULT_SNOOZE_SECONDS = 15 * 60  # "remind me later" names no time: a short wait, and the answer says how long
SHORTEST_SNOOZE, LONGEST_SNOOZE = 60, 24 * 3600
HOW_LONG = "How long should I wait?"
_DURATION = re.compile(r"^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$")


def duration_seconds(text: str | None) -> int | None:
    """ISO 8601 durations as AMAZON.DURATION gives them ("PT15M", "PT1H30M", "P1W"); None if unreadable."""
    found = _DURATION.match(text or "")
    if not found or not any(found.groups()):
        return None
    weeks, days, hours, minutes, seconds = (int(g) if g else 0 for g in found.groups())
    return (((weeks * 7 + days) * 24 + hours) * 60 + minutes) * 60 + seconds


def skip_medication(handler_input: HandlerInput, deps: Deps, turn: Turn, medication: Medication,
                    count: int | None = None) -> Response:
    return log_medication(handler_input, deps, turn, medication, skip=True)


class SkipDoseHandler(MedicineHandler):
    intent = "SkipDoseIntent"
    action = "skip"

    def for_medicine(self, handler_input: HandlerInput, turn: Turn, medication: Medication,
                     count: int | None) -> Response:
        return skip_medication(handler_input, self.deps, turn, medication)


class SnoozeHandler(Handler):
    intent = "SnoozeIntent"

    def answer(self, handler_input: HandlerInput, turn: Turn) -> Response:
        heard = slot_text(handler_input, "duration")
        seconds = DEFAULT_SNOOZE_SECONDS if heard is None else duration_seconds(heard)
        if seconds is None or not SHORTEST_SNOOZE <= seconds <= LONGEST_SNOOZE:
            elicit_slot(handler_input, "duration")  # the answer, a bare "ten minutes", comes back here
            return reply(handler_input, f"I can remind you in anything from one minute to one day. {HOW_LONG}",
                         reprompt=HOW_LONG)
        if not reminders_granted(handler_input) or handler_input.service_client_factory is None:
            return reply(handler_input, "To remind you, I need your permission to set reminders. "
                         "I've sent a card to your Alexa app where you can allow it.", end=True,
                         card=AskForPermissionsConsentCard(permissions=[REMINDERS_SCOPE]))
        reminders = reminders_of(handler_input, self.deps.store, turn)
        if reminders is None or not reminders.snooze(seconds):
            return reply(handler_input, "Sorry, I couldn't set that reminder just now. Please try again in a "
                         "moment.", end=True)
        return reply(handler_input, f"OK, I'll remind you in {minutes_words(timedelta(seconds=seconds))}.",
                     end=True)
