"""`dosekeeper store init`: the one command that may create a store."""

from __future__ import annotations

import click

from skill.cli.common import store_from_context


@click.group()
def store() -> None:
    """Manage the store."""


@store.command("init")
@click.pass_context
def init(ctx: click.Context) -> None:
    """Create the SQLite schema or the DynamoDB table (safe to run again).

    On AWS the stack creates the table with backups and deletion protection: use this for local servers.
    """
    store_from_context(ctx, create=True)
    click.echo("store ready")
