"""`dosekeeper sweep` (one sweep now) and `dosekeeper notifications` (the outbox, with every attempt)."""

from __future__ import annotations

from datetime import timedelta

import click

from skill.cli.common import echo_json, fail, friendly_errors, parse_instant, resolve_recipient, store_from_context
from skill.domain.models import utcnow
from skill.notify.factory import ChannelSettings, build_channels
from skill.store.alerts_codec import outbox_to_dict
from skill.sweep import run_sweep

CLOCK_SKEW = timedelta(minutes=5)  # how far ahead of this machine's clock --now may be


@click.command()
@click.option("--now", "now_text", metavar="ISO-8601",
              help="Sweep as if it were this time (with a UTC offset); not in the future.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
@friendly_errors
def sweep(ctx: click.Context, now_text: str | None, as_json: bool) -> None:
    """Mark overdue doses missed, record and deliver carer alerts (SMTP and webhooks from the environment).

    A future --now is refused: it would tell carers of doses missed that are not even due yet. A past one
    re-sweeps that moment and leaves the checkpoint where it is.
    """
    now = parse_instant(now_text) if now_text else None
    if now is not None and now > utcnow() + CLOCK_SKEW:
        fail("--now is in the future: a sweep can only look at doses that are already due")
    store = store_from_context(ctx)
    report = run_sweep(store, build_channels(ChannelSettings.from_env()), now)
    if as_json:
        echo_json(report.to_dict())
        return
    d = report.delivery
    click.echo(f"swept {report.window_start:%Y-%m-%d %H:%M} to {report.now:%Y-%m-%d %H:%M} UTC: "
               f"{report.doses_read} due, {report.marked_missed} missed, {report.still_in_grace} in grace")
    click.echo(f"alerts: {report.alerts_recorded} recorded, {report.all_clears} all clear, {d.sent} sent, "
               f"{d.retrying} to retry, {d.failed} failed, {d.deferred} waiting for their channel")


@click.command()
@click.option("--recipient", "recipient_ref", help="Only this recipient's alerts.")
@click.option("--limit", type=click.IntRange(1, 10_000), default=200, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
@friendly_errors
def notifications(ctx: click.Context, recipient_ref: str | None, limit: int, as_json: bool) -> None:
    """The outbox, newest first, with every delivery attempt."""
    store = store_from_context(ctx)
    rid = resolve_recipient(store, recipient_ref).id if recipient_ref else None
    alerts = store.list_alerts(rid, limit)
    if as_json:
        echo_json([outbox_to_dict(a) for a in alerts])
        return
    if not alerts:
        click.echo("No notifications.")
    for a in alerts:
        click.echo(f"{a.created_at:%Y-%m-%d %H:%M}  {a.kind.value:<10} {a.state.value:<9} "
                   f"{a.channel}:{a.message.address}  next {a.next_attempt_at:%Y-%m-%d %H:%M}")
        click.echo(f"    {a.message.text}")
        for attempt in a.attempts:
            click.echo(f"    - {attempt.at:%Y-%m-%d %H:%M:%S} {'ok' if attempt.ok else 'failed'}: {attempt.detail}")
