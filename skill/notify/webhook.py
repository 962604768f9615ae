"""Webhooks: an HTTPS POST of the alert as JSON, signed so the receiver can tell it came from us.

Headers: `X-DoseKeeper-Timestamp` (Unix seconds) and `X-DoseKeeper-Signature: sha256=<hex>`, the
HMAC-SHA256 of "<timestamp>.<body>" under the deployment's webhook key. Signing the timestamp with the
body lets a receiver refuse replays (`verify` below rejects signatures older than five minutes).
`X-DoseKeeper-Delivery` carries the deduplication key, the same on every copy of one alert, so a
receiver can drop a retried delivery (a copy is sent again at most once, when an earlier POST got no answer).

Where it may go is decided in `webhook_targets`: https to a public address, checked again after DNS
resolution, with the connection pinned to the checked address; redirects are never followed; plain http and
private hosts only when the operator allows them (`DOSEKEEPER_WEBHOOK_ALLOW_HOSTS`).
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import socket
import time
from collections.abc import Callable, Mapping

from skill.domain.alerts import Message
from skill.domain.errors import ValidationError
from skill.notify.channel import DEFAULT_TIMEOUT_SECONDS, DeliveryError
from skill.notify.webhook_targets import (
    AllowList,
    Resolver,
    Target,
    TargetRefused,
    check_webhook_url,
    resolve_target,
    system_resolver,
)

TIMESTAMP_HEADER = "X-DoseKeeper-Timestamp"
SIGNATURE_HEADER = "X-DoseKeeper-Signature"
DELIVERY_HEADER = "X-DoseKeeper-Delivery"
REPLAY_WINDOW_SECONDS = 300


def sign(secret: bytes, timestamp: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def verify(secret: bytes, headers: Mapping[str, str], body: bytes, now: float | None = None) -> bool:
    """What a receiver runs: the signature matches and the timestamp is recent."""
    lowered = {k.lower(): v for k, v in headers.items()}
    timestamp = lowered.get(TIMESTAMP_HEADER.lower(), "")
    signature = lowered.get(SIGNATURE_HEADER.lower(), "")
    if not timestamp.isdigit():
        return False
    if abs((time.time() if now is None else now) - int(timestamp)) > REPLAY_WINDOW_SECONDS:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), signature)


def _pinned_connection(target: Target, timeout: float) -> http.client.HTTPConnection:
    """A connection to the checked address that still speaks to the host by name (Host header, TLS SNI and
    certificate check), so what was checked is what is reached."""
    conn: http.client.HTTPConnection
    if target.scheme == "https":
        conn = http.client.HTTPSConnection(target.host, target.port, timeout=timeout)
    else:
        conn = http.client.HTTPConnection(target.host, target.port, timeout=timeout)

    def connect_pinned(address: tuple[str, int], wait: float | None = None,
                       source: tuple[str, int] | None = None) -> socket.socket:
        return socket.create_connection((target.address, address[1]), wait, source)

    conn._create_connection = connect_pinned  # type: ignore[attr-defined]
    return conn


class WebhookChannel:
    name = "webhook"

    def __init__(self, secret: bytes, *, timeout: float = DEFAULT_TIMEOUT_SECONDS,
                 clock: Callable[[], float] = time.time, allow: AllowList | None = None,
                 resolver: Resolver = system_resolver) -> None:
        if not secret:
            raise ValidationError("a webhook signing key is needed (DOSEKEEPER_WEBHOOK_SECRET)")
        self.secret = secret
        self.timeout = timeout
        self.clock = clock
        self.allow = AllowList.from_env() if allow is None else allow
        self.resolver = resolver

    def body(self, message: Message) -> bytes:
        payload = {"delivery": message.key, "subject": message.subject, "text": message.text, **message.data}
        return json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()

    def send(self, message: Message) -> None:
        try:
            target = resolve_target(message.address, self.allow, self.resolver)
        except TargetRefused as exc:
            raise DeliveryError("webhook address refused: not a public https address", transient=False) from exc
        except (OSError, ValueError) as exc:  # the name does not resolve (now)
            raise DeliveryError(f"webhook unreachable: {type(exc).__name__}", transient=True) from exc
        body = self.body(message)
        timestamp = str(int(self.clock()))
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "DoseKeeper-Webhook/1",
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: sign(self.secret, timestamp, body),
            DELIVERY_HEADER: message.key,
        }
        conn = _pinned_connection(target, self.timeout)
        try:
            try:
                conn.connect()
            except OSError as exc:  # refused, unreachable, TLS failure: nothing was sent
                raise DeliveryError(f"webhook unreachable: {type(exc).__name__}", transient=True) from exc
            try:
                conn.request("POST", target.path, body=body, headers=headers)
                status = conn.getresponse().status
            except (OSError, http.client.HTTPException) as exc:  # sent, but no (whole) answer
                raise DeliveryError(f"webhook no answer: {type(exc).__name__}", transient=True,
                                    outcome_unknown=True) from exc
        finally:
            conn.close()
        if 200 <= status < 300:
            return
        # Redirects are not followed: a signed alert goes only where the carer pointed it.
        transient = status >= 500 or status in (408, 425, 429)
        raise DeliveryError(f"webhook answered {status}", transient=transient)


__all__ = ["DELIVERY_HEADER", "SIGNATURE_HEADER", "TIMESTAMP_HEADER", "WebhookChannel", "check_webhook_url",
           "sign", "verify"]
