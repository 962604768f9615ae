"""Real receivers on loopback for the alert tests: an SMTP server (aiosmtpd), a webhook endpoint and an
HTTP stand-in for the SES and SNS endpoints (boto3 pointed at it with an endpoint URL).

Each receiver can be made slow for its next requests (`holds`), without a sleep: `HANG_UP` holds the
answer until the client gives up and closes the connection (a timeout after the request was sent), and
`outlast(seconds)` holds it until a probe socket with that timeout has timed out, which proves the answer
came later than a client with that timeout would have waited.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message as EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller

from tests.support.servers import free_port

Hold = Callable[[], None] | None  # blocks until the receiver may answer; None = until the client hangs up
HANG_UP: Hold = None


def outlast(seconds: float) -> Hold:
    """A hold that ends only after a socket read with `seconds` timeout has timed out (the OS's clock)."""

    def hold() -> None:
        with socket.socket() as listener, socket.socket() as probe:
            listener.bind(("127.0.0.1", 0))
            listener.listen(1)
            probe.connect(listener.getsockname())
            probe.settimeout(seconds)
            try:
                probe.recv(1)
            except TimeoutError:
                return
            raise AssertionError("the probe socket got data it was never sent")

    return hold


class Inbox:
    """What the SMTP server received. Each held DATA is stored first (the server took it) and answered late."""

    def __init__(self, holds: list[Hold] | None = None) -> None:
        self.messages: list[EmailMessage] = []
        self.holds = list(holds or [])
        self.hung_up = 0  # DATA answers the client did not wait for
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self._lock:
            self.messages.append(message_from_bytes(envelope.content))
            if not self.holds:
                return "250 OK"
            hold = self.holds.pop(0)
        if hold is not None:
            await asyncio.get_running_loop().run_in_executor(None, hold)
            return "250 OK"
        try:
            await asyncio.Event().wait()  # aiosmtpd cancels this when the client closes the connection
        finally:
            self.hung_up += 1
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]


@contextmanager
def smtp_server(port: int | None = None, inbox: Inbox | None = None) -> Iterator[tuple[int, Inbox]]:
    inbox = inbox or Inbox()
    port = port or free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, inbox
    finally:
        controller.stop()


@dataclass
class Hooks:
    requests: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    status: int = 204
    holds: list[Hold] = field(default_factory=list)

    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(body) for _, body in self.requests]

    def next_hold(self) -> tuple[bool, Hold]:
        return (True, self.holds.pop(0)) if self.holds else (False, None)


def _hold_answer(handler: BaseHTTPRequestHandler, held: bool, hold: Hold) -> bool:
    """Run a hold; False when the client hung up meanwhile (so no answer is written)."""
    if not held:
        return True
    if hold is not None:
        hold()
        return True
    handler.connection.settimeout(None)
    while handler.connection.recv(1024):  # until the client closes its end
        pass
    return False


@contextmanager
def webhook_server(port: int = 0, hooks: Hooks | None = None) -> Iterator[tuple[str, Hooks]]:
    received = hooks or Hooks()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            received.requests.append((dict(self.headers.items()), body))
            if not _hold_answer(self, *received.next_hold()):
                return
            self.send_response(received.status)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    ThreadingHTTPServer.allow_reuse_address = True
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hooks/dose", received
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def silent_server() -> Iterator[int]:
    """Accepts TCP connections (the kernel's backlog) but never reads or answers: a hung receiver."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    try:
        yield int(sock.getsockname()[1])
    finally:
        sock.close()


@dataclass
class AwsCalls:
    """What the SES/SNS stand-in received: (path, headers, body) per request."""

    requests: list[tuple[str, dict[str, str], bytes]] = field(default_factory=list)
    holds: list[Hold] = field(default_factory=list)

    def next_hold(self) -> tuple[bool, Hold]:
        return (True, self.holds.pop(0)) if self.holds else (False, None)


_SNS_PUBLISHED = (b'<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult>'
                  b"<MessageId>m-1</MessageId></PublishResult><ResponseMetadata><RequestId>r-1</RequestId>"
                  b"</ResponseMetadata></PublishResponse>")


@contextmanager
def aws_endpoint(calls: AwsCalls | None = None) -> Iterator[tuple[str, AwsCalls]]:
    """Answers SESv2 SendEmail (JSON) and SNS Publish (query/XML) as the services do when they accept."""
    received = calls or AwsCalls()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            received.requests.append((self.path, dict(self.headers.items()), body))
            if not _hold_answer(self, *received.next_hold()):
                self.close_connection = True
                return
            if self.path.startswith("/v2/email/outbound-emails"):
                answer, kind = b'{"MessageId":"m-1"}', "application/json"
            else:
                answer, kind = _SNS_PUBLISHED, "text/xml"
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", received
    finally:
        server.shutdown()
        server.server_close()
