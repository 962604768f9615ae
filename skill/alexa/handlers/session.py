"""The end of a session, and messages that arrive out of session (reminders to bring up to date)."""

from __future__ import annotations

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model.response import Response

from skill.alexa.handlers.base import Handler
from skill.alexa.handlers.launch import sync_reminders
from skill.alexa.turn import Turn
from skill.observability import get_logger

logger = get_logger(__name__)


class SessionEndedHandler(Handler):
    request_type = "SessionEndedRequest"
    needs_link = False

    def answer(self, handler_input: HandlerInput, turn: Turn) -> Response:
        reason = getattr(getattr(handler_input.request_envelope.request, "reason", None), "value", None)
        logger.info("session ended", extra={"reason": reason})
        response: Response = handler_input.response_builder.response
        return response


class MessageReceivedHandler(Handler):
    """Sent through the Skill Messaging API after a carer changes a schedule: update or delete reminders.

    Out of session reminders can be updated and deleted but not created; new ones wait for the next launch.
    """

    request_type = "Messaging.MessageReceived"
    needs_link = False

    def answer(self, handler_input: HandlerInput, turn: Turn) -> Response:
        message = getattr(handler_input.request_envelope.request, "message", None) or {}
        if turn.linked and message.get("recipient_id") == turn.recipient.id:
            sync_reminders(handler_input, self.deps, turn, can_create=False)
        response: Response = handler_input.response_builder.response
        return response
