"""Quietening today's follow-up reminder once the doses it would ask about are logged (best effort)."""

from __future__ import annotations

from collections.abc import Sequence

from ask_sdk_core.handler_input import HandlerInput

from skill.alexa.reminders import reminders_of, wanted_reminders
from skill.alexa.turn import Turn, reminders_granted
from skill.domain.models import Dose
from skill.store.voice import VoiceStore


def quiet_followups(handler_input: HandlerInput, store: VoiceStore, turn: Turn, doses: Sequence[Dose]) -> None:
    """One follow-up serves a whole dose time: it is moved only once every medicine of that time is logged."""
    if turn.voice is None or not reminders_granted(handler_input) or not turn.voice.state.reminders:
        return
    reminders = reminders_of(handler_input, store, turn)
    if reminders is None:
        return
    state = turn.voice.state
    wanted = wanted_reminders(turn.medications, state.followup_minutes, turn.speech_locale)
    reminders.quiet_followups(wanted, state.reminders, turn.doses_today(), doses)
