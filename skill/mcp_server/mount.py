"""Building the MCP endpoint for `dosekeeper serve`: the server, its HTTP app and the WSGI adapter."""

from __future__ import annotations

from urllib.parse import urlsplit

from mcp.server.transport_security import TransportSecuritySettings

from skill.mcp_server.server import Clock, build_mcp_server
from skill.mcp_server.wsgi import AsgiInThread
from skill.store.base import Store

MCP_PATH = "/mcp"
MCP_PREFIXES = (MCP_PATH, "/.well-known/oauth-protected-resource")


def host_check(public_url: str) -> TransportSecuritySettings:
    """DNS-rebinding protection: only the public host (and loopback, for the operator's own tools)."""
    parts = urlsplit(public_url)
    origin = f"{parts.scheme}://{parts.netloc}"
    return TransportSecuritySettings(
        enable_dns_rebinding_protection=True,
        allowed_hosts=[parts.netloc, "127.0.0.1:*", "localhost:*", "[::1]:*"],
        allowed_origins=[origin, "http://127.0.0.1:*", "http://localhost:*", "http://[::1]:*"])


def mcp_endpoint(store: Store, clock: Clock, public_url: str) -> AsgiInThread:
    """The endpoint at `public_url` + /mcp, started (close it on shutdown)."""
    base = public_url.rstrip("/")
    server = build_mcp_server(store, clock, issuer_url=base, resource_url=base + MCP_PATH)
    app = server.streamable_http_app(streamable_http_path=MCP_PATH, stateless_http=True, json_response=True,
                                     transport_security=host_check(base))
    return AsgiInThread(app, server.session_manager.run())
