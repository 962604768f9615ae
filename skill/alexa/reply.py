"""Building Alexa's answer: SSML at the person's pace, the question kept for "yes", remembered for "say that again"."""

from __future__ import annotations

from typing import Any

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model.dialog.elicit_slot_directive import ElicitSlotDirective
from ask_sdk_model.intent import Intent
from ask_sdk_model.response import Response
from ask_sdk_model.slot import Slot
from ask_sdk_model.slot_confirmation_status import SlotConfirmationStatus

from skill.alexa.turn import session, turn_of
from skill.conversation.answer import Answer
from skill.conversation.catalog import Catalog
from skill.conversation.questions import Question
from skill.conversation.speech import plain, ssml

LAST_KEY = "last"
PENDING_KEY = "pending"


def catalog_of(handler_input: HandlerInput) -> Catalog:
    turn = turn_of(handler_input)
    return Catalog(turn.speech_locale if turn.linked else turn.locale)


def _voice(handler_input: HandlerInput) -> tuple[str, str]:
    turn = turn_of(handler_input)
    if not turn.linked:
        return "medium", "normal"
    return turn.recipient.speech.rate, turn.recipient.speech.pause


def reply(handler_input: HandlerInput, text: str, *, reprompt: str | None = None, end: bool = False,
          question: Question | None = None, card: Any = None) -> Response:
    """Speak `text`; with `reprompt` the microphone stays open. `question` is what "yes" will mean next."""
    rate, pause = _voice(handler_input)
    builder = handler_input.response_builder
    builder.speak(ssml(text, rate, pause))
    attributes = session(handler_input)
    if question is not None:
        attributes[PENDING_KEY] = question.to_dict()
    else:
        attributes.pop(PENDING_KEY, None)
    if reprompt is not None and not end:
        builder.ask(ssml(reprompt, rate, pause))
    elif end:
        builder.set_should_end_session(True)
    if card is not None:
        builder.set_card(card)
    turn_of(handler_input).said = {"text": plain(text), **({"reprompt": plain(reprompt)} if reprompt else {})}
    response: Response = builder.response
    return response


def speak(handler_input: HandlerInput, answer: Answer) -> Response:
    """The dialogue's answer as Alexa's response (an elicited slot keeps the intent open for a bare answer)."""
    if answer.elicit is not None:
        elicit_slot(handler_input, answer.elicit)
    return reply(handler_input, answer.text, reprompt=answer.reprompt, end=answer.end, question=answer.question)


def elicit_slot(handler_input: HandlerInput, name: str) -> None:
    """Have Alexa take the next answer ("Ramipril", "ten minutes") as this intent's slot `name`: without it, a
    bare answer matches no sample and would be lost to the fallback intent. The intent's other slots stay."""
    intent: Any = getattr(handler_input.request_envelope.request, "intent", None)
    if intent is None:
        return
    slots = {**(intent.slots or {}), name: Slot(name=name, confirmation_status=SlotConfirmationStatus.NONE)}
    updated = Intent(name=intent.name, confirmation_status=intent.confirmation_status, slots=slots)
    handler_input.response_builder.add_directive(ElicitSlotDirective(updated_intent=updated, slot_to_elicit=name))


def pending_of(handler_input: HandlerInput) -> Question | None:
    return Question.from_dict(session(handler_input).get(PENDING_KEY))
