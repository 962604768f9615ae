"""`dosekeeper deploy-check`: after a deploy, prove that carers would be alerted, before anyone relies on it.

Two things have to work for a missed dose to reach a carer, and a fresh deployment can get either wrong
silently (an unverified SES identity, a channel setting left out, a schedule that never fires): a contact's
channel must deliver, and the sweep must be running. So the check sends one test alert to a contact the
operator names, through the outbox exactly as a missed-dose alert goes (recorded, claimed, sent, its attempt
stored), and reads the sweep checkpoint.

Where the alert is sent from matters. On AWS (a ``dynamodb://`` store) it is recorded and left for the
deployed sweep to deliver, so the check proves the stack's own channels, role and secrets, and that its
schedule fires; the operator's laptop could send an email the Lambda function cannot. Self-hosted, the
channels are the environment's (as for ``dosekeeper sweep``) and it is delivered at once. A test alert that
fails is stored as failed, so no later sweep sends a surprise copy.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlparse

import click

from skill.cli.common import fail, friendly_errors, resolve_recipient, store_from_context
from skill.domain.alerts import Attempt, DeliveryState, OutboxItem
from skill.domain.models import Contact, Recipient
from skill.notify.channel import Channel, DeliveryError
from skill.notify.factory import ChannelSettings, build_channels
from skill.notify.policy import SENDING_LEASE
from skill.store.base import Store
from skill.sweep_fanout import ShardedDueIndex
from skill.usecases import test_alerts

SWEEP_INTERVAL = timedelta(minutes=5)  # template.yaml's rate(5 minutes) and `dosekeeper serve`'s sweeper
SWEEP_WITHIN = timedelta(minutes=15)  # three runs, as the SweepNotRunAlarm counts
CLOCK_SLACK = timedelta(minutes=1)
POLL_SECONDS = 10.0
TEST_SUBJECT = "DoseKeeper test alert"
TEST_TEXT = ("This is a test alert from DoseKeeper's deploy check. Nothing needs doing: it shows that "
             "alerts about missed doses will reach you here.")


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str

    def line(self) -> str:
        return f"{'PASS' if self.ok else 'FAIL'}  {self.name:<10}  {self.detail}"


def build_test_alert(recipient: Recipient, contact: Contact, now: datetime) -> OutboxItem:
    """An outbox row like any other (skill/usecases/test_alerts.py), keyed by a fresh subject so every run
    sends one new message."""
    return test_alerts.build_test_alert(recipient, contact, now, TEST_TEXT,
                                        subject_id=f"deploy-check-{now:%Y%m%dT%H%M%S}-{secrets.token_hex(3)}")


def deliver_here(store: Store, channels: Mapping[str, Channel], item: OutboxItem, now: datetime) -> Check:
    """Record, claim and send one test alert with this process's channels; store the attempt."""
    store.enqueue_alerts([item])
    claimed = store.claim_alert(item, now, now + SENDING_LEASE)
    if claimed is None:
        return Check("alert", False, "the test alert could not be claimed from the outbox")
    channel = channels.get(claimed.channel)
    reason: str | None = None
    if channel is None:
        reason = f"no {claimed.channel} channel is configured here"
    else:
        try:
            channel.send(claimed.message)
        except DeliveryError as exc:
            reason = exc.reason
        except Exception as exc:  # an operator's channel with a bug: reported, not a traceback
            reason = f"channel error {type(exc).__name__}"
    state = DeliveryState.SENT if reason is None else DeliveryState.FAILED
    store.record_attempt(claimed.with_attempt(Attempt(now, reason is None, reason or "sent"), state, now))
    if reason is None:
        return Check("alert", True, f"test alert sent by {claimed.channel} to contact {claimed.contact_id}")
    return Check("alert", False, f"test alert to contact {claimed.contact_id} not sent: {reason}")


def deliver_by_sweep(store: Store, item: OutboxItem, wait_seconds: float,
                     pause: Callable[[float], object] = time.sleep) -> Check:
    """Record the test alert and wait for the deployed sweep to deliver it (or give up on it)."""
    store.enqueue_alerts([item])
    deadline = time.monotonic() + wait_seconds
    while True:
        current = next((a for a in store.alerts_about(item.recipient_id, item.subject_id) if a.key == item.key),
                       None)
        if current is not None and current.state is DeliveryState.SENT:
            return Check("alert", True, f"the sweep sent the test alert by {item.channel} "
                                        f"to contact {item.contact_id}")
        if current is not None and current.attempts and not current.attempts[-1].ok:
            return Check("alert", False, f"the sweep could not send the test alert by {item.channel}: "
                                         f"{current.attempts[-1].detail}")
        left = deadline - time.monotonic()
        if left <= 0:
            return Check("alert", False, f"no sweep delivered the test alert within {wait_seconds:.0f} s: "
                                         "is the sweep's schedule running? (the alert stays in the outbox)")
        pause(min(POLL_SECONDS, left))


def swept_until(store: Store) -> datetime | None:
    """The sweep's checkpoint; with the fan-out (a sharded due index), the oldest shard's: one shard whose
    worker stopped is enough to leave missed doses unalerted."""
    if not isinstance(store, ShardedDueIndex) or store.due_shards <= 1:
        return store.sweep_checkpoint()
    found = [store.shard_checkpoint(shard) for shard in range(store.due_shards)]
    return None if any(c is None for c in found) else min(c for c in found if c is not None)


def sweep_check(store: Store, now: datetime, within: timedelta = SWEEP_WITHIN) -> Check:
    """The sweep has run recently, judged from its checkpoint.

    The checkpoint is where the next sweep starts reading: the time of the oldest dose still inside its
    grace window, or the sweep's own time. So an old checkpoint means no recent sweep, unless a pending
    dose due at that very time is still in (or only just out of) its grace window and holds it back.
    """
    checkpoint = swept_until(store)
    if checkpoint is None:
        return Check("sweep", False, "no sweep has run yet")
    age = now - checkpoint
    if age < -CLOCK_SLACK:
        return Check("sweep", False, f"the sweep checkpoint {checkpoint:%Y-%m-%d %H:%M} UTC is ahead of the clock:"
                                     " doses due before it would never be checked")
    if age <= within:
        return Check("sweep", True, f"last sweep covered up to {checkpoint:%H:%M} UTC ({minutes(age)} ago)")
    for dose in store.due_doses(checkpoint, checkpoint + timedelta(seconds=1)):
        person = store.get_recipient(dose.recipient_id)
        if person is not None and dose.scheduled_utc + person.grace + within > now:
            return Check("sweep", True, f"the sweep is waiting on a dose due at {checkpoint:%H:%M} UTC "
                                        "that is still in its grace window")
    return Check("sweep", False, f"no sweep since {checkpoint:%Y-%m-%d %H:%M} UTC ({minutes(age)} ago; "
                                 f"it runs every {minutes(SWEEP_INTERVAL)})")


def minutes(span: timedelta) -> str:
    whole = int(span.total_seconds() // 60)
    return f"{whole} min" if whole < 120 else f"{whole // 60} h {whole % 60} min"


def find_contact(store: Store, recipient: Recipient, contact_id: str) -> Contact:
    for contact in store.list_contacts(recipient.id):
        if contact.id == contact_id.strip():
            return contact
    fail(f"unknown contact {contact_id!r} for this recipient: see `dosekeeper contact list {recipient.id}`")


@click.command("deploy-check")
@click.option("--recipient", "recipient_ref", required=True, help="The recipient the contact belongs to.")
@click.option("--contact", "contact_id", required=True, help="The contact to send a test alert to (con_…).")
@click.option("--deliver", type=click.Choice(["here", "sweep"]), default=None,
              help="Send from this process's channels (default self-hosted), or leave it to the deployed "
                   "sweep and wait (default for dynamodb:// stores).")
@click.option("--wait", "wait_seconds", type=click.IntRange(1, 3600), default=420, show_default=True,
              help="With --deliver sweep: how long to wait for the sweep to send it.")
@click.pass_context
@friendly_errors
def deploy_check(ctx: click.Context, recipient_ref: str, contact_id: str, deliver: str | None,
                 wait_seconds: int) -> None:
    """Send a test alert to a contact and check that the sweep is running; exit 1 if anything fails."""
    store = store_from_context(ctx)
    recipient = resolve_recipient(store, recipient_ref)
    contact = find_contact(store, recipient, contact_id)
    if deliver is None:
        deliver = "sweep" if urlparse(ctx.find_root().obj["store_url"]).scheme == "dynamodb" else "here"
    if deliver == "sweep":
        click.echo(f"Test alert recorded; waiting up to {wait_seconds} s for the sweep to send it...")
        alert = deliver_by_sweep(store, build_test_alert(recipient, contact, datetime.now(UTC)), wait_seconds)
    else:
        now = datetime.now(UTC)
        channels = build_channels(ChannelSettings.from_env())
        alert = deliver_here(store, channels, build_test_alert(recipient, contact, now), now)
    checks = [alert, sweep_check(store, datetime.now(UTC))]
    for check in checks:
        click.echo(check.line())
    failed = [c for c in checks if not c.ok]
    if failed:
        click.echo(f"deploy check failed: {len(failed)} of {len(checks)} checks", err=True)
        ctx.exit(1)
    click.echo("deploy check passed")
