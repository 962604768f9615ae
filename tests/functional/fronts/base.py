"""What a front driver is: a way to say one scenario turn to DoseKeeper and hear the answer in plain words."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class Turn:
    """One thing the person says, as every front can carry it: the sentence (for the fronts that match words:
    the console's model, Home Assistant's hassil) and the intent and slots it means (for the fronts handed an
    intent: Alexa's envelope, an MCP client)."""

    sentence: str
    intent: str
    slots: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Heard:
    text: str
    ended: bool


class Session(Protocol):
    def say(self, turn: Turn) -> Heard: ...


class Front(Protocol):
    name: str

    def open(self) -> Session:
        """A new conversation with the person of the world the front was started on."""
        ...
