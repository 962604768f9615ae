"""`dosekeeper store init`."""

from __future__ import annotations

import click

from skill.cli.common import store_from_context


@click.group()
def store() -> None:
    """Manage the store."""


@store.command("init")
@click.pass_context
def init(ctx: click.Context) -> None:
    """Create the schema or table (safe to run again)."""
    store_from_context(ctx)  # opening runs init(), which is idempotent
    click.echo("store ready")
