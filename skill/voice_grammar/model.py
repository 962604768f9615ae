"""A grammar becomes an ASK interaction model: samples, slot types, and the dialog model and prompts.

Expansion is capped twice. Each sentence keeps its shortest expansions first (the fewest optional words are
what people say most), up to `max_samples_per_sentence`; an intent over `max_samples_per_intent` or a model
over `max_model_bytes` is an error, so the grammar's author decides what to drop rather than the generator.
A sample claimed by two intents is an error too: Alexa would pick one of them unpredictably.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from skill.voice_grammar.expand import expand, expand_values, parse_rules, sample_problem
from skill.voice_grammar.grammar import Grammar, GrammarError


@dataclass(frozen=True)
class ModelFigures:
    locale: str
    samples: int
    samples_per_intent: dict[str, int]
    slot_values: int
    size_bytes: int


def intent_samples(grammar: Grammar) -> dict[str, list[str]]:
    """Each intent's samples, in grammar order, validated and without duplicates."""
    rules = parse_rules(grammar.rules)
    owner: dict[str, str] = {}
    out: dict[str, list[str]] = {}
    for intent, slots in grammar.intent_slots.items():
        samples: list[str] = []
        for template in grammar.sentences.get(intent, ()):
            expanded = expand(template, rules)
            kept = sorted(expanded, key=len)[: grammar.limits.per_sentence]
            for sample in sorted(kept, key=expanded.index):
                problem = sample_problem(sample, slots)
                if problem is not None:
                    raise GrammarError(f"{grammar.locale} {intent}: {sample!r} from {template!r}: {problem}")
                if sample in owner and owner[sample] != intent:
                    raise GrammarError(f"{grammar.locale}: {sample!r} is in both {owner[sample]} and {intent}")
                if sample not in owner:
                    owner[sample] = intent
                    samples.append(sample)
        if len(samples) > grammar.limits.per_intent:
            raise GrammarError(f"{grammar.locale} {intent}: {len(samples)} samples, more than "
                               f"max_samples_per_intent ({grammar.limits.per_intent})")
        out[intent] = samples
    return out


def slot_type_values(grammar: Grammar) -> list[dict[str, Any]]:
    types: list[dict[str, Any]] = []
    for slot, values in grammar.lists.items():
        type_name = grammar.slot_types.get(slot)
        if type_name is None or type_name.startswith("AMAZON."):
            raise GrammarError(f"list {slot!r} needs a custom slot type in alexa.slot_types")
        seen: dict[str, str] = {}
        entries = []
        for value in values:
            words = expand_values(value.template)
            for word in words:
                if word in seen:
                    raise GrammarError(f"{type_name}: {word!r} names both {seen[word]} and {value.id}")
                seen[word] = value.id
            entries.append({"id": value.id, "name": {"value": words[0], "synonyms": words[1:]}})
        types.append({"name": type_name, "values": entries})
    return types


def build_model(grammar: Grammar) -> dict[str, Any]:
    rules = parse_rules(grammar.rules)
    samples = intent_samples(grammar)
    intents = []
    for intent, slot_names in grammar.intent_slots.items():
        entry: dict[str, Any] = {"name": intent}
        if slot_names:
            answers = grammar.slot_samples.get(intent, {})
            entry["slots"] = [_slot(grammar, intent, name, answers.get(name, ()), rules) for name in slot_names]
        entry["samples"] = samples[intent]
        intents.append(entry)
    model = {
        "interactionModel": {
            "languageModel": {
                "invocationName": grammar.invocation_name,
                "intents": intents,
                "types": slot_type_values(grammar),
            },
            "dialog": _dialog(grammar),
            "prompts": [{"id": p["id"], "variations": [{"type": "PlainText", "value": v} for v in p["variations"]]}
                        for p in grammar.prompts],
        }
    }
    size = len(render(model).encode("utf-8"))
    if size > grammar.limits.model_bytes:
        raise GrammarError(f"{grammar.locale}: the model is {size} bytes, over max_model_bytes "
                           f"({grammar.limits.model_bytes}); Alexa refuses models over 1.5 MB")
    return model


def _slot(grammar: Grammar, intent: str, name: str, templates: tuple[str, ...], rules: Any) -> dict[str, Any]:
    slot: dict[str, Any] = {"name": name, "type": grammar.slot_types[name]}
    answers = list(dict.fromkeys(s for t in templates for s in expand(t, rules)))
    for answer in answers:
        problem = sample_problem(answer, grammar.intent_slots[intent])
        if problem is not None:
            raise GrammarError(f"{grammar.locale} {intent}.{name} answer {answer!r}: {problem}")
    if answers:
        slot["samples"] = answers
    return slot


def _dialog(grammar: Grammar) -> dict[str, Any]:
    """Dialog intents written in full are kept; `slot_names` is shorthand for slots the skill elicits itself."""
    intents = []
    for raw in grammar.dialog.get("intents", []):
        if "slot_names" not in raw:
            intents.append(raw)
            continue
        intents.append({
            "name": raw["name"],
            "delegationStrategy": "SKILL_RESPONSE",
            "confirmationRequired": False,
            "prompts": {},
            "slots": [{"name": s, "type": grammar.slot_types[s], "confirmationRequired": False,
                       "elicitationRequired": False, "prompts": {}} for s in raw["slot_names"]],
        })
    return {"delegationStrategy": grammar.dialog.get("delegationStrategy", "SKILL_RESPONSE"), "intents": intents}


def render(model: dict[str, Any]) -> str:
    return json.dumps(model, indent=1, ensure_ascii=False) + "\n"  # one sample a line, for readable diffs


def figures(grammar: Grammar, model: dict[str, Any]) -> ModelFigures:
    language = model["interactionModel"]["languageModel"]
    per_intent = {i["name"]: len(i.get("samples", [])) for i in language["intents"]}
    values = sum(1 + len(v["name"]["synonyms"]) for t in language["types"] for v in t["values"])
    return ModelFigures(grammar.locale, sum(per_intent.values()), per_intent, values,
                        len(render(model).encode("utf-8")))
