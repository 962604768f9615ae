"""The Alexa front: request envelopes, as Alexa sends them, to the real skill in process."""

from __future__ import annotations

from dataclasses import dataclass

from skill.alexa.skill_builder import build_skill
from skill.domain.voice import AlexaLink
from tests.functional.fronts.base import Heard, Turn
from tests.functional.fronts.world import World
from tests.support.envelopes import Conversation, Speaker


@dataclass
class AlexaSession:
    conversation: Conversation

    def say(self, turn: Turn) -> Heard:
        said = self.conversation.intent(turn.intent, **turn.slots)
        return Heard(said.text, bool(said.ended))


class AlexaFront:
    name = "alexa"

    def __init__(self, world: World) -> None:
        self.world = world
        self.skill = build_skill(world.store, skill_id=None, clock=world.clock)
        self.speaker = Speaker(locale="en-GB")
        world.store.put_alexa_link(AlexaLink(self.speaker.user_id, world.edith.id, world.clock()))
        world.store.mark_disclaimer_heard(world.edith.id, world.clock())

    def open(self) -> AlexaSession:
        return AlexaSession(Conversation(self.skill, self.speaker, self.world.clock))
