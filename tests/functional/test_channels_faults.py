"""Faults on the way to carers: each carer still gets each alert exactly once after recovery.

SMTP is a real server (aiosmtpd) that is down and then comes back; SNS is moto behind botocore's Stubber
for throttling and 500s; the webhook receiver first hangs (a socket that never answers) and then answers.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.stub import Stubber

from skill.domain.alerts import DeliveryState
from skill.domain.models import Contact, new_id, utcnow
from skill.notify.channel import Channel
from skill.notify.factory import ChannelSettings, build_channels
from skill.notify.webhook import WebhookChannel
from skill.notify.webhook_targets import AllowList
from skill.store.base import Store
from skill.store.sqlite import SqliteStore
from skill.sweep import run_sweep
from tests.factories import medication, recipient
from tests.functional.channel_servers import Hooks, silent_server, smtp_server, webhook_server
from tests.support.servers import free_port

T0 = (utcnow() - timedelta(days=2)).replace(hour=7, minute=0, second=0, microsecond=0)  # recipients on UTC
MISSED = T0 + timedelta(hours=2, minutes=5)  # the 8:00 dose is past its grace window
LATER = timedelta(hours=2)  # comfortably past any retry time the backoff chose


@pytest.fixture
def db(tmp_path: Path) -> Iterator[SqliteStore]:
    store = SqliteStore(tmp_path / "dk.db")
    store.init()
    yield store
    store.close()


def edith_with(store: Store, *contacts: tuple[str, str]) -> str:
    edith = recipient(display_name="Edith", timezone="UTC")
    store.put_recipient(edith)
    store.put_medication(medication(edith.id, at=("08:00",), start=T0.date() - timedelta(days=5)))
    for channel, address in contacts:
        store.put_contact(Contact(id=new_id("con"), recipient_id=edith.id, name="Ann", channel=channel,
                                  address=address, created_at=T0))
    return edith.id


def test_smtp_down_then_back_delivers_once(db: SqliteStore) -> None:
    # GIVEN the SMTP server is down when the dose is missed
    port = free_port()
    rid = edith_with(db, ("email", "ann@example.org"))
    channels = build_channels(ChannelSettings(smtp_url=f"smtp://127.0.0.1:{port}?starttls=off"), timeout=2)
    run_sweep(db, channels, T0)
    down = run_sweep(db, channels, MISSED)
    assert down.delivery.retrying == 1
    [alert] = db.list_alerts(rid)
    assert alert.state is DeliveryState.PENDING and alert.next_attempt_at > MISSED
    # WHEN it comes back and sweeps go on
    with smtp_server(port) as (_, inbox):
        run_sweep(db, channels, MISSED + LATER)
        run_sweep(db, channels, MISSED + LATER + timedelta(minutes=5))
    # THEN Ann got the alert once, and the outbox shows both attempts
    assert len(inbox.to("ann@example.org")) == 1
    [alert] = db.list_alerts(rid)
    assert alert.state is DeliveryState.SENT
    assert [a.ok for a in alert.attempts] == [False, True]


def test_sns_throttling_and_500s_then_delivered_once(db: SqliteStore) -> None:
    from moto import mock_aws
    from moto.core.models import DEFAULT_ACCOUNT_ID
    from moto.sns.models import sns_backends

    with mock_aws():
        sns: Any = boto3.client("sns", region_name="eu-west-1", config=Config(retries={"max_attempts": 1}))
        rid = edith_with(db, ("sms", "+447700900123"))
        channels = build_channels(ChannelSettings(), sns_client=sns)
        run_sweep(db, channels, T0)
        # GIVEN SNS throttles, then fails with a 500
        with Stubber(sns) as stub:
            stub.add_client_error("publish", service_error_code="Throttling", http_status_code=400)
            stub.add_client_error("publish", service_error_code="InternalError", http_status_code=500)
            run_sweep(db, channels, MISSED)
            run_sweep(db, channels, MISSED + LATER)
            stub.assert_no_pending_responses()
        # WHEN SNS recovers
        run_sweep(db, channels, MISSED + 2 * LATER)
        run_sweep(db, channels, MISSED + 3 * LATER)
        # THEN the SMS went once, after two recorded failures
        sent = list(sns_backends[DEFAULT_ACCOUNT_ID]["eu-west-1"].sms_messages.values())
        assert [phone for phone, _ in sent] == ["+447700900123"]
        [alert] = db.list_alerts(rid)
        assert [a.detail for a in alert.attempts] == ["sns Throttling", "sns InternalError", "sent"]


def test_a_webhook_that_times_out_is_retried_and_delivered_once(db: SqliteStore) -> None:
    # GIVEN a receiver that accepts the connection but never answers
    with silent_server() as port:
        url = f"http://127.0.0.1:{port}/hook"
        rid = edith_with(db, ("webhook", url))
        channels: dict[str, Channel] = {"webhook": WebhookChannel(b"key", timeout=0.3,
                                                                      allow=AllowList.parse("127.0.0.1"))}
        run_sweep(db, channels, T0)
        hung = run_sweep(db, channels, MISSED)
    assert hung.delivery.retrying == 1
    # WHEN it answers again on the same address (to a client with time to spare on a loaded machine)
    channels = {"webhook": WebhookChannel(b"key", timeout=30, allow=AllowList.parse("127.0.0.1"))}
    with webhook_server(port, Hooks()) as (_, hooks):
        run_sweep(db, channels, MISSED + LATER)
        run_sweep(db, channels, MISSED + LATER + timedelta(minutes=5))
    # THEN it received the alert once; the first try is on record as one that may have gone (the POST was
    # written to the socket), which is why it is repeated once at most
    assert [b["kind"] for b in hooks.bodies()] == ["missed"]
    [alert] = db.list_alerts(rid)
    assert alert.attempts[0].detail.startswith("outcome unknown: webhook no answer")


def test_a_failing_channel_does_not_hold_up_the_others(db: SqliteStore, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOSEKEEPER_WEBHOOK_ALLOW_HOSTS", "127.0.0.1")
    # GIVEN a dead SMTP server and a working webhook
    with webhook_server() as (url, hooks):
        edith_with(db, ("email", "ann@example.org"), ("webhook", url))
        channels = build_channels(ChannelSettings(smtp_url=f"smtp://127.0.0.1:{free_port()}?starttls=off",
                                                  webhook_secret="k"), timeout=2)
        run_sweep(db, channels, T0)
        report = run_sweep(db, channels, MISSED)
    # THEN the webhook alert went at once
    assert report.delivery.sent == 1 and report.delivery.retrying == 1
    assert [b["kind"] for b in hooks.bodies()] == ["missed"]


def test_concurrent_sweeps_alert_each_carer_exactly_once(concurrent_store: Store) -> None:
    store = concurrent_store  # racing sweeps mean something only where writes are serialised (tests/conftest.py)
    # GIVEN five people, each with two carers, all missing the 8:00 dose
    with smtp_server() as (port, inbox):
        addresses = []
        for i in range(5):
            pair = [f"carer{i}a@example.org", f"carer{i}b@example.org"]
            addresses += pair
            edith_with(store, *(("email", a) for a in pair))
        channels = build_channels(ChannelSettings(smtp_url=f"smtp://127.0.0.1:{port}?starttls=off"), timeout=5)
        run_sweep(store, channels, T0)
        # WHEN four sweeps run at the same moment
        barrier = threading.Barrier(4, timeout=60)
        errors: list[BaseException] = []

        def sweep() -> None:
            barrier.wait()
            try:
                run_sweep(store, channels, MISSED)
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=sweep) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        run_sweep(store, channels, MISSED + timedelta(minutes=10))
    # THEN every carer got exactly one alert
    assert errors == [] and not any(t.is_alive() for t in threads)
    assert sorted(m["To"] for m in inbox.messages) == sorted(addresses)
