"""The device's time zone (Alexa Settings API), compared with the person's.

A difference is flagged for the carer to see; dose times are never moved silently, because "8 in the
morning" was set by someone who knew where the person lives.
"""

from __future__ import annotations

from ask_sdk_core.handler_input import HandlerInput

from skill.alexa.reminders import OUTSIDE_ERRORS
from skill.alexa.turn import Turn
from skill.observability import get_logger
from skill.store.voice import VoiceStore

logger = get_logger(__name__)


def device_time_zone(handler_input: HandlerInput, device_id: str) -> str | None:
    try:
        zone = handler_input.service_client_factory.get_ups_service().get_system_time_zone(device_id)
    except OUTSIDE_ERRORS as exc:
        logger.warning("device time zone unavailable", extra={"error": type(exc).__name__})
        return None
    return zone if isinstance(zone, str) and zone else None


def check_device_zone(handler_input: HandlerInput, store: VoiceStore, turn: Turn) -> str | None:
    """Store the mismatch flag when it changes (so a launch usually writes nothing); returns the device zone."""
    if turn.device_id is None or turn.voice is None:
        return None
    zone = device_time_zone(handler_input, turn.device_id)
    if zone is None:
        return None
    mismatch = zone if zone != turn.recipient.timezone else None
    if mismatch != turn.voice.state.device_timezone:
        store.set_device_timezone(turn.recipient.id, mismatch)
    return zone
