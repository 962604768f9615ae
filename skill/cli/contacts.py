"""`dosekeeper contact ...`: the carers told about missed doses, late logs and refills."""

from __future__ import annotations

import click

from skill.cli.common import OPERATOR, echo_json, fail, friendly_errors, now, resolve_recipient, store_from_context
from skill.domain.models import Contact, new_id
from skill.notify.addresses import parse_minutes
from skill.store.alerts_codec import contact_to_dict, parse_quiet, quiet_text
from skill.usecases.contacts import add_contact


@click.group()
def contact() -> None:
    """Add and list a recipient's contacts (carers)."""


@contact.command("add")
@click.argument("recipient_ref", metavar="RECIPIENT")
@click.option("--name", required=True, help="The carer's name.")
@click.option("--email", help="Email address.")
@click.option("--sms", help="Mobile number in international form, e.g. +447700900123.")
@click.option("--webhook", help="https:// URL that receives signed JSON.")
@click.option("--quiet-hours", help="Hold alerts in these local hours, e.g. 22:00-07:00.")
@click.option("--escalate-after", help="Alert the next contact if the dose is still missed after this, e.g. 30m.")
@click.option("--name-medicines", is_flag=True, help="Name the medicines in this contact's alerts.")
@click.option("--priority", type=click.IntRange(0, 99), default=0, show_default=True,
              help="Lower is told first; later tiers hear only by escalation.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
@friendly_errors
def add(ctx: click.Context, recipient_ref: str, name: str, email: str | None, sms: str | None,
        webhook: str | None, quiet_hours: str | None, escalate_after: str | None, name_medicines: bool,
        priority: int, as_json: bool) -> None:
    """Add a contact with exactly one channel: --email, --sms or --webhook."""
    given = [(channel, value) for channel, value in (("email", email), ("sms", sms), ("webhook", webhook))
             if value is not None]
    if len(given) != 1:
        fail("give exactly one of --email, --sms or --webhook")
    channel, address = given[0]
    if quiet_hours is not None and "-" not in quiet_hours:
        fail(f"invalid quiet hours {quiet_hours!r}: use HH:MM-HH:MM, such as 22:00-07:00")
    store = store_from_context(ctx)
    person = resolve_recipient(store, recipient_ref)
    new = Contact(
        id=new_id("con"), recipient_id=person.id, name=name, channel=channel,
        address=address,
        quiet_hours=parse_quiet(quiet_hours) if quiet_hours else None,
        escalate_after_minutes=parse_minutes(escalate_after) if escalate_after else None,
        name_medicines=name_medicines, priority=priority,
    )
    new = add_contact(store, OPERATOR, now(), new)
    if as_json:
        echo_json(contact_to_dict(new))
    else:
        click.echo(f"id: {new.id}")


@contact.command("list")
@click.argument("recipient_ref", metavar="RECIPIENT")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
@friendly_errors
def list_contacts(ctx: click.Context, recipient_ref: str, as_json: bool) -> None:
    """A recipient's contacts, in the order they are told."""
    store = store_from_context(ctx)
    person = resolve_recipient(store, recipient_ref)
    contacts = store.list_contacts(person.id)
    if as_json:
        echo_json([contact_to_dict(c) for c in contacts])
        return
    if not contacts:
        click.echo("No contacts yet: add one with `dosekeeper contact add`.")
    for c in contacts:
        extras = [f"priority {c.priority}"]
        if c.quiet_hours:
            extras.append(f"quiet {quiet_text(c.quiet_hours)}")
        if c.escalate_after_minutes:
            extras.append(f"escalate after {c.escalate_after_minutes}m")
        if c.name_medicines:
            extras.append("names medicines")
        click.echo(f"{c.id}  {c.name}  {c.channel}:{c.address}  ({', '.join(extras)})")
