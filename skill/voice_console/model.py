"""The interaction model JSON, read into the parts the console needs (the JSON stays the source of truth)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from skill.domain.errors import ValidationError

MODELS_DIR = Path(__file__).resolve().parents[2] / "interaction_models"


@dataclass(frozen=True, slots=True)
class SlotTypeValue:
    id: str
    name: str
    synonyms: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class IntentModel:
    name: str
    slots: dict[str, str]  # slot name -> slot type
    samples: tuple[str, ...]
    slot_samples: dict[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class DialogSlot:
    name: str
    elicitation_prompt: str | None
    confirmation_prompt: str | None


@dataclass(frozen=True, slots=True)
class DialogIntent:
    """Alexa runs this dialog itself when `auto_delegate` (delegation strategy ALWAYS)."""

    name: str
    auto_delegate: bool
    confirmation_prompt: str | None
    slots: tuple[DialogSlot, ...]


@dataclass(frozen=True, slots=True)
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


def available_locales(directory: Path | None = None) -> tuple[str, ...]:
    return tuple(sorted(p.stem for p in (directory or MODELS_DIR).glob("??-??.json")))


def model_path(locale: str, directory: Path | None = None) -> Path:
    return (directory or MODELS_DIR) / f"{locale}.json"


def load_model(locale: str, directory: Path | None = None) -> InteractionModel:
    path = model_path(locale, directory)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ValidationError(f"no interaction model for locale {locale!r} (looked for {path.name})") from exc
    return parse_model(locale, raw)


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
