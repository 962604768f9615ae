"""`build_skill`: the one place the voice skill is assembled (Lambda, `dosekeeper serve` and tests use it).

The skill it returns answers every turn inside a deadline (`skill.alexa.turn_deadline`), whoever invokes it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ask_sdk_core.skill import CustomSkill
from ask_sdk_core.skill_builder import CustomSkillBuilder

from skill.alexa.api_client import TimeoutApiClient
from skill.alexa.handlers import build_handlers
from skill.alexa.handlers.errors import KindErrorHandler
from skill.alexa.interceptors import LoadTurn, RememberAnswer, StartApiBudget
from skill.alexa.turn import Clock, Deps
from skill.alexa.turn_deadline import TURN_BUDGET_SECONDS, StoreTroubleHandler, TurnDeadlineSkill
from skill.store.base import Store


def _utc_now() -> datetime:
    return datetime.now(UTC)


def build_skill(store: Store, *, skill_id: str | None, api_client: Any = None,
                clock: Clock | None = None, api_budget_seconds: float = 3.0,
                turn_budget_seconds: float = TURN_BUDGET_SECONDS) -> CustomSkill:
    """The skill on `store`. `skill_id` (None only in tests) is checked by ask-sdk on every request;
    `api_client` reaches Alexa's APIs (default: short timeouts, a per-turn budget); store calls share
    `turn_budget_seconds`, after which the person hears that their records cannot be reached just now."""
    deps = Deps(store=store, clock=clock or _utc_now, api_budget_seconds=api_budget_seconds)
    client = api_client if api_client is not None else TimeoutApiClient()
    builder = CustomSkillBuilder(api_client=client)
    builder.skill_id = skill_id  # type: ignore[assignment]  # typed as None in ask-sdk-core
    builder.add_global_request_interceptor(StartApiBudget(client, api_budget_seconds))
    builder.add_global_request_interceptor(LoadTurn(deps))
    builder.add_global_response_interceptor(RememberAnswer())
    for handler in build_handlers(deps):
        builder.add_request_handler(handler)
    builder.add_exception_handler(StoreTroubleHandler())  # before the catch-all: the first that can handle wins
    builder.add_exception_handler(KindErrorHandler())
    return TurnDeadlineSkill(builder.skill_configuration, turn_budget_seconds)
