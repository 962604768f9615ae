"""Serving the MCP endpoint from the same WSGI server (waitress) and port as the web app.

The SDK is ASGI; the web app, `dosekeeper serve` and the Lambda adapter are WSGI. Rather than move every
page onto an ASGI server, the MCP app is adapted *into* WSGI (a2wsgi's `ASGIMiddleware`), running on one
event loop in a thread of its own, where the SDK's session manager is kept open for the life of the
process. This works because the server is stateless and answers in JSON (no long-lived SSE stream holds a
WSGI thread). Requests for the endpoint and its protected-resource metadata go to the MCP app; everything
else to Flask, unchanged.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterable
from contextlib import AbstractAsyncContextManager
from typing import Any

from a2wsgi import ASGIMiddleware

Wsgi = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
START_TIMEOUT = 30.0  # seconds for the session manager to start (a loaded 2-core machine is slow)


class AsgiInThread:
    """An ASGI app as a WSGI app: its loop in a daemon thread, its lifespan entered once, left on `close`."""

    def __init__(self, app: Any, lifespan: AbstractAsyncContextManager[Any]) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="mcp-loop", daemon=True)
        self._thread.start()
        self._started = threading.Event()
        self._stop: asyncio.Event | None = None
        self._life = asyncio.run_coroutine_threadsafe(self._live(lifespan), self._loop)
        if not self._started.wait(START_TIMEOUT):
            raise RuntimeError("the MCP session manager did not start")
        if self._life.done():
            self._life.result()  # raises what stopped it
        self.wsgi: Any = ASGIMiddleware(app, loop=self._loop)

    async def _live(self, lifespan: AbstractAsyncContextManager[Any]) -> None:
        self._stop = asyncio.Event()
        try:
            async with lifespan:
                self._started.set()
                await self._stop.wait()
        finally:
            self._started.set()

    def close(self) -> None:
        if self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._life.result(timeout=START_TIMEOUT)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=START_TIMEOUT)
        self._loop.close()


class PathDispatch:
    """Sends the MCP paths to the MCP app and everything else to the web app. `mcp` may be mounted after
    the server has bound its port (the endpoint's public URL needs the port when `--port 0` picks one)."""

    def __init__(self, web: Wsgi, prefixes: tuple[str, ...]) -> None:
        self.web, self.prefixes = web, prefixes
        self.mcp: Wsgi | None = None

    def mount(self, mcp: Wsgi) -> None:
        self.mcp = mcp

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = str(environ.get("PATH_INFO", ""))
        if self.mcp is not None and any(path == p or path.startswith(p + "/") for p in self.prefixes):
            return self.mcp(environ, start_response)
        return self.web(environ, start_response)
