"""Every intent in every interaction model has a handler, and every handled intent is in every model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from skill.alexa.handlers import handled_intents

MODELS = sorted(p for p in (Path(__file__).resolve().parents[2] / "interaction_models").glob("*.json")
                if p.name != "skill.json")

# Intents the voice grammar (issue 10) added before their handlers exist. The lead empties this set as the
# handlers land; an intent that gains a handler must leave it, or the last test fails.
INTENTS_AWAITING_HANDLERS: frozenset[str] = frozenset()


def model_intents(path: Path) -> set[str]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return {intent["name"] for intent in data["interactionModel"]["languageModel"]["intents"]}


def test_there_are_models_for_both_english_locales() -> None:
    assert {p.stem for p in MODELS} >= {"en-GB", "en-US"}


@pytest.mark.parametrize("path", MODELS, ids=lambda p: p.stem)
def test_model_and_handlers_cover_each_other(path: Path) -> None:
    intents = model_intents(path)
    assert intents - handled_intents() - INTENTS_AWAITING_HANDLERS == set(), "intents in the model without a handler"
    assert handled_intents() - intents == set(), "handlers whose intent the model lacks"


@pytest.mark.parametrize("path", MODELS, ids=lambda p: p.stem)
def test_intents_awaiting_handlers_are_in_the_model_and_still_unhandled(path: Path) -> None:
    # THEN the waiting list names only real model intents, and nothing that already has a handler
    assert model_intents(path) >= INTENTS_AWAITING_HANDLERS
    assert handled_intents() & INTENTS_AWAITING_HANDLERS == set(), "handled now: remove from the waiting list"
