"""Sorting AWS errors into "try again later", "will never work" and "may have gone", for SES and SNS.

A connect error proves nothing was sent; an error answer (throttled, 5xx) says the request was not taken.
A read timeout or a connection dropped after the request went out proves nothing either way: SES or SNS
may have accepted the message, so the outbox treats it as an unknown outcome (retried at most once).
"""

from __future__ import annotations

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    HTTPClientError,
)

from skill.notify.channel import DeliveryError

_TRANSIENT_CODES = frozenset({
    "Throttling", "ThrottlingException", "ThrottledException", "TooManyRequestsException",
    "RequestLimitExceeded", "InternalError", "InternalFailure", "InternalServerError", "ServiceUnavailable",
    "KMSThrottlingException", "LimitExceededException",
})


def delivery_error(service: str, exc: Exception) -> DeliveryError:
    if isinstance(exc, ClientError):
        code = str(exc.response.get("Error", {}).get("Code", "Unknown"))
        status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
        transient = code in _TRANSIENT_CODES or status >= 500 or status == 429
        return DeliveryError(f"{service} {code}", transient=transient)
    if isinstance(exc, ConnectTimeoutError | EndpointConnectionError):  # never reached the service
        return DeliveryError(f"{service} {type(exc).__name__}", transient=True)
    if isinstance(exc, HTTPClientError):  # read timeout, connection reset mid-answer
        return DeliveryError(f"{service} {type(exc).__name__}", transient=True, outcome_unknown=True)
    if isinstance(exc, BotoCoreError):
        return DeliveryError(f"{service} {type(exc).__name__}", transient=True)
    return DeliveryError(f"{service} {type(exc).__name__}", transient=True)
