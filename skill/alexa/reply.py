"""Building an answer: SSML at the person's speech rate, remembered for "say that again"."""

from __future__ import annotations

from typing import Any

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model.response import Response

from skill.alexa.speech import ssml
from skill.alexa.turn import session, turn_of

LAST_KEY = "last"
PENDING_KEY = "pending"


def rate_of(handler_input: HandlerInput) -> str:
    turn = turn_of(handler_input)
    return turn.recipient.speech.rate if turn.linked else "medium"


def reply(handler_input: HandlerInput, text: str, *, reprompt: str | None = None, end: bool = False,
          pending: dict[str, Any] | None = None, card: Any = None) -> Response:
    """Speak `text`; with `reprompt` the microphone stays open. `pending` is the question just asked."""
    rate = rate_of(handler_input)
    builder = handler_input.response_builder
    builder.speak(ssml(text, rate))
    attributes = session(handler_input)
    if pending is not None:
        attributes[PENDING_KEY] = pending
    else:
        attributes.pop(PENDING_KEY, None)
    if reprompt is not None and not end:
        builder.ask(ssml(reprompt, rate))
    elif end:
        builder.set_should_end_session(True)
    if card is not None:
        builder.set_card(card)
    turn_of(handler_input).said = {"text": text, **({"reprompt": reprompt} if reprompt else {})}
    response: Response = builder.response
    return response


def pending_of(handler_input: HandlerInput) -> dict[str, Any] | None:
    value = session(handler_input).get(PENDING_KEY)
    return value if isinstance(value, dict) else None
