"""What every handler shares: the link gate, reading slots, and asking again for one."""

from __future__ import annotations

from typing import Any

from ask_sdk_core.dispatch_components.request_components import AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.utils.predicate import is_intent_name, is_request_type
from ask_sdk_model.dialog.elicit_slot_directive import ElicitSlotDirective
from ask_sdk_model.intent import Intent
from ask_sdk_model.response import Response
from ask_sdk_model.slot import Slot
from ask_sdk_model.slot_confirmation_status import SlotConfirmationStatus

from skill.alexa.reply import reply
from skill.alexa.turn import Deps, Turn, turn_of

ASK_FOR_CODE = ("Before I can help, I need to know who you are. Please ask the person who set up your medicines "
                "for your six-digit code, then say: my code is, followed by the numbers.")
CODE_REPROMPT = "Please say: my code is, and then the six numbers."
WHAT_NEXT = "What would you like to do?"


class Handler(AbstractRequestHandler):
    """A handler for one request type or intent; most need a linked person (`needs_link`), and an unlinked
    one hears `unlinked_text` (how to link) instead."""

    intent: str | None = None  # the intent handled (None: see `request_type`)
    request_type: str = "IntentRequest"
    needs_link = True
    unlinked_text = ASK_FOR_CODE

    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    def can_handle(self, handler_input: HandlerInput) -> bool:
        if self.intent is not None:
            return bool(is_intent_name(self.intent)(handler_input))
        return bool(is_request_type(self.request_type)(handler_input))

    def handle(self, handler_input: HandlerInput) -> Response:
        turn = turn_of(handler_input)
        if self.needs_link and not turn.linked:
            return reply(handler_input, self.unlinked_text, reprompt=CODE_REPROMPT)
        return self.answer(handler_input, turn)

    def answer(self, handler_input: HandlerInput, turn: Turn) -> Response:
        raise NotImplementedError


def slot(handler_input: HandlerInput, name: str) -> Any:
    intent = getattr(handler_input.request_envelope.request, "intent", None)
    slots = getattr(intent, "slots", None) or {}
    return slots.get(name)


def slot_text(handler_input: HandlerInput, name: str) -> str | None:
    value = getattr(slot(handler_input, name), "value", None)
    return str(value) if value not in (None, "", "?") else None


def resolved_values(handler_input: HandlerInput, name: str) -> list[tuple[str, str | None, bool]]:
    """(name, id, from dynamic entities) for every successful entity resolution of a slot."""
    resolutions = getattr(getattr(slot(handler_input, name), "resolutions", None), "resolutions_per_authority", None)
    found: list[tuple[str, str | None, bool]] = []
    for resolution in resolutions or []:
        code = getattr(getattr(resolution.status, "code", None), "value", None)
        if code != "ER_SUCCESS_MATCH":
            continue
        dynamic = "dynamic" in str(resolution.authority)
        for wrapper in resolution.values or []:
            found.append((str(wrapper.value.name), getattr(wrapper.value, "id", None), dynamic))
    return found


def number_slot(handler_input: HandlerInput, name: str) -> int | None:
    text = slot_text(handler_input, name)
    if text is None or not text.isdigit():
        return None
    return int(text)


def elicit_slot(handler_input: HandlerInput, name: str) -> None:
    """Have Alexa take the next answer ("Ramipril", "ten minutes") as this intent's slot `name`: without it, a
    bare answer matches no sample and would be lost to the fallback intent. The intent's other slots stay."""
    intent: Any = getattr(handler_input.request_envelope.request, "intent", None)
    if intent is None:
        return
    slots = {**(intent.slots or {}), name: Slot(name=name, confirmation_status=SlotConfirmationStatus.NONE)}
    updated = Intent(name=intent.name, confirmation_status=intent.confirmation_status, slots=slots)
    handler_input.response_builder.add_directive(ElicitSlotDirective(updated_intent=updated, slot_to_elicit=name))
