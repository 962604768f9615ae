"""`POST /alexa` for self-hosting: verify the request is Alexa's, then run it through the same skill as Lambda.

The skill answers inside its own turn deadline (`skill.alexa.turn_deadline`), so a locked SQLite file costs a
kind spoken answer within about 5 s, well before Alexa's 8. Any verification failure is HTTP 400 with a JSON
error that says nothing about why (the reason is logged, without request content), so a forger learns nothing
and the skill never sees the request.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_core.skill import CustomSkill
from ask_sdk_model.request_envelope import RequestEnvelope
from flask import Blueprint, Response, request

from skill.alexa.verification import RequestVerifier, VerificationError, verify_request
from skill.observability import get_logger

logger = get_logger(__name__)


def _json(data: Any, status: int) -> Response:
    return Response(json.dumps(data), status=status, mimetype="application/json")


def alexa_blueprint(skill: CustomSkill, verifiers: Sequence[RequestVerifier]) -> Blueprint:
    """`verifiers=[]` only for `--allow-unsigned` on a loopback address (the CLI enforces that)."""
    blueprint = Blueprint("alexa", __name__)
    serializer = DefaultSerializer()
    # ask-sdk's own model builder (DefaultSerializer.deserialize minus its json.loads of a string)
    build_model = serializer._DefaultSerializer__deserialize  # type: ignore[attr-defined]

    def from_dict(data: dict[str, Any]) -> RequestEnvelope | None:
        envelope = build_model(data, RequestEnvelope)
        return envelope if isinstance(envelope, RequestEnvelope) else None

    @blueprint.post("/alexa")
    def alexa() -> Response:
        body = request.get_data(cache=False)
        try:
            envelope_data = verify_request(verifiers, dict(request.headers), body)
        except VerificationError as exc:
            logger.warning("alexa request refused", extra={"reason": exc.reason})
            return _json({"error": "bad request"}, 400)
        try:  # from the dict verification parsed: the body is parsed once, never re-encoded
            envelope = from_dict(envelope_data)
        except Exception:
            return _json({"error": "bad request"}, 400)
        if envelope is None or envelope.request is None or envelope.context is None:
            return _json({"error": "bad request"}, 400)
        try:
            response = skill.invoke(request_envelope=envelope, context=None)
        except Exception as exc:
            logger.warning("alexa request not handled", extra={"error": type(exc).__name__})
            return _json({"error": "bad request"}, 400)
        return _json(serializer.serialize(response), 200)

    return blueprint
