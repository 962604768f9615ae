"""The interaction model JSON, read into the parts the console needs (the JSON stays the source of truth).

The models are read from the installed package (``skill/voice_console/interaction_models/``) through
importlib.resources, so ``dosekeeper chat`` works from a wheel, a zip or an unpacked Lambda artefact alike.
Those files are copies of the top-level ``interaction_models/`` that Alexa is deployed with; a unit test
keeps each copy byte-identical to its source, so the console never matches sentences Alexa would not.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from importlib.resources import files
from importlib.resources.abc import Traversable
from typing import Any

from skill.domain.errors import ValidationError

PACKAGED_MODELS: Traversable = files(__package__ or "skill.voice_console") / "interaction_models"
LOCALE_FILE = re.compile(r"^[a-z]{2}-[A-Z]{2}\.json$")  # en-GB.json; skill.json is the manifest, not a model


@dataclass(frozen=True)
class SlotTypeValue:
    id: str
    name: str
    synonyms: tuple[str, ...] = ()


@dataclass(frozen=True)
class IntentModel:
    name: str
    slots: dict[str, str]  # slot name -> slot type
    samples: tuple[str, ...]
    slot_samples: dict[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class DialogSlot:
    name: str
    elicitation_prompt: str | None
    confirmation_prompt: str | None


@dataclass(frozen=True)
class DialogIntent:
    """Alexa runs this dialog itself when `auto_delegate` (delegation strategy ALWAYS)."""

    name: str
    auto_delegate: bool
    confirmation_prompt: str | None
    slots: tuple[DialogSlot, ...]


@dataclass(frozen=True)
class InteractionModel:
    locale: str
    invocation_name: str
    intents: dict[str, IntentModel]
    slot_types: dict[str, tuple[SlotTypeValue, ...]]
    dialog: dict[str, DialogIntent]
    prompts: dict[str, tuple[str, ...]]

    def prompt(self, prompt_id: str | None, slots: dict[str, str]) -> str:
        """The first variation of a prompt, with {slot} references filled in."""
        variations = self.prompts.get(prompt_id or "", ())
        text = variations[0] if variations else "Go on."
        for name, value in slots.items():
            text = text.replace("{" + name + "}", value)
        return text


def available_locales(directory: Traversable | None = None) -> tuple[str, ...]:
    folder = directory or PACKAGED_MODELS
    return tuple(sorted(entry.name.removesuffix(".json") for entry in folder.iterdir()
                        if LOCALE_FILE.match(entry.name)))


def model_file(locale: str, directory: Traversable | None = None) -> Traversable:
    return (directory or PACKAGED_MODELS) / f"{locale}.json"


def load_model(locale: str, directory: Traversable | None = None) -> InteractionModel:
    source = model_file(locale, directory)
    if not LOCALE_FILE.match(source.name) or not source.is_file():
        raise ValidationError(f"no interaction model for locale {locale!r} (looked for {source.name})")
    return parse_model(locale, json.loads(source.read_text(encoding="utf-8")))


def parse_model(locale: str, raw: dict[str, Any]) -> InteractionModel:
    root = raw["interactionModel"]
    language = root["languageModel"]
    intents = {
        intent["name"]: IntentModel(
            name=intent["name"],
            slots={slot["name"]: slot["type"] for slot in intent.get("slots", [])},
            samples=tuple(intent.get("samples", [])),
            slot_samples={slot["name"]: tuple(slot.get("samples", [])) for slot in intent.get("slots", [])},
        )
        for intent in language["intents"]
    }
    slot_types = {
        stype["name"]: tuple(
            SlotTypeValue(id=value.get("id", ""), name=value["name"]["value"],
                          synonyms=tuple(value["name"].get("synonyms", [])))
            for value in stype.get("values", [])
        )
        for stype in language.get("types", [])
    }
    dialog_root = root.get("dialog", {})
    default_strategy = dialog_root.get("delegationStrategy", "SKILL_RESPONSE")
    dialog = {
        intent["name"]: DialogIntent(
            name=intent["name"],
            auto_delegate=intent.get("delegationStrategy", default_strategy) == "ALWAYS",
            confirmation_prompt=(intent.get("prompts") or {}).get("confirmation")
            if intent.get("confirmationRequired") else None,
            slots=tuple(
                DialogSlot(
                    name=slot["name"],
                    elicitation_prompt=(slot.get("prompts") or {}).get("elicitation")
                    if slot.get("elicitationRequired") else None,
                    confirmation_prompt=(slot.get("prompts") or {}).get("confirmation")
                    if slot.get("confirmationRequired") else None,
                )
                for slot in intent.get("slots", [])
            ),
        )
        for intent in dialog_root.get("intents", [])
    }
    prompts = {
        prompt["id"]: tuple(v["value"] for v in prompt.get("variations", []))
        for prompt in root.get("prompts", [])
    }
    return InteractionModel(locale=locale, invocation_name=language["invocationName"], intents=intents,
                            slot_types=slot_types, dialog=dialog, prompts=prompts)
