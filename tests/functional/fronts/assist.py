"""The Home Assistant front: the sentence matched by hassil against the custom sentences `dosekeeper assist
export` writes for this person, the intent script's REST call rendered from the exported package, and that
call made over real HTTP to `POST /assist` with the person's token."""

from __future__ import annotations

import json
import urllib.request
from dataclasses import dataclass
from typing import Any

from skill.assist import tokens
from skill.assist.ha_config import REST_COMMAND
from skill.assist.names import assist_intent
from tests.functional.fronts.base import Heard, Turn
from tests.functional.fronts.world import World
from tests.functional.test_assist_support import HomeAssistant, home_assistant

TIMEOUT = 30.0  # seconds; a loaded 2-core machine is slow, a healthy one answers in milliseconds


@dataclass
class AssistSession:
    ha: HomeAssistant
    secret: str

    def say(self, turn: Turn) -> Heard:
        heard = self.ha.hear(turn.sentence)
        assert heard is not None, f"Home Assistant would not understand {turn.sentence!r}"
        assert heard[0] == assist_intent(turn.intent), f"hassil heard {turn.sentence!r} as {heard[0]}"
        body = self.ha.body(*heard)
        command = self.ha.package["rest_command"][REST_COMMAND]
        request = urllib.request.Request(command["url"], data=json.dumps(body).encode(), method="POST",
                                         headers={"Content-Type": command["content_type"],
                                                  "Authorization": f"Bearer {self.secret}"})
        with urllib.request.urlopen(request, timeout=TIMEOUT) as reply:
            assert reply.status == 200
            answer: dict[str, Any] = json.loads(reply.read())
        return Heard(str(answer["speech"]), bool(answer["end"]))


class AssistFront:
    name = "home_assistant"

    def __init__(self, world: World, base_url: str) -> None:
        self.ha = home_assistant("en-GB", world.medications, base_url=base_url)
        self.secret = tokens.issue(world.store, world.edith.id, world.clock())

    def open(self) -> AssistSession:
        return AssistSession(self.ha, self.secret)
