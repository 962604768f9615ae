"""AWS Lambda entry point for the carers' web app and REST API behind an API Gateway HTTP API.

The Flask app from ``skill.web.app`` is adapted to HTTP API events (payload format 2.0) by apig-wsgi; the
app, its store and its session key are built on the first request and reused while the container lives.
Request bodies, cookies and query strings are never logged: they carry passwords, tokens and health data.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.logging import correlation_paths

from skill import settings
from skill.aws_clients import open_dynamo_store, required_env
from skill.observability import build_logger, build_metrics, use_metrics

if TYPE_CHECKING:
    from flask import Flask

    from skill.web.config import WebConfig

LambdaHandler = Callable[[dict[str, Any], Any], dict[str, Any]]

logger = build_logger("web")
metrics = build_metrics()
use_metrics(metrics)


def web_config() -> WebConfig:
    """Settings for a public HTTPS deployment; the session key comes from Secrets Manager."""
    from skill.aws_clients import load_secret
    from skill.web.config import WebConfig

    return WebConfig(
        secret_key=load_secret(required_env(settings.SECRET_ARN)),
        secure_cookies=True,
        public_url=settings.env(settings.PUBLIC_URL),
    )


@cache
def web_app() -> Flask:
    from skill.web.app import create_app

    return create_app(open_dynamo_store(), web_config())


@cache
def wsgi_handler() -> LambdaHandler:
    """apig-wsgi puts the caller's address (requestContext.http.sourceIp) in REMOTE_ADDR, which the
    sign-in rate limit keys on; see skill.web.gateway for why no ProxyFix is wanted."""
    from skill.web.gateway import gateway_handler

    return gateway_handler(web_app())


def use_current_session_key(app: Flask) -> None:
    """A rotated key signs sessions from the next request on, without a cold start; the key it replaced
    still opens sessions signed before (Flask's SECRET_KEY_FALLBACKS), so rotating signs nobody out."""
    from skill.aws_clients import load_secret

    key = load_secret(required_env(settings.SECRET_ARN))  # cached; fetched again once it is max_age old
    if key != app.secret_key:
        app.config["SECRET_KEY_FALLBACKS"] = [app.secret_key]
        app.secret_key = key


@metrics.log_metrics(raise_on_empty_metrics=False)
@logger.inject_lambda_context(
    log_event=False, clear_state=True, correlation_id_path=correlation_paths.API_GATEWAY_HTTP
)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    use_current_session_key(web_app())
    response = wsgi_handler()(event, context)
    logger.info(
        "web request",
        extra={"method": event.get("requestContext", {}).get("http", {}).get("method"),
               "route": event.get("routeKey"), "status": response.get("statusCode")},
    )
    return response
