""" "I'm skipping my aspirin today" and "remind me in 15 minutes"."""

from __future__ import annotations

import re
from datetime import timedelta

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model.response import Response
from ask_sdk_model.ui.ask_for_permissions_consent_card import AskForPermissionsConsentCard

from skill.alexa.handlers.base import Handler, resolve_medication, slot_text, which_medicine
from skill.alexa.handlers.log_dose import log_medication
from skill.alexa.reminders import Reminders
from skill.alexa.reply import reply
from skill.alexa.speech import minutes_words
from skill.alexa.turn import REMINDERS_SCOPE, Deps, Turn, reminders_granted
from skill.domain.models import Medication

DEFAULT_SNOOZE_SECONDS = 10 * 60
_DURATION = re.compile(r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$")


def duration_seconds(text: str | None) -> int | None:
    """ISO 8601 durations as AMAZON.DURATION gives them ("PT15M", "PT1H30M"); None if unreadable."""
    found = _DURATION.match(text or "")
    if not found or not any(found.groups()):
        return None
    days, hours, minutes, seconds = (int(g) if g else 0 for g in found.groups())
    return ((days * 24 + hours) * 60 + minutes) * 60 + seconds


def skip_medication(handler_input: HandlerInput, deps: Deps, turn: Turn, medication: Medication,
                    count: int | None = None) -> Response:
    return log_medication(handler_input, deps, turn, medication, skip=True)


class SkipDoseHandler(Handler):
    intent = "SkipDoseIntent"

    def answer(self, handler_input: HandlerInput, turn: Turn) -> Response:
        resolution = resolve_medication(handler_input, turn)
        if resolution.medication is None:
            return which_medicine(handler_input, turn, resolution, "skip")
        return skip_medication(handler_input, self.deps, turn, resolution.medication)


class SnoozeHandler(Handler):
    intent = "SnoozeIntent"

    def answer(self, handler_input: HandlerInput, turn: Turn) -> Response:
        seconds = duration_seconds(slot_text(handler_input, "duration")) or DEFAULT_SNOOZE_SECONDS
        if not 60 <= seconds <= 24 * 3600:
            return reply(handler_input, "I can remind you in anything from one minute to one day. "
                         "How long should I wait?", reprompt="How long should I wait?")
        if not reminders_granted(handler_input) or handler_input.service_client_factory is None:
            return reply(handler_input, "To remind you, I need your permission to set reminders. "
                         "I've sent a card to your Alexa app where you can allow it.", end=True,
                         card=AskForPermissionsConsentCard(permissions=[REMINDERS_SCOPE]))
        try:
            client = handler_input.service_client_factory.get_reminder_management_service()
        except Exception:
            client = None
        done = client is not None and Reminders(client, self.deps.store, turn.recipient, turn.speech_locale,
                                                turn.now).snooze(seconds)
        if not done:
            return reply(handler_input, "Sorry, I couldn't set that reminder just now. Please try again in a "
                         "moment.", end=True)
        return reply(handler_input, f"OK, I'll remind you in {minutes_words(timedelta(seconds=seconds))}.",
                     end=True)
