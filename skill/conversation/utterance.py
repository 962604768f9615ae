"""What the person said, as any front hears it: an intent and its slots, each with what resolved."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class SlotValue:
    heard: str | None = None  # the words as heard ("my heart pill")
    ids: tuple[str, ...] = ()  # ids the assistant resolved from the model's own lists ("CATEGORY_HEART")
    own_ids: tuple[str, ...] = ()  # ids resolved against the person's own medicines (dynamic entities)
    names: tuple[str, ...] = ()  # the resolved values' names, in order


@dataclass(frozen=True)
class Utterance:
    intent: str
    slots: dict[str, SlotValue] = field(default_factory=dict)

    def slot(self, name: str) -> SlotValue:
        return self.slots.get(name) or SlotValue()

    def heard(self, name: str) -> str | None:
        return self.slot(name).heard

    def number(self, name: str) -> int | None:
        text = self.heard(name)
        return int(text) if text is not None and text.isdigit() and len(text) <= 6 else None
