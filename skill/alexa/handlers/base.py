"""What every handler shares: the link gate, slot reading, and which medicine a heard name means."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ask_sdk_core.dispatch_components.request_components import AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.utils.predicate import is_intent_name, is_request_type
from ask_sdk_model.response import Response

from skill.alexa.reply import reply
from skill.alexa.speech import join
from skill.alexa.turn import Deps, Turn, turn_of
from skill.domain.models import Medication

ASK_FOR_CODE = ("Before I can help, I need to know who you are. Please ask the person who set up your medicines "
                "for your six-digit code, then say: my code is, followed by the numbers.")
CODE_REPROMPT = "Please say: my code is, and then the six numbers."
WHAT_NEXT = "What would you like to do?"


class Handler(AbstractRequestHandler):
    """A handler for one request type or intent; most need a linked person (`needs_link`)."""

    intent: str | None = None  # the intent handled (None: see `request_type`)
    request_type: str = "IntentRequest"
    needs_link = True

    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    def can_handle(self, handler_input: HandlerInput) -> bool:
        if self.intent is not None:
            return bool(is_intent_name(self.intent)(handler_input))
        return bool(is_request_type(self.request_type)(handler_input))

    def handle(self, handler_input: HandlerInput) -> Response:
        turn = turn_of(handler_input)
        if self.needs_link and not turn.linked:
            return reply(handler_input, ASK_FOR_CODE, reprompt=CODE_REPROMPT)
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


@dataclass(frozen=True)
class Resolution:
    """The medicine meant (`medication`), the whole day's doses (`generic`), or candidates to ask about."""

    medication: Medication | None = None
    generic: bool = False
    candidates: tuple[Medication, ...] = field(default_factory=tuple)


def resolve_medication(handler_input: HandlerInput, turn: Turn, slot_name: str = "medication") -> Resolution:
    # Imported here: the fuzzy matchers are only needed once someone names a medicine, not at cold start.
    from skill.alexa.matching import is_generic, match

    heard = slot_text(handler_input, slot_name)
    meds = turn.medications
    if heard is None or is_generic(heard):
        return Resolution(generic=True)
    for _value, ident, dynamic in resolved_values(handler_input, slot_name):
        if dynamic:
            med = next((m for m in meds if m.id == ident), None)
            if med is not None:
                return Resolution(medication=med)
    texts = [value for value, _, dynamic in resolved_values(handler_input, slot_name) if not dynamic] + [heard]
    candidates: list[Medication] = []
    for text in texts:
        found = match(text, meds)
        if found.sure is not None:
            return Resolution(medication=found.sure)
        candidates.extend(m for m in found.candidates if m not in candidates)
    return Resolution(candidates=tuple(candidates[:2]))


def which_medicine(handler_input: HandlerInput, turn: Turn, resolution: Resolution, action: str,
                   count: int | None = None) -> Response:
    """Never guess: ask "Did you mean ...?" about a close name, or which one when nothing is close."""
    if resolution.candidates:
        first = resolution.candidates[0]
        return reply(handler_input, f"Did you mean {first.name}?", reprompt=f"Did you mean {first.name}?",
                     pending={"kind": "which", "action": action, "ids": [m.id for m in resolution.candidates],
                              "count": count})
    names = join([m.name for m in turn.medications])
    if not names:
        return reply(handler_input, "You don't have any medicines on your list yet.", end=True)
    text = f"Sorry, I didn't recognise that medicine. You take {names}. Which one did you mean?"
    return reply(handler_input, text, reprompt=f"Which medicine? You take {names}.")


def number_slot(handler_input: HandlerInput, name: str) -> int | None:
    text = slot_text(handler_input, name)
    if text is None or not text.isdigit():
        return None
    return int(text)
