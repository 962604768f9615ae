"""AWS Lambda entry point for the Alexa skill: Alexa's request envelope in, the skill's response out.

This file only wires parts together (settings, the DynamoDB store, the skill from
``skill.alexa.skill_builder``); the conversation lives in ``skill/alexa``. The skill and its store are built
on the first request and kept for the life of the container, so warm turns pay for neither. Imports are
kept to what every turn needs, because Alexa's user waits through a cold start (see docs/deploy.md for the
measured figures). The Lambda context goes to ``invoke`` so the turn's deadline is cut to the time the function
has left (``skill.alexa.turn_deadline``): a cold start that used 3 of the 7 s leaves the store 2 s, and a store
that cannot answer in that time costs a kind "try again in a minute", never a timed-out function.
"""

from __future__ import annotations

import gc
from functools import cache
from typing import TYPE_CHECKING, Any

from skill import settings
from skill.aws_clients import open_dynamo_store, required_env
from skill.observability import build_logger, build_metrics, use_metrics

if TYPE_CHECKING:
    from ask_sdk_core.skill import CustomSkill

logger = build_logger("alexa")
metrics = build_metrics()
use_metrics(metrics)


@cache
def built_skill() -> CustomSkill:
    """The skill with its store, built once per cold start."""
    from skill.alexa.skill_builder import build_skill

    custom_skill: CustomSkill = build_skill(open_dynamo_store(), skill_id=required_env(settings.SKILL_ID))
    gc.freeze()  # what the container keeps for its life, out of the collector's sight (see `dosekeeper serve`)
    return custom_skill


@metrics.log_metrics(raise_on_empty_metrics=False)
@logger.inject_lambda_context(log_event=False, clear_state=True)  # the envelope holds what people say
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """What ask-sdk-core's ``SkillBuilder.lambda_handler()`` does, with the skill reused across turns."""
    from skill.alexa.serializer import AlexaSerializer

    custom_skill = built_skill()
    envelope = AlexaSerializer().envelope_from_dict(event)  # the event is already a dict: no JSON round trip
    if envelope is None:
        raise ValueError("not an Alexa request envelope")
    request = envelope.request
    logger.info("alexa request", extra={"request_type": getattr(request, "object_type", None)})
    response = custom_skill.invoke(request_envelope=envelope, context=context)
    serialized: dict[str, Any] = custom_skill.serializer.serialize(response)  # type: ignore[assignment]
    return serialized
