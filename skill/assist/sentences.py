"""Home Assistant custom sentences from the voice grammar: the same templates the Alexa model is expanded from.

The grammar is already written in hassil's template syntax, so the sentences are copied, not expanded: Home
Assistant matches templates directly. Only names change (intents, lists and rules are prefixed; see `names`),
and the lists are written out so Home Assistant hands over what the dialogue needs:

- a medicine or time of day as "ID|words" (`out`): the id Alexa would resolve, and the words as heard, since
  "last night" is yesterday's dose and "glucophage" may be what the carer typed as the name;
- the person's own medicines and nicknames first (with `--recipient`) as "own:ID|words", as Alexa's dynamic
  entities resolve them;
- numbers, clock times and durations as the values Alexa sends (`builtin_values`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from skill.assist.builtin_values import BUILT_IN, EXCEPTIONS
from skill.assist.names import OWN_PREFIX, SEPARATOR, SPOKEN_INTENTS, list_name, rule_name
from skill.domain.models import Medication
from skill.voice_grammar.expand import expand_values
from skill.voice_grammar.grammar import Grammar

# Alexa's built-in intents come with their own sentences ("yes", "no", "help") that the grammar leaves out.
BUILT_IN_SENTENCES = {
    "AMAZON.YesIntent": ("yes", "yes please", "sure", "of course", "yes i did"),
    "AMAZON.NoIntent": ("no", "no thanks", "no thank you", "nope"),
    "AMAZON.HelpIntent": ("help",),
}
_SLOT = re.compile(r"\{(\w+)\}")
_RULE = re.compile(r"<(\w+)>")


def language_of(locale: str) -> str:
    """Home Assistant keeps sentences per language ("en"), not per locale."""
    return locale.split("-")[0]


def rename(template: str) -> str:
    """ "{medication}" -> "{dosekeeper_medication:medication}", "<um>" -> "<dosekeeper_um>"."""
    template = _SLOT.sub(lambda m: "{" + f"{list_name(m.group(1))}:{m.group(1)}" + "}", template)
    return _RULE.sub(lambda m: f"<{rule_name(m.group(1))}>", template)


def spoken_slots(grammar: Grammar) -> list[str]:
    """Slots the exported intents use, in the grammar's order."""
    seen: dict[str, None] = {}
    for intent in SPOKEN_INTENTS.values():
        for slot in grammar.intent_slots.get(intent, ()):
            seen[slot] = None
    return list(seen)


def heard_value(ident: str, words: str) -> str:
    return f"{ident}{SEPARATOR}{words}"


def own_medicine_values(medications: Sequence[Medication]) -> list[dict[str, Any]]:
    values = []
    for med in (m for m in medications if m.active):
        for said in dict.fromkeys(_plain(n) for n in (med.name, *med.also_called)):
            if said:
                values.append({"in": said, "out": heard_value(OWN_PREFIX + med.id, said)})
    return values


def _plain(text: str) -> str:
    """What a speech recogniser would write: lower case words, no punctuation a template would misread."""
    return " ".join(re.sub(r"[^\w' ]+", " ", text.casefold()).split())


def list_values(grammar: Grammar, slot: str, own: Iterable[dict[str, Any]] = ()) -> list[dict[str, Any]]:
    if slot in EXCEPTIONS:
        return EXCEPTIONS[slot]()
    if slot in grammar.lists:
        own_values = list(own) if slot == "medication" else []
        taken = {str(v["in"]) for v in own_values}
        values = [*own_values]
        for value in grammar.lists[slot]:
            for words in expand_values(value.template):
                if words not in taken:
                    taken.add(words)
                    values.append({"in": words, "out": heard_value(value.id, words)})
        return values
    maker = BUILT_IN.get(grammar.slot_types[slot])
    if maker is None:
        raise ValueError(f"no word list for slot {slot!r} ({grammar.slot_types[slot]})")
    return maker()


def sentences_document(grammar: Grammar, medications: Sequence[Medication] = ()) -> dict[str, Any]:
    """The custom_sentences/<language>/dosekeeper.yaml document."""
    own = own_medicine_values(medications)
    intents = {}
    for name, intent in SPOKEN_INTENTS.items():
        templates = [*BUILT_IN_SENTENCES.get(intent, ()), *grammar.sentences.get(intent, ())]
        if templates:
            intents[name] = {"data": [{"sentences": list(dict.fromkeys(rename(t) for t in templates))}]}
    return {
        "language": language_of(grammar.locale),
        "intents": intents,
        "lists": {list_name(slot): {"values": list_values(grammar, slot, own)} for slot in spoken_slots(grammar)},
        "expansion_rules": {rule_name(name): rename(template) for name, template in grammar.rules.items()},
    }
