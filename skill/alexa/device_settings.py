"""The device's time zone (Alexa Settings API), compared with the person's.

A difference is flagged for the carer to see; dose times are never moved silently, because "8 in the
morning" was set by someone who knew where the person lives.
"""

from __future__ import annotations

from datetime import timedelta

from ask_sdk_core.handler_input import HandlerInput

from skill.alexa.reminders import OUTSIDE_ERRORS
from skill.alexa.turn import Turn
from skill.observability import get_logger
from skill.store.voice import VoiceStore

logger = get_logger(__name__)

RECHECK_AFTER = timedelta(days=1)


def device_time_zone(handler_input: HandlerInput, device_id: str) -> str | None:
    try:
        zone = handler_input.service_client_factory.get_ups_service().get_system_time_zone(device_id)
    except OUTSIDE_ERRORS as exc:
        logger.warning("device time zone unavailable", extra={"error": type(exc).__name__})
        return None
    return zone if isinstance(zone, str) and zone else None


def check_device_zone(handler_input: HandlerInput, store: VoiceStore, turn: Turn) -> str | None:
    """Ask the device's zone at most once a day per person, storing the mismatch flag with the time asked.

    The Settings API is an outside call on the launch's path (tens of milliseconds, sometimes far more),
    and a speaker rarely moves house: between checks the stored answer stands. Returns the zone asked, or
    None when not asked (checked recently, or the API failed)."""
    if turn.device_id is None or turn.voice is None:
        return None
    state = turn.voice.state
    if state.device_zone_checked_at is not None and turn.now - state.device_zone_checked_at < RECHECK_AFTER:
        return None
    zone = device_time_zone(handler_input, turn.device_id)
    if zone is None:
        return None  # asked again next launch
    mismatch = zone if zone != turn.recipient.timezone else None
    store.set_device_timezone(turn.recipient.id, mismatch, turn.now)
    return zone
