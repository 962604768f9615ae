"""`dosekeeper rollups rebuild`: recompute the coordinator's rollups from the doses.

For an upgrade (people who existed before rollups), after a restore, or when a rollup is in doubt: a rollup
is a running total kept by every write, and this recomputes it from the doses by the same rule.
"""

from __future__ import annotations

import click

from skill.cli.common import friendly_errors, resolve_recipient, store_from_context
from skill.domain.models import utcnow
from skill.reports.rollups import rebuild as rebuild_one


@click.group()
def rollups() -> None:
    """The per-person, per-day counts behind the coordinator page."""


@rollups.command()
@click.option("--recipient", "recipient_ref", help="Only this recipient (default: everyone).")
@click.pass_context
@friendly_errors
def rebuild(ctx: click.Context, recipient_ref: str | None) -> None:
    """Recompute rollups from the stored doses (everyone, or one recipient)."""
    store = store_from_context(ctx)
    people = [resolve_recipient(store, recipient_ref)] if recipient_ref else store.list_recipients()
    now = utcnow()
    for person in people:
        rebuild_one(store, person, now)
    click.echo(f"rebuilt rollups for {len(people)} recipient{'s' if len(people) != 1 else ''}")
