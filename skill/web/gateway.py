"""The web app behind an API Gateway HTTP API (payload format 2.0), adapted by apig-wsgi.

Who is asking matters for the sign-in limit (flask-limiter keys on ``REMOTE_ADDR``). For a 2.0 event
apig-wsgi sets ``REMOTE_ADDR`` from ``requestContext.http.sourceIp``: the address API Gateway saw the
connection come from. A caller's own ``X-Forwarded-For`` header only becomes ``HTTP_X_FORWARDED_FOR``, so no
ProxyFix is wanted here: one would make the limit trust a header the caller writes.

A 1.0 event (a REST API, or an HTTP API set to the old format) is refused: for those apig-wsgi takes
``REMOTE_ADDR`` from the *first* X-Forwarded-For entry, which any caller can forge to dodge the limit.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from apig_wsgi import make_lambda_handler
from flask import Flask

from skill.observability import get_logger

LambdaHandler = Callable[[dict[str, Any], Any], dict[str, Any]]
PAYLOAD_VERSION = "2.0"

log = get_logger(__name__)


def gateway_handler(app: Flask) -> LambdaHandler:
    adapter: LambdaHandler = make_lambda_handler(app, binary_support=True)

    def handle(event: dict[str, Any], context: Any) -> dict[str, Any]:
        if event.get("version") != PAYLOAD_VERSION:
            log.error("refused an API Gateway event of payload format %r: set PayloadFormatVersion to 2.0",
                      event.get("version"))
            return {"statusCode": 500, "headers": {"Content-Type": "application/json"},
                    "body": json.dumps({"error": "misconfigured", "message": "unsupported gateway payload"})}
        return adapter(event, context)

    return handle
