"""Reading a locale's grammar: common.yaml, medicines.yaml, everyday.yaml, then the locale's own file, merged in
that order."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

GRAMMAR_DIR = Path(__file__).resolve().parent / "grammar"  # package data: `assist export` works from a wheel
SHARED_FILES = ("common.yaml", "medicines.yaml", "everyday.yaml")
SENTENCE = "<sentence>"  # where the sentence goes in an `around` form ("<pre> <sentence>")


class GrammarError(ValueError):
    """The grammar cannot become a valid interaction model; the message says where."""


@dataclass(frozen=True)
class ListValue:
    template: str  # hassil template of everything that names this value; its first expansion is the name
    id: str


@dataclass(frozen=True)
class Limits:
    per_sentence: int
    per_intent: int
    model_bytes: int


@dataclass(frozen=True)
class Grammar:
    locale: str
    invocation_name: str
    slot_types: dict[str, str]  # slot name -> Alexa slot type
    intent_slots: dict[str, tuple[str, ...]]  # Alexa intent -> its slots, in order
    sentences: dict[str, tuple[str, ...]]  # Alexa intent -> sentence templates
    rules: dict[str, str]  # expansion rule name -> template
    lists: dict[str, tuple[ListValue, ...]]  # slot name -> values, for custom slot types
    slot_samples: dict[str, dict[str, tuple[str, ...]]]  # intent -> slot -> answer templates
    dialog: dict[str, Any]
    prompts: list[dict[str, Any]]
    limits: Limits
    sources: tuple[Path, ...] = field(default=())


def available_locales(directory: Path = GRAMMAR_DIR) -> tuple[str, ...]:
    return tuple(sorted(p.stem for p in directory.glob("??-??.yaml")))


def load_grammar(locale: str, directory: Path = GRAMMAR_DIR) -> Grammar:
    sources = tuple(directory / name for name in (*SHARED_FILES, f"{locale}.yaml"))
    merged: dict[str, Any] = {}
    for path in sources:
        if not path.exists():
            raise GrammarError(f"missing grammar file {path.name}")
        _merge(merged, yaml.safe_load(path.read_text(encoding="utf-8")) or {}, path.name)
    return _parse(locale, merged, sources)


def _merge(into: dict[str, Any], update: dict[str, Any], source: str) -> None:
    """Mappings merge key by key; a list (an intent's sentences) is extended; anything else is replaced."""
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value, source)
        elif isinstance(value, list) and isinstance(into.get(key), list):
            into[key] = [*into[key], *value]
        else:
            into[key] = value


def _block_sentences(block: dict[str, Any], around: list[str]) -> list[str]:
    """A block marked `around: true` also says each sentence inside every `around` form (fillers, politeness),
    each form a sentence of its own, so each keeps its shortest expansions under max_samples_per_sentence."""
    templates = [str(t) for t in block.get("sentences", [])]
    if not block.get("around"):
        return templates
    return [*templates, *(form.replace(SENTENCE, f"({t})") for form in around for t in templates)]


def _parse(locale: str, raw: dict[str, Any], sources: tuple[Path, ...]) -> Grammar:
    alexa = raw.get("alexa") or {}
    slot_types: dict[str, str] = dict(alexa.get("slot_types") or {})
    intent_slots = {name: tuple(slots or ()) for name, slots in (alexa.get("intents") or {}).items()}
    for intent, slots in intent_slots.items():
        unknown = [s for s in slots if s not in slot_types]
        if unknown:
            raise GrammarError(f"{intent}: slots without a type in alexa.slot_types: {unknown}")
    around = [str(w) for w in raw.get("around") or ()]
    if any(SENTENCE not in w for w in around):
        raise GrammarError(f"every `around` form must contain {SENTENCE}")
    sentences: dict[str, tuple[str, ...]] = {}
    for name, body in (raw.get("intents") or {}).items():
        if name not in intent_slots:
            raise GrammarError(f"sentences for {name}, which alexa.intents does not declare")
        sentences[name] = tuple(s for block in body.get("data", []) for s in _block_sentences(block, around))
    lists = {
        name: tuple(ListValue(str(v["in"]), str(v["out"])) for v in body.get("values", []))
        for name, body in (raw.get("lists") or {}).items()
    }
    slot_samples = {
        intent: {slot: tuple(templates) for slot, templates in per_slot.items()}
        for intent, per_slot in (alexa.get("slot_samples") or {}).items()
    }
    return Grammar(
        locale=locale,
        invocation_name=str(alexa["invocation_name"]),
        slot_types=slot_types,
        intent_slots=intent_slots,
        sentences=sentences,
        rules={name: str(template) for name, template in (raw.get("expansion_rules") or {}).items()},
        lists=lists,
        slot_samples=slot_samples,
        dialog=dict(alexa.get("dialog") or {}),
        prompts=list(alexa.get("prompts") or []),
        limits=Limits(
            per_sentence=int(alexa.get("max_samples_per_sentence", 1500)),
            per_intent=int(alexa.get("max_samples_per_intent", 6000)),
            model_bytes=int(alexa.get("max_model_bytes", 1_000_000)),
        ),
        sources=sources,
    )
