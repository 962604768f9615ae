"""The MCP front: the MCP SDK's own client over real HTTP, calling the `converse` tool with the turn's intent
and slots, as an assistant's model would after understanding the person (Alexa+ add-ons, any MCP client)."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field

from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client
from mcp_types import CallToolResult

from skill.accounts.passwords import hash_password
from skill.accounts.tokens import issue_token
from skill.domain.accounts import Role, TokenScope, User
from skill.domain.models import new_id
from tests.functional.fronts.base import Heard, Turn
from tests.functional.fronts.world import World

PASSWORD_HASH = hash_password("correct horse battery staple")  # hashed once: hashing is slow on purpose


async def _converse(url: str, token: str, turn: Turn, conversation: str) -> CallToolResult:
    http = create_mcp_http_client(headers={"Authorization": f"Bearer {token}"})
    async with http, Client(streamable_http_client(url, http_client=http)) as client:
        return await client.call_tool("converse", {"intent": turn.intent, "slots": turn.slots,
                                                   "conversation": conversation})


@dataclass
class McpSession:
    url: str
    token: str
    conversation: str = field(default_factory=lambda: uuid.uuid4().hex)

    def say(self, turn: Turn) -> Heard:
        result = asyncio.run(_converse(self.url, self.token, turn, self.conversation))
        assert not result.is_error, result.content
        assert isinstance(result.structured_content, dict)
        return Heard(str(result.structured_content["say"]), bool(result.structured_content["end"]))

    def refused(self, turn: Turn) -> str:
        """The tool error's words, for a turn the server must refuse."""
        result = asyncio.run(_converse(self.url, self.token, turn, self.conversation))
        assert result.is_error, result.structured_content
        return " ".join(getattr(c, "text", "") for c in result.content)


class McpFront:
    name = "mcp"

    def __init__(self, base_url: str, token: str) -> None:
        self.base_url, self.token = base_url, token
        self.url = base_url + "/mcp"

    @classmethod
    def linked(cls, world: World, base_url: str, scope: TokenScope = TokenScope.READ_WRITE) -> McpFront:
        """A carer of Edith links an assistant with a personal access token of this scope."""
        now = world.clock()
        carer = User(id=new_id("usr"), email=f"{new_id('carer')}@example.org", role=Role.CARER,
                     organisation="default", password_hash=PASSWORD_HASH,
                     recipient_ids=frozenset({world.edith.id}), created_at=now)
        world.store.create_user(carer)
        token, record = issue_token(carer.id, "assistant", now, scope=scope)
        world.store.put_token(record)
        return cls(base_url, token)

    def open(self) -> McpSession:
        return McpSession(self.url, self.token)
