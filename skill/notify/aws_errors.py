"""Sorting AWS errors into "try again later" and "will never work", for the SES and SNS channels."""

from __future__ import annotations

from botocore.exceptions import BotoCoreError, ClientError

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
    if isinstance(exc, BotoCoreError):  # connection failures, read timeouts
        return DeliveryError(f"{service} {type(exc).__name__}", transient=True)
    return DeliveryError(f"{service} {type(exc).__name__}", transient=True)
