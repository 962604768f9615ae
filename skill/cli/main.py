"""The `dosekeeper` command group: global options, and each area's commands registered in one place."""

from __future__ import annotations

import click

from skill import __version__, settings
from skill.cli.assist import assist
from skill.cli.backup import backup, restore
from skill.cli.chat import chat
from skill.cli.common import FriendlyGroup
from skill.cli.contacts import contact
from skill.cli.deploy_check import deploy_check
from skill.cli.doses import doses, log
from skill.cli.medications import med
from skill.cli.recipients import recipient
from skill.cli.rollups import rollups
from skill.cli.serve import serve
from skill.cli.store_cmd import store
from skill.cli.sweep import notifications, sweep
from skill.cli.users import user


@click.group(cls=FriendlyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--store", "store_url", envvar=settings.STORE, default=None, metavar="URL",
              help="sqlite:///path.db or dynamodb://TABLE (env DOSEKEEPER_STORE; default: a file in your data dir).")
@click.version_option(__version__, prog_name="dosekeeper")
@click.pass_context
def cli(ctx: click.Context, store_url: str | None) -> None:
    """DoseKeeper: medication reminders on Alexa, with carer alerts."""
    ctx.ensure_object(dict)["store_url"] = store_url or settings.default_store_url()


for command in (store, recipient, med, doses, log, contact, sweep, notifications, user, chat, serve, deploy_check,
                backup, restore, rollups, assist):
    cli.add_command(command)
