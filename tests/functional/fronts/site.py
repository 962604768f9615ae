"""`dosekeeper serve`'s one WSGI site (web app with POST /assist, and the MCP endpoint mounted beside it as
serve mounts it), on a real loopback port in this process (werkzeug's server: it stops cleanly from another
thread), so the fronts behind HTTP run on the scenario's injected clock (a separate
`dosekeeper serve` process would read the real one)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from werkzeug.serving import make_server

from skill.mcp_server.mount import MCP_PREFIXES, mcp_endpoint
from skill.mcp_server.wsgi import PathDispatch
from skill.web.app import WebConfig, create_app
from tests.functional.fronts.world import World

STOP_TIMEOUT = 30.0  # seconds; generous for a loaded 2-core machine


@contextmanager
def serving(world: World) -> Iterator[str]:
    """The site's base URL while the block runs."""
    app = create_app(world.store, WebConfig(secret_key="test", secure_cookies=False, clock=world.clock))
    dispatch = PathDispatch(app, MCP_PREFIXES)
    server = make_server("127.0.0.1", 0, dispatch, threaded=True)
    base_url = f"http://127.0.0.1:{server.server_port}"
    mcp = mcp_endpoint(world.store, world.clock, base_url)
    dispatch.mount(mcp.wsgi)
    thread = threading.Thread(target=server.serve_forever, name="fronts-site", daemon=True)
    thread.start()
    try:
        yield base_url
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=STOP_TIMEOUT)
        mcp.close()
