"""The one kind exception handler: whatever broke, the person hears a gentle sentence, never silence."""

from __future__ import annotations

from ask_sdk_core.dispatch_components.exception_components import AbstractExceptionHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model.response import Response

from skill.conversation.catalog import Catalog
from skill.conversation.speech import ssml
from skill.observability import get_logger

logger = get_logger(__name__)


class KindErrorHandler(AbstractExceptionHandler):
    def can_handle(self, handler_input: HandlerInput, exception: Exception) -> bool:
        return True

    def handle(self, handler_input: HandlerInput, exception: Exception) -> Response:
        # The type only: messages and tracebacks can carry medicine names.
        logger.error("voice turn failed", extra={"error": type(exception).__name__})
        say = Catalog(getattr(handler_input.request_envelope.request, "locale", None) or "en-GB")
        builder = handler_input.response_builder
        builder.speak(ssml(say("error.sorry"), "medium")).ask(ssml(say("what_next"), "medium"))
        response: Response = builder.response
        return response
