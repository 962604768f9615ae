"""Webhooks: an HTTPS POST of the alert as JSON, signed so the receiver can tell it came from us.

Headers: `X-DoseKeeper-Timestamp` (Unix seconds) and `X-DoseKeeper-Signature: sha256=<hex>`, the
HMAC-SHA256 of "<timestamp>.<body>" under the deployment's webhook key. Signing the timestamp with the
body lets a receiver refuse replays (`verify` below rejects signatures older than five minutes).
`X-DoseKeeper-Delivery` carries the deduplication key, so a receiver can drop a retried delivery.
Plain http is accepted only for loopback addresses (tests, a relay on the same host).
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import ipaddress
import json
import time
from collections.abc import Callable, Mapping
from urllib.parse import urlsplit

from skill.domain.alerts import Message
from skill.domain.errors import ValidationError
from skill.notify.channel import DEFAULT_TIMEOUT_SECONDS, DeliveryError

TIMESTAMP_HEADER = "X-DoseKeeper-Timestamp"
SIGNATURE_HEADER = "X-DoseKeeper-Signature"
DELIVERY_HEADER = "X-DoseKeeper-Delivery"
REPLAY_WINDOW_SECONDS = 300


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_webhook_url(url: str) -> str:
    """Accept https URLs, and http only to loopback; anything else is a mistake worth refusing early."""
    parts = urlsplit(url.strip())
    if not parts.hostname or parts.scheme not in ("https", "http"):
        raise ValidationError("the webhook must be an https:// URL")
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        raise ValidationError("the webhook must use https:// (plain http only to this machine)")
    if parts.username or parts.password:
        raise ValidationError("put no credentials in the webhook URL: receivers verify the signature instead")
    return url.strip()


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


class WebhookChannel:
    name = "webhook"

    def __init__(self, secret: bytes, *, timeout: float = DEFAULT_TIMEOUT_SECONDS,
                 clock: Callable[[], float] = time.time) -> None:
        if not secret:
            raise ValidationError("a webhook signing key is needed (DOSEKEEPER_WEBHOOK_SECRET)")
        self.secret = secret
        self.timeout = timeout
        self.clock = clock

    def body(self, message: Message) -> bytes:
        payload = {"delivery": message.key, "subject": message.subject, "text": message.text, **message.data}
        return json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()

    def send(self, message: Message) -> None:
        try:
            url = urlsplit(check_webhook_url(message.address))
        except ValidationError as exc:
            raise DeliveryError("webhook URL refused", transient=False) from exc
        body = self.body(message)
        timestamp = str(int(self.clock()))
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "DoseKeeper-Webhook/1",
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: sign(self.secret, timestamp, body),
            DELIVERY_HEADER: message.key,
        }
        host = url.hostname or ""
        conn_type = http.client.HTTPSConnection if url.scheme == "https" else http.client.HTTPConnection
        conn = conn_type(host, url.port, timeout=self.timeout)
        path = (url.path or "/") + (f"?{url.query}" if url.query else "")
        try:
            conn.request("POST", path, body=body, headers=headers)
            status = conn.getresponse().status
        except (OSError, http.client.HTTPException) as exc:  # refused, timed out, TLS, bad response
            raise DeliveryError(f"webhook unreachable: {type(exc).__name__}", transient=True) from exc
        finally:
            conn.close()
        if 200 <= status < 300:
            return
        # Redirects are not followed: a signed alert goes only where the carer pointed it.
        transient = status >= 500 or status in (408, 425, 429)
        raise DeliveryError(f"webhook answered {status}", transient=transient)
