"""Every voice turn answers inside Alexa's time: a deadline around the turn, and a kind word when it runs out.

Alexa waits about 8 s and the Lambda function is stopped at 7 s; past that the person hears nothing, or
Alexa's own error, and cannot tell whether the tablet was noted. The turn therefore gets a budget (5 s, or
less when Lambda says it has less left) that every store call inside it respects (`skill.deadline`), and a
store that is slow, unreachable or locked ends the turn with "having trouble reaching your records". That is
never a lost or doubled dose: a turn's writes are one transaction, applied or not, and a dose log is
idempotent, so when the person tries again the answer comes from what was recorded ("you already took it").
"""

from __future__ import annotations

import sqlite3
from typing import Any

from ask_sdk_core.dispatch_components.exception_components import AbstractExceptionHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.skill import CustomSkill, SkillConfiguration
from ask_sdk_model.request_envelope import RequestEnvelope
from ask_sdk_model.response import Response
from ask_sdk_model.response_envelope import ResponseEnvelope
from botocore.exceptions import BotoCoreError, ClientError

from skill import deadline
from skill.alexa.serializer import AlexaSerializer
from skill.conversation.speech import ssml
from skill.observability import get_logger

logger = get_logger(__name__)

TURN_BUDGET_SECONDS = 5.0  # the store's share; a connect timeout overrun and the answer fit in the rest of 6 s
LAMBDA_MARGIN_SECONDS = 2.0  # kept back from Lambda's remaining time for serialising the answer and any overrun
MIN_BUDGET_SECONDS = 0.5
TROUBLE = "Sorry, I'm having trouble reaching your records just now. Please try again in a minute."
_UNAVAILABLE_CODES = frozenset({
    "ThrottlingException", "ProvisionedThroughputExceededException", "RequestLimitExceeded",
    "InternalServerError", "ServiceUnavailable", "TransactionInProgressException", "TransactionConflictException",
})


def turn_budget(context: Any, budget_seconds: float = TURN_BUDGET_SECONDS) -> float:
    """The turn's budget, cut to what Lambda has left (a cold start has already spent some of it)."""
    remaining_ms = getattr(context, "get_remaining_time_in_millis", None)
    if remaining_ms is None:
        return budget_seconds
    left = float(remaining_ms()) / 1000 - LAMBDA_MARGIN_SECONDS
    return max(min(budget_seconds, left), MIN_BUDGET_SECONDS)


class TurnDeadlineSkill(CustomSkill):
    """The skill, with each invocation inside its deadline (Lambda, `dosekeeper serve` and tests alike)."""

    def __init__(self, skill_configuration: SkillConfiguration, budget_seconds: float = TURN_BUDGET_SECONDS) -> None:
        super().__init__(skill_configuration=skill_configuration)
        self.serializer = AlexaSerializer()  # what the service clients read Alexa's APIs' answers with
        self.budget_seconds = budget_seconds

    def invoke(self, request_envelope: RequestEnvelope, context: Any) -> ResponseEnvelope:
        with deadline.within(turn_budget(context, self.budget_seconds)):
            return super().invoke(request_envelope=request_envelope, context=context)


def store_unreachable(exception: Exception) -> bool:
    """Trouble reaching the records rather than a bug: out of time, a timeout, a lock, a full disk, throttling."""
    if isinstance(exception, deadline.DeadlineExceeded | BotoCoreError):
        return True
    if isinstance(exception, sqlite3.OperationalError):  # locked, disk full, read-only file, I/O error
        return True
    if isinstance(exception, ClientError):
        return exception.response.get("Error", {}).get("Code") in _UNAVAILABLE_CODES
    return False


class StoreTroubleHandler(AbstractExceptionHandler):
    """Says the records cannot be reached right now, so the person knows to try again (and nothing is lost)."""

    def can_handle(self, handler_input: HandlerInput, exception: Exception) -> bool:
        return store_unreachable(exception)

    def handle(self, handler_input: HandlerInput, exception: Exception) -> Response:
        # The type and how much time was left only: messages can carry medicine names.
        logger.warning("voice turn could not reach the store",
                       extra={"error": type(exception).__name__, "seconds_left": deadline.remaining()})
        builder = handler_input.response_builder
        builder.speak(ssml(TROUBLE, "medium")).set_should_end_session(True)
        response: Response = builder.response
        return response
