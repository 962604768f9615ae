"""`dosekeeper recipient ...`: the people who take the medicines."""

from __future__ import annotations

from dataclasses import replace

import click

from skill.cli.common import OPERATOR, echo_json, fail, friendly_errors, now, resolve_recipient, store_from_context
from skill.domain.models import Recipient, new_id
from skill.usecases.recipients import add_recipient, change_recipient, issue_link_code


@click.group()
def recipient() -> None:
    """Add and list care recipients."""


@recipient.command("add")
@click.option("--name", required=True, help="Name Alexa greets them by.")
@click.option("--timezone", "timezone", required=True, help="IANA zone, e.g. Europe/London.")
@click.option("--locale", default="en-GB", show_default=True)
@click.option("--grace", "grace_minutes", type=int, default=60, show_default=True,
              help="Minutes after a dose time before it counts as missed.")
@click.option("--organisation", default="default", show_default=True)
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
@friendly_errors
def add(ctx: click.Context, name: str, timezone: str, locale: str, grace_minutes: int, organisation: str,
        as_json: bool) -> None:
    """Add a recipient; prints their id and a fresh link code for their Alexa."""
    person = Recipient(id=new_id("rec"), display_name=name, timezone=timezone, locale=locale,
                       grace_minutes=grace_minutes, organisation=organisation)
    store = store_from_context(ctx)
    person, code = add_recipient(store, OPERATOR, now(), person)
    if as_json:
        echo_json({"id": person.id, "link_code": code.code, "link_code_expires_at": code.expires_at.isoformat()})
    else:
        click.echo(f"id: {person.id}")
        click.echo(f"link_code: {code.code} (say \"Alexa, ask Dose Keeper: my code is {code.code}\"; "
                   f"valid until {code.expires_at:%Y-%m-%d %H:%M} UTC)")


@recipient.command("list")
@click.option("--organisation", default=None)
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def list_(ctx: click.Context, organisation: str | None, as_json: bool) -> None:
    """List recipients."""
    people = store_from_context(ctx).list_recipients(organisation)
    if as_json:
        echo_json([{"id": p.id, "name": p.display_name, "timezone": p.timezone, "locale": p.locale,
                    "organisation": p.organisation} for p in people])
        return
    if not people:
        click.echo("No recipients yet: add one with `dosekeeper recipient add`.")
    for p in people:
        click.echo(f"{p.id}  {p.display_name}  {p.timezone}  {p.locale}")


@recipient.command("set")
@click.argument("recipient_id")
@click.option("--name", default=None)
@click.option("--timezone", "timezone", default=None, help="IANA zone; doses still to come move to it.")
@click.option("--locale", default=None)
@click.option("--grace", "grace_minutes", type=int, default=None)
@click.pass_context
@friendly_errors
def set_(ctx: click.Context, recipient_id: str, name: str | None, timezone: str | None, locale: str | None,
         grace_minutes: int | None) -> None:
    """Change a recipient's name, time zone, locale or grace window."""
    store = store_from_context(ctx)
    person = resolve_recipient(store, recipient_id)
    if name is None and timezone is None and locale is None and grace_minutes is None:
        fail("nothing to change: give --name, --timezone, --locale or --grace")
    updated = replace(  # validates before anything is saved
        person, display_name=person.display_name if name is None else name,
        timezone=timezone or person.timezone, locale=locale or person.locale,
        grace_minutes=person.grace_minutes if grace_minutes is None else grace_minutes)
    replanned = change_recipient(store, OPERATOR, now(), updated)
    click.echo(f"updated: {person.id}" + (f" ({replanned} doses re-planned in {updated.timezone})"
                                          if updated.timezone != person.timezone else ""))


@recipient.command("link-code")
@click.argument("recipient_id")
@click.pass_context
@friendly_errors
def link_code(ctx: click.Context, recipient_id: str) -> None:
    """Make a new link code (the old unused one stops working)."""
    store = store_from_context(ctx)
    person = resolve_recipient(store, recipient_id)
    code = issue_link_code(store, OPERATOR, now(), person.id)
    click.echo(code.code)
