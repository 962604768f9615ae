"""`dosekeeper assist ...`: Home Assistant Assist: export its configuration, make or revoke a person's token."""

from __future__ import annotations

from pathlib import Path

import click

from skill.assist import tokens
from skill.assist.export import DEFAULT_BASE_URL, export, write
from skill.cli.common import fail, friendly_errors, now, resolve_recipient, store_from_context
from skill.voice_grammar.grammar import GrammarError, available_locales


@click.group()
def assist() -> None:
    """Talk to DoseKeeper through Home Assistant's local voice (Assist)."""


@assist.command("export")
@click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder to write into (created if missing).")
@click.option("--locale", default="en-GB", show_default=True, help="Grammar locale, e.g. en-GB or en-US.")
@click.option("--base-url", default=DEFAULT_BASE_URL, show_default=True,
              help="Where Home Assistant reaches DoseKeeper (the address `dosekeeper serve` listens on).")
@click.option("--recipient", "recipient_ref", default=None, metavar="RECIPIENT",
              help="Add this person's medicine names and a check-in at each of their dose times.")
@click.pass_context
@friendly_errors
def export_command(ctx: click.Context, out: Path, locale: str, base_url: str, recipient_ref: str | None) -> None:
    """Write custom sentences, intent scripts, check-in automations and a README for Home Assistant."""
    if locale not in available_locales():
        fail(f"unknown locale {locale!r}: choose one of {', '.join(available_locales())}")
    if not base_url.startswith(("http://", "https://")):
        fail("--base-url must start with http:// or https://")
    medications = None
    if recipient_ref is not None:
        store = store_from_context(ctx)
        person = resolve_recipient(store, recipient_ref)
        medications = store.list_medications(person.id)
    try:
        files = export(locale, base_url, medications)
    except GrammarError as exc:
        fail(f"grammar error: {exc}")
    for path in write(out, files):
        click.echo(f"wrote {path}")


@assist.command("token")
@click.argument("recipient_ref", metavar="RECIPIENT")
@click.pass_context
@friendly_errors
def token(ctx: click.Context, recipient_ref: str) -> None:
    """Make a token that lets one Home Assistant speak for this person (shown once)."""
    store = store_from_context(ctx)
    person = resolve_recipient(store, recipient_ref)
    secret = tokens.issue(store, person.id, now())
    click.echo(f'dosekeeper_assist_authorization: "Bearer {secret}"')
    click.echo("Put this line in Home Assistant's secrets.yaml; it is not shown again.", err=True)


@assist.command("revoke")
@click.argument("recipient_ref", metavar="RECIPIENT")
@click.pass_context
@friendly_errors
def revoke(ctx: click.Context, recipient_ref: str) -> None:
    """Revoke every Home Assistant token of this person (their Alexa links stay)."""
    store = store_from_context(ctx)
    person = resolve_recipient(store, recipient_ref)
    click.echo(f"revoked {tokens.revoke_all(store, person.id, now())} token(s)")
