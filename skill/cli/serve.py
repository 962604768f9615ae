"""`dosekeeper serve`: one self-hosted process: web app, REST API, Alexa endpoint and the sweeper."""

from __future__ import annotations

import gc
import ipaddress
import secrets
import socket
from typing import Any

import click

from skill import settings
from skill.cli.common import fail, store_from_context
from skill.observability import get_logger, log_json_lines

log = get_logger(__name__)


def is_loopback(host: str) -> bool:
    """True only when every address the host name resolves to is a loopback address."""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError:
        return False
    return bool(infos) and all(ipaddress.ip_address(info[4][0]).is_loopback for info in infos)


def freeze_startup_objects() -> None:
    """Everything built so far (modules, the app, the skill) lives as long as the process: moved out of the
    collector's sight, so its full collections scan only what requests make (a few percent of each turn)."""
    gc.collect()
    gc.freeze()


def build_app(store: Any, *, host: str, skill_id: str | None, allow_unsigned: bool) -> Any:
    """The Flask app: pages and API (skill.web), plus POST /alexa, verified unless explicitly allowed."""
    from skill.alexa.http import alexa_app, with_alexa
    from skill.alexa.skill_builder import build_skill
    from skill.alexa.verification import standard_verifiers
    from skill.notify.factory import ChannelSettings, build_channels
    from skill.web.app import WebConfig, create_app

    secret = settings.env(settings.SECRET_KEY) or secrets.token_hex(32)
    app = create_app(store, WebConfig(secret_key=secret, secure_cookies=not is_loopback(host),
                                      public_url=settings.env(settings.PUBLIC_URL)),
                     email=build_channels(ChannelSettings.from_env()).get("email"))  # password-reset mails
    verifiers = [] if allow_unsigned else standard_verifiers(skill_id or "")
    return with_alexa(app, alexa_app(build_skill(store, skill_id=skill_id), verifiers))


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8080, show_default=True, type=click.IntRange(0, 65535))
@click.option("--skill-id", envvar=settings.SKILL_ID, default=None, help="Alexa skill id (env DOSEKEEPER_SKILL_ID).")
@click.option("--allow-unsigned", is_flag=True,
              help="Skip Alexa request verification (loopback only: for simulators and local testing).")
@click.option("--demo", is_flag=True, help="Load demo recipients, history and accounts if the store is empty.")
@click.option("--no-sweep", is_flag=True, help="Do not run the missed-dose sweep every minute.")
@click.pass_context
def serve(ctx: click.Context, host: str, port: int, skill_id: str | None, allow_unsigned: bool, demo: bool,
          no_sweep: bool) -> None:
    """Serve the web app, the REST API and the Alexa endpoint, and sweep for missed doses."""
    if allow_unsigned and not is_loopback(host):
        fail("--allow-unsigned is only allowed on a loopback host (127.0.0.1, ::1, localhost)")
    if not allow_unsigned and not skill_id:
        fail("set --skill-id (or DOSEKEEPER_SKILL_ID) so Alexa requests can be verified, "
             "or use --allow-unsigned on a loopback host")
    log_json_lines()  # stderr, one JSON object a line; stdout keeps the banner below for people and scripts
    store = store_from_context(ctx)
    if demo:
        from datetime import UTC, datetime

        from skill.demo import seed_demo

        accounts = seed_demo(store, datetime.now(UTC))
        click.echo(f"Demo data ready. Sign in as {accounts.carer_email} or {accounts.coordinator_email}, "
                   f"password: {accounts.password}")
    app = build_app(store, host=host, skill_id=skill_id, allow_unsigned=allow_unsigned)
    sweeper = None
    if not no_sweep:
        from skill.sweeper_thread import start_sweeper

        sweeper = start_sweeper(store)
    from waitress.server import create_server

    from skill.domain.models import utcnow
    from skill.mcp_server.mount import MCP_PREFIXES, mcp_endpoint
    from skill.mcp_server.wsgi import PathDispatch

    # One port for everything: the MCP app (ASGI) is adapted into this WSGI server, mounted once the port
    # is known, because its OAuth metadata names its public URL (skill/mcp_server/wsgi.py says why).
    dispatch = PathDispatch(app, MCP_PREFIXES)
    server = create_server(dispatch, host=host, port=port, threads=8)
    bound = getattr(server, "effective_port", port)  # the real port when --port 0 asked for any free one
    mcp = mcp_endpoint(store, utcnow, settings.env(settings.PUBLIC_URL) or f"http://{host}:{bound}")
    dispatch.mount(mcp.wsgi)
    freeze_startup_objects()
    click.echo(f"DoseKeeper on http://{host}:{bound}  (Alexa endpoint: POST /alexa, MCP endpoint: /mcp)")
    log.info("serving", extra={"host": host, "port": int(bound), "alexa_verified": not allow_unsigned,
                               "sweeping": sweeper is not None})
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        if sweeper is not None:
            sweeper.stop()
        server.close()
        mcp.close()
