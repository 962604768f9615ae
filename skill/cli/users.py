"""`dosekeeper user ...`: web accounts (carers, coordinators, admins), their links and API tokens."""

from __future__ import annotations

import sys

import click

from skill.accounts.passwords import hash_password
from skill.accounts.tokens import issue_token
from skill.cli.common import echo_json, fail, friendly_errors, resolve_recipient, store_from_context
from skill.domain.accounts import User, clean_email, parse_role
from skill.domain.models import new_id, utcnow
from skill.store.base import Store


@click.group()
def user() -> None:
    """Add web accounts, link carers to recipients, make API tokens."""


def _user(store: Store, email: str) -> User:
    found = store.get_user_by_email(clean_email(email))
    if found is None:
        fail(f"no account with email {email.strip()!r}: see `dosekeeper user add`")
    return found


@user.command("add")
@click.option("--email", required=True)
@click.option("--role", required=True, type=click.Choice(["carer", "coordinator", "admin"]))
@click.option("--organisation", default="default", show_default=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
@friendly_errors
def add(ctx: click.Context, email: str, role: str, organisation: str, password_stdin: bool, as_json: bool) -> None:
    """Add an account (the password is asked for, never given on the command line)."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    account = User(id=new_id("usr"), email=email, role=parse_role(role), organisation=organisation.strip(),
                   password_hash=hash_password(password), created_at=utcnow())
    store_from_context(ctx).create_user(account)
    if as_json:
        echo_json({"id": account.id, "email": account.email, "role": account.role.value,
                   "organisation": account.organisation})
    else:
        click.echo(f"id: {account.id}")


@user.command("link")
@click.argument("email")
@click.argument("recipient_ref", metavar="RECIPIENT")
@click.option("--unlink", is_flag=True, help="Remove the link instead.")
@click.pass_context
@friendly_errors
def link(ctx: click.Context, email: str, recipient_ref: str, unlink: bool) -> None:
    """Let a carer see and change a recipient's records (or stop that with --unlink)."""
    store = store_from_context(ctx)
    account = _user(store, email)
    person = resolve_recipient(store, recipient_ref)
    if person.organisation != account.organisation:
        fail("that recipient belongs to another organisation than the account")
    if unlink:
        store.unlink_recipient(account.id, person.id)
        click.echo(f"{account.email} no longer cares for {person.id}")
    else:
        store.link_recipient(account.id, person.id)
        click.echo(f"{account.email} now cares for {person.id}")


@user.command("token")
@click.argument("email")
@click.option("--name", default="cli", show_default=True, help="A name to recognise the token by.")
@click.pass_context
@friendly_errors
def token(ctx: click.Context, email: str, name: str) -> None:
    """Make a personal access token for the API; it is printed this once and never stored."""
    store = store_from_context(ctx)
    account = _user(store, email)
    secret, record = issue_token(account.id, name, utcnow())
    store.put_token(record)
    click.echo(secret)


@user.command("list")
@click.option("--organisation", default="default", show_default=True)
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def list_users(ctx: click.Context, organisation: str, as_json: bool) -> None:
    """An organisation's accounts."""
    users = store_from_context(ctx).list_users(organisation)
    if as_json:
        echo_json([{"id": u.id, "email": u.email, "role": u.role.value, "recipients": sorted(u.recipient_ids)}
                   for u in users])
        return
    for u in users:
        click.echo(f"{u.id}  {u.email}  {u.role.value}  recipients: {len(u.recipient_ids)}")


@user.command("unlock")
@click.argument("email")
@click.pass_context
@friendly_errors
def unlock(ctx: click.Context, email: str) -> None:
    """Lift a sign-in lockout now (after too many wrong passwords)."""
    store = store_from_context(ctx)
    store.clear_login_failures(_user(store, email).id)
    click.echo("unlocked")
