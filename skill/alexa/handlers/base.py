"""What every handler shares: the link gate, reading Alexa's slots into an `Utterance`, and the turn's `Talk`."""

from __future__ import annotations

from typing import Any

from ask_sdk_core.dispatch_components.request_components import AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.utils.predicate import is_intent_name, is_request_type
from ask_sdk_model.response import Response

from skill.alexa.reply import catalog_of, pending_of, reply
from skill.alexa.turn import Deps, Turn, turn_of
from skill.conversation.talk import Talk
from skill.conversation.utterance import SlotValue, Utterance


class Handler(AbstractRequestHandler):
    """A handler for one request type or intent; most need a linked person (`needs_link`), and an unlinked
    one hears the catalog's `unlinked_key` (how to link) instead."""

    intent: str | None = None  # the intent handled (None: see `request_type`)
    request_type: str = "IntentRequest"
    needs_link = True
    unlinked_key = "link.ask_code"

    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    def can_handle(self, handler_input: HandlerInput) -> bool:
        if self.intent is not None:
            return bool(is_intent_name(self.intent)(handler_input))
        return bool(is_request_type(self.request_type)(handler_input))

    def handle(self, handler_input: HandlerInput) -> Response:
        turn = turn_of(handler_input)
        if self.needs_link and not turn.linked:
            say = catalog_of(handler_input)
            return reply(handler_input, say(self.unlinked_key), reprompt=say("link.code_reprompt"))
        return self.answer(handler_input, turn)

    def answer(self, handler_input: HandlerInput, turn: Turn) -> Response:
        raise NotImplementedError


def talk_of(handler_input: HandlerInput, deps: Deps, turn: Turn) -> Talk:
    """The conversation's view of this turn: the one read, the pending question, the words to use."""
    return Talk(store=deps.store, now=turn.now, locale=turn.speech_locale, view=turn.view,
                covered_from=turn.view_since(), pending=pending_of(handler_input))


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


def utterance_of(handler_input: HandlerInput) -> Utterance:
    """Alexa's intent and slots, with what each resolved to, in the conversation's terms."""
    intent = getattr(handler_input.request_envelope.request, "intent", None)
    values: dict[str, SlotValue] = {}
    for name in (getattr(intent, "slots", None) or {}):
        resolved = resolved_values(handler_input, name)
        values[name] = SlotValue(
            heard=slot_text(handler_input, name),
            ids=tuple(ident or "" for _, ident, dynamic in resolved if not dynamic),
            own_ids=tuple(ident or "" for _, ident, dynamic in resolved if dynamic),
            names=tuple(value for value, _, dynamic in resolved if not dynamic),
        )
    return Utterance(intent=str(getattr(intent, "name", "") or ""), slots=values)


def number_slot(handler_input: HandlerInput, name: str) -> int | None:
    text = slot_text(handler_input, name)
    if text is None or not text.isdigit() or len(text) > 6:
        return None
    return int(text)
