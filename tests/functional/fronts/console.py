"""The console front (`dosekeeper chat`): the typed sentence matched against the real en-GB interaction model,
then sent as the envelope Alexa would build to the real skill in process."""

from __future__ import annotations

from dataclasses import dataclass

from skill.alexa.skill_builder import build_skill
from skill.voice_console.conversation import Conversation
from skill.voice_console.envelopes import Caller
from skill.voice_console.linking import ensure_linked
from skill.voice_console.model import load_model
from skill.voice_console.offline_api import OfflineApiClient
from skill.voice_console.transport import in_process
from tests.functional.fronts.base import Heard, Turn
from tests.functional.fronts.world import World

SKILL_ID = "amzn1.ask.skill.one-conversation"


@dataclass
class ConsoleSession:
    conversation: Conversation

    def say(self, turn: Turn) -> Heard:
        heard = self.conversation.say(turn.sentence)
        # the sentence must mean what the scenario says it means, or the scenario tests nothing on this front
        assert heard.intent == turn.intent, f"the model heard {turn.sentence!r} as {heard.intent}"
        return Heard(heard.speech, heard.ended)


class ConsoleFront:
    name = "console"

    def __init__(self, world: World) -> None:
        self.world = world
        self.model = load_model("en-GB")
        self.call = in_process(build_skill(world.store, skill_id=SKILL_ID, clock=world.clock,
                                           api_client=OfflineApiClient()))
        user_id = ensure_linked(world.store, world.edith.id, world.clock())
        world.store.mark_disclaimer_heard(world.edith.id, world.clock())
        self.caller = Caller(skill_id=SKILL_ID, user_id=user_id, locale=self.model.locale)

    def open(self) -> ConsoleSession:
        return ConsoleSession(Conversation(self.model, self.call, self.caller, clock=self.world.clock))
