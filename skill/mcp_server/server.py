"""The MCP server: the tools of `skill.mcp_server.tools` behind bearer-token authentication.

Stateless Streamable HTTP with JSON responses: every request carries its bearer token and is answered in
one response, so nothing is kept between requests (any worker, any process can answer), and the endpoint
can be served from the same WSGI server as the web app (`skill.mcp_server.wsgi`).

Tool descriptions are the same for everyone and name no person or medicine; results name only the people
the token covers. Sign-in failures and tool errors are logged by the SDK at INFO with their messages, which
can name a medicine, so its loggers are held at WARNING.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import Annotated, Any, TypeVar

import anyio.to_thread
from mcp.server.auth.middleware.auth_context import get_access_token
from mcp.server.auth.provider import AccessToken
from mcp.server.auth.settings import AuthSettings
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import ToolAnnotations
from pydantic import Field

from skill.assist.pending import PendingQuestions
from skill.domain.errors import DoseKeeperError
from skill.domain.oauth import GrantKind
from skill.mcp_server import tools
from skill.mcp_server.caller import Caller, caller_for
from skill.oauth.bearer import BearerAccess, bearer_access
from skill.store.base import Store

Clock = Callable[[], datetime]
T = TypeVar("T")
INSTRUCTIONS = (
    "DoseKeeper keeps a person's medicine schedule and what they took. Record only what the person says they "
    "took; never decide for them. Every rule (which dose is meant, already taken, too early, over a limit) "
    "is applied by the tools: read back the tool's 'meaning', 'warnings' and 'say' fields. DoseKeeper gives "
    "no medical advice.")

PersonId = Annotated[str | None, Field(description="The person's id from list_people. Leave out for a person's "
                                                     "own assistant, or when the account cares for one person.")]
Medicine = Annotated[str, Field(description="The medicine's name as the person says it, or its id.")]
MaybeMedicine = Annotated[str | None, Field(description="A medicine's name or id; leave out for all medicines.")]

READ_ONLY = ToolAnnotations(read_only_hint=True, open_world_hint=False)
RECORDS = ToolAnnotations(read_only_hint=False, destructive_hint=False, idempotent_hint=False, open_world_hint=False)


class BearerCheck:
    """The SDK's `TokenVerifier`: a personal access token or an OAuth access token, live, as the SDK's
    `AccessToken`, with the grant's kind and people in its claims for the tools to read back. An OAuth
    token issued for another resource (RFC 8707) is refused: it was not meant for this endpoint."""

    def __init__(self, store: Store, clock: Clock, resource_url: str) -> None:
        self.store, self.clock, self.resource_url = store, clock, resource_url.rstrip("/")

    async def verify_token(self, token: str) -> AccessToken | None:
        access = await anyio.to_thread.run_sync(bearer_access, self.store, token, self.clock())
        if access is None or (access.resource is not None and access.resource.rstrip("/") != self.resource_url):
            return None
        return AccessToken(
            token=token, client_id=access.client_id, scopes=list(access.scopes), subject=access.user_id,
            expires_at=int(access.expires_at.timestamp()) if access.expires_at else None, resource=access.resource,
            claims={"kind": access.kind.value,
                    "people": sorted(access.people) if access.people is not None else None})


def _access(token: AccessToken) -> BearerAccess:
    claims = token.claims or {}
    people = claims.get("people")
    return BearerAccess(kind=GrantKind(str(claims.get("kind"))), user_id=str(token.subject),
                        client_id=token.client_id, scopes=tuple(token.scopes),
                        people=frozenset(people) if people is not None else None, resource=token.resource)


class Tools:
    """Each tool: who is calling (from the verified token), then the plain function in a worker thread (the
    store is synchronous), with a use case's "no" turned into a tool error the model can read."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self.store, self.clock = store, clock
        self.pending = PendingQuestions()  # `converse`: the question each caller was just asked

    async def run(self, work: Callable[[Caller, datetime], T]) -> T:
        token = get_access_token()
        if token is None:  # the SDK's middleware refuses unauthenticated requests before this
            raise ToolError("not signed in")

        def call() -> T:
            return work(caller_for(self.store, _access(token)), self.clock())

        try:
            return await anyio.to_thread.run_sync(call)
        except DoseKeeperError as exc:
            raise ToolError(str(exc)) from None

    def register(self, server: MCPServer) -> None:
        store = self.store

        async def list_people() -> dict[str, Any]:
            """The people this assistant may ask about, with their ids (a person's own assistant: just them)."""
            return await self.run(lambda c, _now: tools.list_people(store, c))

        async def whats_due(person_id: PersonId = None) -> dict[str, Any]:
            """Doses due now or overdue today and not yet taken, and the doses still to come today."""
            return await self.run(lambda c, now: tools.whats_due(store, c, now, person_id))

        async def log_dose(
            medicine: Medicine, person_id: PersonId = None,
            count: Annotated[int | None, Field(description="Pills taken, when the person said a number.")] = None,
            taken_at: Annotated[datetime | None, Field(description="When taken, ISO 8601 with offset; "
                                                                   "leave out for now.")] = None,
            confirm: Annotated[bool, Field(description="True only after the person confirmed a dose the last "
                                                       "call said needs confirming.")] = False,
        ) -> dict[str, Any]:
            """Record that the person took a medicine. DoseKeeper picks the dose meant; a dose already taken is
            reported with when, never recorded twice; a dose not yet due needs confirm=true; an as-needed dose
            beyond the carer's limits is recorded with a warning and the carers alerted."""
            return await self.run(partial(_log, store, medicine, person_id, count, taken_at, confirm))

        async def did_i_take(medicine: MaybeMedicine = None, person_id: PersonId = None) -> dict[str, Any]:
            """Today's doses taken, skipped, and due but not taken yet: "did I take my ... today?"."""
            return await self.run(lambda c, now: tools.did_i_take(store, c, now, medicine, person_id))

        async def next_dose(medicine: MaybeMedicine = None, person_id: PersonId = None) -> dict[str, Any]:
            """The next dose still to take, of one medicine or of any."""
            return await self.run(lambda c, now: tools.next_dose(store, c, now, medicine, person_id))

        async def report_safety_moment(
            kind: Annotated[str, Field(description="double_dose (took too much), wrong_medicine, dropped_dose, "
                                                   "or feeling_unwell")],
            medicine: MaybeMedicine = None,
            detail: Annotated[str, Field(description="A few words for the carer, if the person gave any.")] = "",
            person_id: PersonId = None,
        ) -> dict[str, Any]:
            """Record a safety moment the person reports; every contact is alerted at once. Read the answer's
            'say' to the person: it signposts help and gives no medical advice."""
            return await self.run(lambda c, now: tools.report_safety_moment(
                store, c, now, kind, medicine=medicine, detail=detail, person_id=person_id))

        async def converse(
            intent: Annotated[str, Field(description="What the person means, as the voice grammar's intent: "
                                                     "LogDoseIntent, CheckDoseIntent, AMAZON.YesIntent, ...")],
            slots: Annotated[dict[str, str] | None, Field(description="The words heard for each slot, e.g. "
                                                                      "{\"medication\": \"metformin\"}.")] = None,
            conversation: Annotated[str, Field(description="Keep one value for one conversation, so a yes "
                                                           "answers the question just asked.")] = "default",
            person_id: PersonId = None,
        ) -> dict[str, Any]:
            """Answer what the person said with DoseKeeper's own words, as on Alexa and Home Assistant: read
            'say' to them as it is. Every rule (which dose, already taken, safety) is applied here."""
            return await self.run(lambda c, now: tools.converse(store, c, now, self.pending, intent, slots,
                                                                conversation=conversation, person_id=person_id))

        async def pills_left(medicine: MaybeMedicine = None, person_id: PersonId = None) -> dict[str, Any]:
            """How many pills are left of counted medicines, and whether they are running low."""
            return await self.run(lambda c, _now: tools.pills_left(store, c, medicine, person_id))

        async def todays_status(person_id: PersonId = None) -> dict[str, Any]:
            """For carers: every dose of a person's day with its outcome (on time, late, missed, not yet due)."""
            return await self.run(lambda c, now: tools.todays_status(store, c, now, person_id))

        async def missed_doses(person_id: PersonId = None,
                               days: Annotated[int, Field(description="How many days back, 1 to 90.")] = 7,
                               ) -> dict[str, Any]:
            """For carers: the scheduled doses a person missed in the last days."""
            return await self.run(lambda c, now: tools.missed_doses(store, c, now, person_id, days))

        async def adherence_summary(person_id: PersonId = None,
                                    days: Annotated[int, Field(description="The window, 1 to 90 days.")] = 30,
                                    ) -> dict[str, Any]:
            """For carers: a person's adherence over a window, overall and per medicine."""
            return await self.run(lambda c, now: tools.adherence_summary(store, c, now, person_id, days))

        reads: tuple[Callable[..., Any], ...] = (list_people, whats_due, did_i_take, next_dose, pills_left,
                                                 todays_status, missed_doses, adherence_summary)
        for fn in reads:
            server.add_tool(fn, annotations=READ_ONLY)
        server.add_tool(log_dose, annotations=RECORDS)
        server.add_tool(report_safety_moment, annotations=RECORDS)
        server.add_tool(converse, annotations=RECORDS)


def _log(store: Store, medicine: str, person_id: str | None, count: int | None, taken_at: datetime | None,
         confirm: bool, caller: Caller, now: datetime) -> dict[str, Any]:
    return tools.log_dose(store, caller, now, medicine, person_id=person_id, count=count, taken_at=taken_at,
                          confirm=confirm)


def build_mcp_server(store: Store, clock: Clock, *, issuer_url: str, resource_url: str) -> MCPServer:
    """`resource_url`: the public URL of the endpoint (…/mcp); `issuer_url`: the authorization server (the site)."""
    server = MCPServer(
        name="DoseKeeper", instructions=INSTRUCTIONS, log_level="WARNING",
        token_verifier=BearerCheck(store, clock, resource_url),
        # validated from strings, so a path-less issuer keeps no trailing slash (RFC 8414 compares exactly);
        # BearerCheck itself holds OAuth tokens to this resource
        auth=AuthSettings.model_validate({"issuer_url": issuer_url, "resource_server_url": resource_url,
                                          "validate_token_resource": False}))
    for name in ("mcp", "mcp.server", "mcp.server.mcpserver"):
        logging.getLogger(name).setLevel(logging.WARNING)
    Tools(store, clock).register(server)
    return server
