"""How envelopes reach the skill: in this process (the console) or over HTTP (`dosekeeper serve`)."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Callable
from typing import Any

SkillCall = Callable[[dict[str, Any]], dict[str, Any]]


def in_process(skill: Any) -> SkillCall:
    """Call an ask-sdk CustomSkill exactly as a Lambda or web handler would: JSON in, JSON out."""
    from ask_sdk_core.serialize import DefaultSerializer
    from ask_sdk_model.request_envelope import RequestEnvelope

    serializer = DefaultSerializer()

    def call(envelope: dict[str, Any]) -> dict[str, Any]:
        request = serializer.deserialize(json.dumps(envelope), RequestEnvelope)
        response = skill.invoke(request, None)
        payload = serializer.serialize(response)
        return payload if isinstance(payload, dict) else {}

    return call


def over_http(url: str, timeout: float = 10.0) -> SkillCall:
    """POST each envelope to a skill endpoint (a simulator's view of the skill)."""

    def call(envelope: dict[str, Any]) -> dict[str, Any]:
        body = json.dumps(envelope).encode("utf-8")
        request = urllib.request.Request(url, data=body, method="POST",  # noqa: S310 - URL given by the operator
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=timeout) as reply:  # noqa: S310
            return json.loads(reply.read().decode("utf-8"))  # type: ignore[no-any-return]

    return call
