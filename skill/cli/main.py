"""The `dosekeeper` command group: global options, and each area's commands registered in one place."""

from __future__ import annotations

import importlib

import click

from skill import __version__, settings

# (module, attribute): each area's commands live in their own module under skill/cli/.
COMMANDS: tuple[tuple[str, str], ...] = (
    ("skill.cli.store_cmd", "store"),
    ("skill.cli.recipients", "recipient"),
    ("skill.cli.medications", "med"),
    ("skill.cli.doses", "doses"),
    ("skill.cli.doses", "log"),
    ("skill.cli.contacts", "contact"),
    ("skill.cli.sweep", "sweep"),
    ("skill.cli.sweep", "notifications"),
    ("skill.cli.users", "user"),
    ("skill.cli.chat", "chat"),
    ("skill.cli.serve", "serve"),
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--store", "store_url", envvar=settings.STORE, default=None, metavar="URL",
              help="sqlite:///path.db or dynamodb://TABLE (env DOSEKEEPER_STORE; default: a file in your data dir).")
@click.version_option(__version__, prog_name="dosekeeper")
@click.pass_context
def cli(ctx: click.Context, store_url: str | None) -> None:
    """DoseKeeper: medication reminders on Alexa, with carer alerts."""
    ctx.ensure_object(dict)["store_url"] = store_url or settings.default_store_url()


for module_name, attribute in COMMANDS:
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:  # an area not built yet
        if exc.name != module_name:
            raise
        continue
    cli.add_command(getattr(module, attribute))
