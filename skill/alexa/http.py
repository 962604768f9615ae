"""`POST /alexa` for self-hosting: verify the request is Alexa's, then run it through the same skill as Lambda.

The endpoint is its own small Flask app, put in front of the web app by path (`with_alexa`), because none of
the web app's per-request work applies to it: no session cookie, no CSRF form, no signed-in user, no rate
limit (the signature check is its gate, and a speaker's turn must never be refused for being quick). That
work was most of a turn's CPU on a self-hosted server.

The skill answers inside its own turn deadline (`skill.alexa.turn_deadline`), so a locked SQLite file costs a
kind spoken answer within about 5 s, well before Alexa's 8. Any verification failure is HTTP 400 with a JSON
error that says nothing about why (the reason is logged, without request content), so a forger learns nothing
and the skill never sees the request.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from ask_sdk_core.skill import CustomSkill
from flask import Blueprint, Flask, Response, request

from skill.alexa.serializer import AlexaSerializer
from skill.alexa.verification import RequestVerifier, VerificationError, verify_request
from skill.observability import get_logger

logger = get_logger(__name__)


def _json(data: Any, status: int) -> Response:
    return Response(json.dumps(data), status=status, mimetype="application/json")


def alexa_blueprint(skill: CustomSkill, verifiers: Sequence[RequestVerifier]) -> Blueprint:
    """`verifiers=[]` only for `--allow-unsigned` on a loopback address (the CLI enforces that)."""
    blueprint = Blueprint("alexa", __name__)
    serializer = AlexaSerializer()
    from_dict = serializer.envelope_from_dict

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


MAX_BODY = 1024 * 1024  # Alexa's requests are a few kilobytes


def alexa_app(skill: CustomSkill, verifiers: Sequence[RequestVerifier]) -> Flask:
    app = Flask("dosekeeper.alexa")
    app.config.update(MAX_CONTENT_LENGTH=MAX_BODY)
    app.register_blueprint(alexa_blueprint(skill, verifiers))
    return app


def with_alexa(web: Flask, alexa: Flask) -> Flask:
    """`web`, with every request for /alexa answered by `alexa` instead (Flask's own middleware slot, so the
    test client and any WSGI server see one app)."""
    inner = web.wsgi_app

    def route(environ: dict[str, Any], start_response: Any) -> Any:
        if environ.get("PATH_INFO") == "/alexa":
            return alexa.wsgi_app(environ, start_response)
        return inner(environ, start_response)

    web.wsgi_app = route  # type: ignore[method-assign]
    return web
