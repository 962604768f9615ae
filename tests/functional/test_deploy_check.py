"""`dosekeeper deploy-check` on a real SQLite file with a real SMTP receiver (aiosmtpd), as an operator runs it.

Every instant is taken relative to the test's own clock reading, so the tests pass on any day.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from skill import settings
from skill.cli.deploy_check import build_test_alert, deliver_by_sweep, sweep_check
from skill.cli.main import cli
from skill.domain.alerts import AlertKind, DeliveryState
from skill.domain.models import Contact, Recipient, new_id
from skill.notify.factory import ChannelSettings, build_channels
from skill.store.dynamodb import DynamoStore
from skill.store.sqlite import SqliteStore
from skill.sweep import run_sweep
from tests.factories import medication, recipient
from tests.functional.channel_servers import Inbox, smtp_server
from tests.support.servers import free_port

CARER = "ann@example.org"


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "dk.db"


@pytest.fixture
def db(db_path: Path) -> Iterator[SqliteStore]:
    store = SqliteStore(db_path)
    store.init()
    yield store
    store.close()


@pytest.fixture
def smtp() -> Iterator[tuple[int, Inbox]]:
    with smtp_server() as (port, inbox):
        yield port, inbox


def add_person(store: SqliteStore, **kw: object) -> tuple[Recipient, Contact]:
    person = recipient(display_name="Edith", **kw)
    store.put_recipient(person)
    ann = Contact(id=new_id("con"), recipient_id=person.id, name="Ann", channel="email", address=CARER)
    store.put_contact(ann)
    return person, ann


def deploy_check(db_path: Path, smtp_port: int, person: Recipient, contact: Contact, *extra: str) -> Result:
    env = {settings.SMTP_URL: f"smtp://127.0.0.1:{smtp_port}?starttls=off", settings.SMTP_FROM: "dk@example.org"}
    return CliRunner().invoke(cli, ["--store", f"sqlite:///{db_path}", "deploy-check", "--recipient", person.id,
                                    "--contact", contact.id, *extra], env=env)


def test_a_healthy_deployment_passes_and_the_carer_gets_one_test_email(
        db: SqliteStore, db_path: Path, smtp: tuple[int, Inbox]) -> None:
    port, inbox = smtp
    # GIVEN a person with a carer, and a sweep that ran a moment ago
    person, ann = add_person(db)
    run_sweep(db, {}, datetime.now(UTC) - timedelta(minutes=2))

    # WHEN the operator runs the post-deploy check
    result = deploy_check(db_path, port, person, ann)

    # THEN both checks pass and the command exits 0
    assert result.exit_code == 0, result.output
    assert "PASS  alert" in result.output
    assert "PASS  sweep" in result.output
    # AND the carer received exactly one test email, which names nobody's medicine
    received = inbox.to(CARER)
    assert len(received) == 1
    assert received[0]["Subject"] == "DoseKeeper test alert"
    # AND it went through the outbox like any alert: recorded as sent, so no sweep sends it again
    [row] = [a for a in db.list_alerts(person.id) if a.kind is AlertKind.TEST]
    assert row.state is DeliveryState.SENT
    run_sweep(db, build_channels(ChannelSettings(smtp_url=f"smtp://127.0.0.1:{port}?starttls=off")))
    assert len(inbox.to(CARER)) == 1


def test_a_sweep_that_never_ran_fails_the_check(db: SqliteStore, db_path: Path, smtp: tuple[int, Inbox]) -> None:
    port, inbox = smtp
    # GIVEN a fresh deployment whose sweep has never run
    person, ann = add_person(db)

    # WHEN the check runs
    result = deploy_check(db_path, port, person, ann)

    # THEN it says so and exits 1, though the test email itself went out
    assert result.exit_code == 1, result.output
    assert "FAIL  sweep       no sweep has run yet" in result.output
    assert "PASS  alert" in result.output
    assert len(inbox.to(CARER)) == 1


def test_an_unreachable_mail_server_fails_the_check_and_leaves_nothing_to_resend(
        db: SqliteStore, db_path: Path) -> None:
    # GIVEN a sweep that runs, and an SMTP setting pointing where no server listens
    person, ann = add_person(db)
    run_sweep(db, {}, datetime.now(UTC))
    dead_port = free_port()

    # WHEN the check runs
    result = deploy_check(db_path, dead_port, person, ann)

    # THEN the alert check fails with the reason, and the command exits 1
    assert result.exit_code == 1, result.output
    assert "FAIL  alert" in result.output
    # AND the test alert is stored as failed: a later sweep will not surprise the carer with it
    [row] = [a for a in db.list_alerts(person.id) if a.kind is AlertKind.TEST]
    assert row.state is DeliveryState.FAILED


def test_a_contact_with_no_channel_configured_fails_the_check(
        db: SqliteStore, db_path: Path, smtp: tuple[int, Inbox]) -> None:
    port, _ = smtp
    # GIVEN a webhook contact, and no webhook key in the environment
    person, _ann = add_person(db)
    hook = Contact(id=new_id("con"), recipient_id=person.id, name="Bob", channel="webhook",
                   address="https://hooks.example.org/dose")
    db.put_contact(hook)
    run_sweep(db, {}, datetime.now(UTC))

    # WHEN the check sends to it
    result = deploy_check(db_path, port, person, hook)

    # THEN it names the missing channel
    assert result.exit_code == 1
    assert "no webhook channel is configured here" in result.output


def test_unknown_ids_are_bad_input(db: SqliteStore, db_path: Path, smtp: tuple[int, Inbox]) -> None:
    port, _ = smtp
    person, ann = add_person(db)
    stranger = Contact(id="con_nobody", recipient_id=person.id, name="X", channel="email", address="x@example.org")

    # WHEN the contact or the recipient does not exist
    unknown_contact = deploy_check(db_path, port, person, stranger)
    unknown_person = deploy_check(db_path, port, recipient(id="rec_nobody"), ann)

    # THEN each is one line and exit code 2, as for any bad input
    assert unknown_contact.exit_code == 2
    assert "unknown contact 'con_nobody'" in unknown_contact.output
    assert unknown_person.exit_code == 2
    assert "unknown recipient" in unknown_person.output


def test_via_the_sweep_the_test_alert_is_delivered_by_the_next_sweep(
        db: SqliteStore, smtp: tuple[int, Inbox]) -> None:
    port, inbox = smtp
    # GIVEN the deployed sweep's channels (here: SMTP), which the checking process does not have
    person, ann = add_person(db)
    channels = build_channels(ChannelSettings(smtp_url=f"smtp://127.0.0.1:{port}?starttls=off"))
    now = datetime.now(UTC)
    item = build_test_alert(person, ann, now)

    # WHEN the check records the alert and, while it waits, the scheduled sweep runs
    check = deliver_by_sweep(db, item, wait_seconds=60, pause=lambda _: run_sweep(db, channels, now))

    # THEN the check passes because the sweep delivered it
    assert check.ok, check.detail
    assert len(inbox.to(CARER)) == 1


def test_via_the_sweep_no_sweep_means_a_failed_check(db: SqliteStore) -> None:
    # GIVEN a deployment whose sweep never runs
    person, ann = add_person(db)
    item = build_test_alert(person, ann, datetime.now(UTC))

    # WHEN the check has waited its time
    check = deliver_by_sweep(db, item, wait_seconds=0, pause=lambda _: None)

    # THEN it fails and says what to look at
    assert not check.ok
    assert "no sweep delivered the test alert" in check.detail


def test_a_sweep_checkpoint_hours_old_fails_unless_a_dose_in_grace_holds_it(db: SqliteStore) -> None:
    # GIVEN a person in UTC with a 60-minute grace window and a dose due 30 minutes before `now`
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    person, _ = add_person(db, timezone="UTC", grace_minutes=60)
    due = now - timedelta(minutes=30)
    db.put_medication(medication(person.id, at=(due.strftime("%H:%M"),), start=(now - timedelta(days=2)).date()))
    run_sweep(db, {}, now - timedelta(minutes=40))  # plans the dose
    run_sweep(db, {}, now - timedelta(minutes=5))  # the dose is in grace: the checkpoint stays at it
    assert db.sweep_checkpoint() == due

    # WHEN the check runs now, and again once the grace window is long over with no sweep since
    held = sweep_check(db, now)
    stale = sweep_check(db, now + timedelta(hours=2))

    # THEN the first passes (the sweep is running, the dose holds the checkpoint) and the second fails
    assert held.ok, held.detail
    assert not stale.ok
    assert "no sweep since" in stale.detail


def test_a_checkpoint_ahead_of_the_clock_fails(db: SqliteStore) -> None:
    # GIVEN a checkpoint moved an hour into the future (a clock ahead, or a sweep run with a future --now)
    now = datetime.now(UTC)
    db.advance_sweep_checkpoint(now + timedelta(hours=1))

    # WHEN the check reads it
    check = sweep_check(db, now)

    # THEN it fails: doses due before that checkpoint would never be looked at
    assert not check.ok
    assert "ahead of the clock" in check.detail


def test_with_the_fan_out_every_shard_must_have_swept(moto_store: DynamoStore) -> None:
    # GIVEN a table whose due index is sharded four ways, and workers that swept three shards just now
    now = datetime.now(UTC).replace(microsecond=0)
    moto_store.due_shards = 4
    for shard in (0, 1, 3):
        moto_store.advance_shard_checkpoint(shard, now)
    # THEN the check fails: shard 2's people would never be alerted
    assert not sweep_check(moto_store, now).ok
    # AND passes once its worker has swept too
    moto_store.advance_shard_checkpoint(2, now)
    assert sweep_check(moto_store, now).ok
