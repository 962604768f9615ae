"""One Home Assistant turn: the intent and slots Home Assistant matched, answered by the shared dialogue.

Home Assistant hands over list values as written by the export (`sentences`): "ID|words" for a medicine or a
time of day ("own:ID|words" for the person's own medicine), and the value Alexa would send for a number, a
clock time or a duration. They become the same `Utterance` the Alexa front builds, so every rule holds here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from skill.assist.names import OWN_PREFIX, SEPARATOR, grammar_intent
from skill.assist.pending import PendingQuestions
from skill.conversation.replies import REPLIES
from skill.conversation.speech import plain
from skill.conversation.talk import Talk
from skill.conversation.utterance import SlotValue, Utterance
from skill.domain.models import LogSource
from skill.store.base import Store
from skill.usecases.dose_log import VIEW_MARGIN

DEFAULT_CONVERSATION = "speaker"  # a satellite in one room: a "yes" right after a question answers it
MAX_SLOTS = 12
MAX_TEXT = 200


class BadTurn(ValueError):
    """The request is not a turn DoseKeeper can answer; the message says why (no health data in it)."""


@dataclass(frozen=True)
class Said:
    intent: str  # the grammar's intent ("LogDoseIntent")
    slots: dict[str, SlotValue]
    conversation_id: str


@dataclass(frozen=True)
class Reply:
    speech: str
    end: bool
    conversation_id: str
    reprompt: str | None = None  # the question alone, for a check-in that announces first and asks after

    def to_json(self) -> dict[str, Any]:
        return {"speech": self.speech, "end": self.end, "conversation_id": self.conversation_id,
                "reprompt": self.reprompt}


def slot_value(raw: str) -> SlotValue:
    ident, separator, words = raw.partition(SEPARATOR)
    if not separator:
        return SlotValue(heard=raw)
    if ident.startswith(OWN_PREFIX):
        return SlotValue(heard=words or None, own_ids=(ident.removeprefix(OWN_PREFIX),))
    return SlotValue(heard=words or None, ids=(ident,), names=(words,))


def parse(body: object) -> Said:
    """Validate the JSON body: {"intent": "DoseKeeperLogDose", "slots": {...}, "conversation_id": "..."}."""
    if not isinstance(body, dict):
        raise BadTurn("the body must be a JSON object")
    name = body.get("intent")
    intent = grammar_intent(name) if isinstance(name, str) else None
    if intent is None:
        raise BadTurn("unknown intent")
    raw_slots = body.get("slots")
    raw_slots = {} if raw_slots is None else raw_slots
    if not isinstance(raw_slots, dict) or len(raw_slots) > MAX_SLOTS:
        raise BadTurn("slots must be an object of at most 12 names")
    slots: dict[str, SlotValue] = {}
    for slot, value in raw_slots.items():
        if value is None or value == "":
            continue  # Home Assistant renders a slot nobody said as an empty string
        if not isinstance(slot, str) or not isinstance(value, str | int) or len(str(value)) > MAX_TEXT:
            raise BadTurn("each slot value must be a short string")
        slots[slot] = slot_value(str(value).strip())
    conversation = body.get("conversation_id") or DEFAULT_CONVERSATION
    if not isinstance(conversation, str) or len(conversation) > MAX_TEXT:
        raise BadTurn("conversation_id must be a short string")
    return Said(intent, slots, conversation)


def answer(store: Store, pending: PendingQuestions, recipient_id: str, said: Said, now: datetime) -> Reply | None:
    """The dialogue's answer for the person (None when the person no longer exists)."""
    since = now - VIEW_MARGIN
    view = store.load_recipient_view(recipient_id, since=since)
    if view is None:
        return None
    talk = Talk(store=store, now=now, locale=view.recipient.locale, view=view, covered_from=since,
                pending=pending.get(recipient_id, said.conversation_id, now), source=LogSource.VOICE)
    reply = REPLIES[said.intent](talk, Utterance(said.intent, said.slots))
    pending.put(recipient_id, said.conversation_id, reply.question, now)
    return Reply(plain(reply.text), reply.end, said.conversation_id,
                 plain(reply.reprompt) if reply.reprompt is not None else None)
