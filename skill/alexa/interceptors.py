"""Around every turn: load the linked person once, remember the last answer, log without health data."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

from ask_sdk_core.dispatch_components.request_components import AbstractRequestInterceptor, AbstractResponseInterceptor
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model.response import Response

from skill.alexa.reply import LAST_KEY
from skill.alexa.turn import TURN_KEY, Deps, Turn, session
from skill.oauth.bearer import bearer_access, person_spoken_for
from skill.observability import get_logger

logger = get_logger(__name__)
LINK_KEY = "link"


def request_kind(handler_input: HandlerInput) -> str:
    """Request type and intent name only: never slot values, which can be medicine names."""
    request = handler_input.request_envelope.request
    kind = str(getattr(request, "object_type", "unknown"))
    intent = getattr(getattr(request, "intent", None), "name", None)
    return f"{kind}:{intent}" if intent else kind


class LinkCache:
    """Which recipient each Alexa user was last linked to, kept for the life of a (Lambda) process.

    Only a guess: every turn confirms it against the link back-references that come back in the same read
    as the person's day (`VoiceView.is_linked`), so a re-linked or unlinked speaker is never served the
    wrong person. A right guess makes a session's first turn one read instead of two.
    """

    def __init__(self, size: int = 10_000) -> None:
        self.size = size
        self._links: OrderedDict[str, str] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, alexa_id: str) -> str | None:
        with self._lock:
            return self._links.get(alexa_id)

    def put(self, alexa_id: str, recipient_id: str | None) -> None:
        with self._lock:
            if recipient_id is None:
                self._links.pop(alexa_id, None)
                return
            self._links[alexa_id] = recipient_id
            self._links.move_to_end(alexa_id)
            while len(self._links) > self.size:
                self._links.popitem(last=False)


class LoadTurn(AbstractRequestInterceptor):
    """Who is speaking and their day, in one read when the recipient can be guessed (from the session or
    this process's cache) and confirmed by that read; otherwise the link is read first."""

    def __init__(self, deps: Deps, links: LinkCache | None = None) -> None:
        self.deps = deps
        self.links = links or LinkCache()

    def process(self, handler_input: HandlerInput) -> None:
        envelope: Any = handler_input.request_envelope
        system = envelope.context.system
        person = getattr(system, "person", None)
        turn = Turn(
            now=self.deps.clock(),
            locale=str(getattr(envelope.request, "locale", None) or "en-GB"),
            user_id=str(system.user.user_id),
            person_id=getattr(person, "person_id", None),
            device_id=getattr(getattr(system, "device", None), "device_id", None),
        )
        handler_input.attributes_manager.request_attributes[TURN_KEY] = turn
        self._load(handler_input, turn)
        logger.info("alexa turn", extra={"request": request_kind(handler_input), "linked": turn.linked})

    def _load(self, handler_input: HandlerInput, turn: Turn) -> None:
        if self._load_account_linked(handler_input, turn):
            return
        known, guess = self._guess(handler_input, turn)
        if known and guess is None:
            return  # this session already found the speaker unlinked
        if guess is not None:
            voice = self.deps.store.load_voice_view(guess, turn.view_since())
            if voice is not None and voice.is_linked(turn.alexa_id):
                turn.recipient_id, turn.voice = guess, voice
                self._remember(handler_input, turn.alexa_id, guess)
                return
        link = self.deps.store.get_alexa_link(turn.alexa_id)
        recipient_id = link.recipient_id if link else None
        if recipient_id is not None:
            turn.voice = self.deps.store.load_voice_view(recipient_id, turn.view_since())
            if turn.voice is None:  # the person was removed: the link is stale
                recipient_id = None
        turn.recipient_id = recipient_id
        self._remember(handler_input, turn.alexa_id, recipient_id)

    def _load_account_linked(self, handler_input: HandlerInput, turn: Turn) -> bool:
        """Account linking (OAuth, signed in once in the Alexa app) instead of the spoken code: the token a
        carer granted as "the person's own assistant" names the person. Any other token, or one no longer
        live, falls back to the spoken-code link."""
        envelope: Any = handler_input.request_envelope
        token = getattr(envelope.context.system.user, "access_token", None)
        if not token:
            return False
        access = bearer_access(self.deps.store, str(token), turn.now)
        recipient_id = person_spoken_for(self.deps.store, access) if access is not None else None
        voice = self.deps.store.load_voice_view(recipient_id, turn.view_since()) if recipient_id else None
        if voice is None:
            return False
        turn.recipient_id, turn.voice = recipient_id, voice
        return True

    def _guess(self, handler_input: HandlerInput, turn: Turn) -> tuple[bool, str | None]:
        """(whether the session already knows, the recipient to try first)."""
        cached: Any = session(handler_input).get(LINK_KEY)
        if isinstance(cached, dict) and cached.get("alexa_id") == turn.alexa_id:
            rid = cached.get("recipient_id")
            return True, str(rid) if rid else None
        return False, self.links.get(turn.alexa_id)

    def _remember(self, handler_input: HandlerInput, alexa_id: str, recipient_id: str | None) -> None:
        self.links.put(alexa_id, recipient_id)
        if handler_input.request_envelope.session is not None:
            remember_link(handler_input, alexa_id, recipient_id)


def remember_link(handler_input: HandlerInput, alexa_id: str, recipient_id: str | None) -> None:
    session(handler_input)[LINK_KEY] = {"alexa_id": alexa_id, "recipient_id": recipient_id}


class RememberAnswer(AbstractResponseInterceptor):
    """Keeps the last thing said in the session, for "say that again" (not on a repeat itself)."""

    def process(self, handler_input: HandlerInput, response: Response | None) -> None:
        turn = handler_input.attributes_manager.request_attributes.get(TURN_KEY)
        if not isinstance(turn, Turn) or not turn.said or handler_input.request_envelope.session is None:
            return
        if turn.said.get("repeat"):
            return
        session(handler_input)[LAST_KEY] = dict(turn.said)


class StartApiBudget(AbstractRequestInterceptor):
    """Gives this turn's outside calls (Reminders, Settings) one shared time budget."""

    def __init__(self, api_client: Any, budget_seconds: float) -> None:
        self.api_client = api_client
        self.budget_seconds = budget_seconds

    def process(self, handler_input: HandlerInput) -> None:
        start = getattr(self.api_client, "start_turn", None)
        if start is not None:
            start(self.budget_seconds)
