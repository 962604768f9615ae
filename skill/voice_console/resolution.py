"""Entity resolution for custom slot types, as Alexa reports it in `resolutionsPerAuthority`.

Dynamic entities (the person's own medicines, sent by the skill with Dialog.UpdateDynamicEntities) are
tried first under their own authority, then the model's values; a value that matches neither carries
ER_SUCCESS_NO_MATCH, which is the skill's cue to try its own fuzzy match.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from skill.voice_console.model import SlotTypeValue
from skill.voice_console.text import normalise


def _key(text: str) -> str:
    return normalise(text).replace("'", "")


def _candidates(spoken: str) -> list[str]:
    key = _key(spoken)
    keys = [key]
    if key.endswith("s"):
        keys.append(key[:-1])
    return keys


def find_values(spoken: str, values: Iterable[SlotTypeValue]) -> list[SlotTypeValue]:
    """Values whose name or a synonym is what was said (a plural "s" forgiven)."""
    wanted = _candidates(spoken)
    found: list[SlotTypeValue] = []
    for value in values:
        names = {_key(value.name), *(_key(s) for s in value.synonyms)}
        if any(w in names for w in wanted):
            found.append(value)
    return found


def _authority(kind: str, skill_id: str, slot_type: str) -> str:
    return f"amzn1.er-authority.echo-sdk.{kind}{skill_id}.{slot_type}"


def resolve(spoken: str, slot_type: str, skill_id: str, static: Mapping[str, tuple[SlotTypeValue, ...]],
            dynamic: Mapping[str, tuple[SlotTypeValue, ...]]) -> dict[str, Any]:
    """The `resolutions` object of a custom slot."""
    authorities: list[dict[str, Any]] = []
    sources = [("dynamic.", dynamic)] if slot_type in dynamic else []
    sources.append(("", static))
    for kind, values_by_type in sources:
        matches = find_values(spoken, values_by_type.get(slot_type, ()))
        entry: dict[str, Any] = {
            "authority": _authority(kind, skill_id, slot_type),
            "status": {"code": "ER_SUCCESS_MATCH" if matches else "ER_SUCCESS_NO_MATCH"},
        }
        if matches:
            entry["values"] = [{"value": {"name": m.name, "id": m.id}} for m in matches]
        authorities.append(entry)
    return {"resolutionsPerAuthority": authorities}


def is_match(resolutions: Mapping[str, Any]) -> bool:
    return any(a["status"]["code"] == "ER_SUCCESS_MATCH" for a in resolutions.get("resolutionsPerAuthority", []))


def dynamic_types(directive: Mapping[str, Any]) -> dict[str, tuple[SlotTypeValue, ...]]:
    """The types a Dialog.UpdateDynamicEntities directive installs (none when it clears them)."""
    if directive.get("updateBehavior") == "CLEAR":
        return {}
    return {
        stype["name"]: tuple(
            SlotTypeValue(id=str(v.get("id", "")), name=v["name"]["value"],
                          synonyms=tuple(v["name"].get("synonyms") or ()))
            for v in stype.get("values", [])
        )
        for stype in directive.get("types", [])
    }
