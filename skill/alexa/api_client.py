"""An ApiClient for ask-sdk's service clients with short timeouts and a per-turn time budget.

ask-sdk-core's DefaultApiClient calls `requests` with no timeout; Alexa waits only 8 seconds for the whole
turn, so a slow Reminders or Settings API must cost us a degraded answer, never the turn. Plain http is
refused except to a loopback address (a local fake in tests or a simulator).

It speaks HTTP through urllib3 (what `requests` is built on) because boto3 has already loaded it: importing
`requests` as well would add about 35 ms to every Lambda cold start, which an older person waits through.
"""

from __future__ import annotations

import ipaddress
import json
import threading
import time
from typing import Any
from urllib.parse import urlsplit

import urllib3
from ask_sdk_core.exceptions import ApiClientException
from ask_sdk_model.services.api_client import ApiClient
from ask_sdk_model.services.api_client_request import ApiClientRequest
from ask_sdk_model.services.api_client_response import ApiClientResponse

CONNECT_TIMEOUT = 1.0
READ_TIMEOUT = 2.0


def _loopback(host: str | None) -> bool:
    if host == "localhost":
        return True
    try:
        return bool(host) and ipaddress.ip_address(host or "").is_loopback
    except ValueError:
        return False


class TimeoutApiClient(ApiClient):
    """HTTP with (connect, read) timeouts and no retries; `start_turn` caps the total time of one turn's calls."""

    def __init__(self, connect_timeout: float = CONNECT_TIMEOUT, read_timeout: float = READ_TIMEOUT) -> None:
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self._turn = threading.local()  # one skill serves many threads when self-hosted
        self._pool = urllib3.PoolManager(retries=False)

    def start_turn(self, budget_seconds: float) -> None:
        """Every outside call from now on in this thread shares `budget_seconds`."""
        self._turn.deadline = time.monotonic() + budget_seconds

    @property
    def deadline(self) -> float | None:
        value: float | None = getattr(self._turn, "deadline", None)
        return value

    def invoke(self, request: ApiClientRequest) -> ApiClientResponse:
        parts = urlsplit(request.url or "")
        if parts.scheme != "https" and not (parts.scheme == "http" and _loopback(parts.hostname)):
            raise ApiClientException("Requests against non-HTTPS endpoints are not allowed.")
        read = self.read_timeout
        if self.deadline is not None:
            read = min(read, self.deadline - time.monotonic())
            if read <= 0.05:
                raise ApiClientException("no time left in this turn for outside calls")
        headers: dict[str, str] = {}
        for key, value in request.headers or []:
            headers[key] = f"{headers[key]}, {value}" if key in headers else value
        body: Any = request.body
        if body is not None and not isinstance(body, (str, bytes)):
            body = json.dumps(body)
        timeout = urllib3.Timeout(connect=min(self.connect_timeout, read), read=read)
        try:
            response = self._pool.request(str(request.method), str(request.url), headers=headers, body=body,
                                          timeout=timeout, redirect=False)
        except urllib3.exceptions.HTTPError as exc:
            raise ApiClientException(f"outside call failed: {type(exc).__name__}") from None
        return ApiClientResponse(headers=list(response.headers.items()), status_code=response.status,
                                 body=response.data.decode("utf-8", errors="replace"))
