"""A local fake of Alexa's Reminders and Settings APIs: a real HTTP server on 127.0.0.1, port 0.

Point an envelope's `context.System.apiEndpoint` at `url` and ask-sdk's own service clients talk to it.
`mode` makes it answer normally ("ok"), fail ("fail": HTTP 500), or hang until the test ends ("hang").
"""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_model.services.api_configuration import ApiConfiguration
from ask_sdk_model.services.reminder_management.reminder_management_service_client import (
    ReminderManagementServiceClient,
)

from skill.alexa.api_client import TimeoutApiClient

REMINDERS = "/v1/alerts/reminders"


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: dict[str, Any] | None


@dataclass
class FakeAlexaApis:
    url: str = ""
    mode: str = "ok"
    time_zone: str = "Europe/London"
    requests: list[Seen] = field(default_factory=list)
    reminders: dict[str, dict[str, Any]] = field(default_factory=dict)
    release: threading.Event = field(default_factory=threading.Event)
    _tokens: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def calls(self, method: str, prefix: str = REMINDERS) -> list[Seen]:
        return [r for r in self.requests if r.method == method and r.path.startswith(prefix)]

    def spoken(self) -> list[str]:
        """What every reminder now set would say, sorted: what Amazon keeps and shows in the Alexa app."""
        return sorted(str(r["alertInfo"]["spokenInfo"]["content"][0]["text"]) for r in self.reminders.values())

    def client(self) -> ReminderManagementServiceClient:
        """ask-sdk's own Reminders client pointed here, as Alexa's service client factory would build it."""
        return ReminderManagementServiceClient(ApiConfiguration(
            serializer=DefaultSerializer(), api_client=TimeoutApiClient(connect_timeout=10, read_timeout=10),
            authorization_value="test-api-token", api_endpoint=self.url))

    def answer(self, method: str, path: str, body: dict[str, Any] | None) -> tuple[int, Any]:
        if path.endswith("/settings/System.timeZone") and method == "GET":
            return 200, self.time_zone
        if path == REMINDERS and method == "POST":
            token = f"tok-{next(self._tokens)}"
            self.reminders[token] = dict(body or {}, alertToken=token, status="ON")
            return 200, self._created(token)
        if path.startswith(REMINDERS + "/"):
            token = path.rsplit("/", 1)[1]
            if token not in self.reminders:
                return 404, {"code": "NOT_FOUND", "message": "no such reminder"}
            if method == "DELETE":
                del self.reminders[token]
                return 200, {}
            if method == "PUT":
                self.reminders[token] = dict(body or {}, alertToken=token, status="ON")
                return 200, self._created(token)
            if method == "GET":
                return 200, self.reminders[token]
        return 404, {"code": "NOT_FOUND", "message": "unknown path"}

    @staticmethod
    def _created(token: str) -> dict[str, Any]:
        return {"alertToken": token, "createdTime": "2026-11-25T08:00:00.000Z",
                "updatedTime": "2026-11-25T08:00:00.000Z", "status": "ON", "version": "1",
                "href": f"{REMINDERS}/{token}"}


@contextmanager
def fake_alexa_apis() -> Iterator[FakeAlexaApis]:
    fake = FakeAlexaApis()

    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            body = json.loads(raw) if raw else None
            fake.requests.append(Seen(self.command, self.path, dict(self.headers.items()), body))
            if fake.mode == "hang":
                fake.release.wait()
                return
            status, payload = (500, {"code": "INTERNAL_ERROR"}) if fake.mode == "fail" else fake.answer(
                self.command, self.path, body)
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_DELETE = _serve

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        fake.release.set()
        server.shutdown()
        server.server_close()
