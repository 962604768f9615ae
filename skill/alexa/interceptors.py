"""Around every turn: load the linked person once, remember the last answer, log without health data."""

from __future__ import annotations

import logging
from typing import Any

from ask_sdk_core.dispatch_components.request_components import AbstractRequestInterceptor, AbstractResponseInterceptor
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model.response import Response

from skill.alexa.reply import LAST_KEY
from skill.alexa.turn import TURN_KEY, Deps, Turn, session

logger = logging.getLogger("dosekeeper.alexa")
LINK_KEY = "link"


def request_kind(handler_input: HandlerInput) -> str:
    """Request type and intent name only: never slot values, which can be medicine names."""
    request = handler_input.request_envelope.request
    kind = str(getattr(request, "object_type", "unknown"))
    intent = getattr(getattr(request, "intent", None), "name", None)
    return f"{kind}:{intent}" if intent else kind


class LoadTurn(AbstractRequestInterceptor):
    """Who is speaking and their day, read once: the link from the session (or one read on its first turn),
    then the person's profile, medicines, doses and voice state in one more."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    def process(self, handler_input: HandlerInput) -> None:
        envelope: Any = handler_input.request_envelope
        system = envelope.context.system
        person = getattr(system, "person", None)
        turn = Turn(
            now=self.deps.clock(),
            locale=str(getattr(envelope.request, "locale", None) or "en-GB"),
            user_id=str(system.user.user_id),
            person_id=getattr(person, "person_id", None),
            device_id=getattr(getattr(system, "device", None), "device_id", None),
        )
        handler_input.attributes_manager.request_attributes[TURN_KEY] = turn
        turn.recipient_id = self._linked_recipient(handler_input, turn)
        if turn.recipient_id is not None:
            turn.voice = self.deps.store.load_voice_view(turn.recipient_id, turn.view_since())
            if turn.voice is None:  # the person was removed: forget the stale link
                session(handler_input).pop(LINK_KEY, None)
                turn.recipient_id = None
        logger.info("alexa turn", extra={"request": request_kind(handler_input), "linked": turn.linked})

    def _linked_recipient(self, handler_input: HandlerInput, turn: Turn) -> str | None:
        cached: Any = session(handler_input).get(LINK_KEY)
        if isinstance(cached, dict) and cached.get("alexa_id") == turn.alexa_id:
            rid = cached.get("recipient_id")
            return str(rid) if rid else None
        link = self.deps.store.get_alexa_link(turn.alexa_id)
        if handler_input.request_envelope.session is not None:
            remember_link(handler_input, turn.alexa_id, link.recipient_id if link else None)
        return link.recipient_id if link else None


def remember_link(handler_input: HandlerInput, alexa_id: str, recipient_id: str | None) -> None:
    session(handler_input)[LINK_KEY] = {"alexa_id": alexa_id, "recipient_id": recipient_id}


class RememberAnswer(AbstractResponseInterceptor):
    """Keeps the last thing said in the session, for "say that again" (not on a repeat itself)."""

    def process(self, handler_input: HandlerInput, response: Response | None) -> None:
        turn = handler_input.attributes_manager.request_attributes.get(TURN_KEY)
        if not isinstance(turn, Turn) or not turn.said or handler_input.request_envelope.session is None:
            return
        if turn.said.get("repeat"):
            return
        session(handler_input)[LAST_KEY] = dict(turn.said)


class StartApiBudget(AbstractRequestInterceptor):
    """Gives this turn's outside calls (Reminders, Settings) one shared time budget."""

    def __init__(self, api_client: Any, budget_seconds: float) -> None:
        self.api_client = api_client
        self.budget_seconds = budget_seconds

    def process(self, handler_input: HandlerInput) -> None:
        start = getattr(self.api_client, "start_turn", None)
        if start is not None:
            start(self.budget_seconds)
