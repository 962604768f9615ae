"""The MCP front: the MCP SDK's own client over real HTTP, calling the `converse` tool with the turn's intent
and slots, as an assistant's model would after understanding the person (Alexa+ add-ons, any MCP client)."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field

from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client

from skill.accounts.passwords import hash_password
from skill.accounts.tokens import issue_token
from skill.domain.accounts import Role, TokenScope, User
from skill.domain.models import new_id
from tests.functional.fronts.base import Heard, Turn
from tests.functional.fronts.world import World


async def _converse(url: str, token: str, turn: Turn, conversation: str) -> dict[str, object]:
    http = create_mcp_http_client(headers={"Authorization": f"Bearer {token}"})
    async with http, Client(streamable_http_client(url, http_client=http)) as client:
        result = await client.call_tool("converse", {"intent": turn.intent, "slots": turn.slots,
                                                     "conversation": conversation})
    assert not result.is_error, result.content
    assert isinstance(result.structured_content, dict)
    return dict(result.structured_content)


@dataclass
class McpSession:
    url: str
    token: str
    conversation: str = field(default_factory=lambda: uuid.uuid4().hex)

    def say(self, turn: Turn) -> Heard:
        answer = asyncio.run(_converse(self.url, self.token, turn, self.conversation))
        return Heard(str(answer["say"]), bool(answer["end"]))


class McpFront:
    name = "mcp"

    def __init__(self, world: World, base_url: str) -> None:
        """Anne, Edith's carer, links an assistant with a personal access token (read and write)."""
        now = world.clock()
        anne = User(id=new_id("usr"), email="anne@example.org", role=Role.CARER, organisation="default",
                    password_hash=hash_password("correct horse battery staple"),
                    recipient_ids=frozenset({world.edith.id}), created_at=now)
        world.store.create_user(anne)
        self.token, record = issue_token(anne.id, "assistant", now, scope=TokenScope.READ_WRITE)
        world.store.put_token(record)
        self.url = base_url + "/mcp"

    def open(self) -> McpSession:
        return McpSession(self.url, self.token)
