"""Slow channels never multiply an alert: counted at real receivers (aiosmtpd, a webhook endpoint, and an
HTTP stand-in for SES and SNS that boto3 reaches through its endpoint URL).

A send whose answer never came may have been delivered, so the clients make one attempt each, the outbox
repeats such a send at most once, and every copy carries the same id. The receivers are slowed without
sleeps: they hold their answer until the client hangs up, or until a probe socket with the client's
timeout has timed out.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from skill.aws_clients import build_sesv2_client, build_sns_client, send_client_config
from skill.domain.alerts import DeliveryState
from skill.domain.models import Contact, new_id, utcnow
from skill.notify.channel import Channel, delivery_id, message_id
from skill.notify.factory import ChannelSettings, build_channels
from skill.notify.outbox import UNKNOWN_OUTCOME
from skill.notify.smtp import SmtpChannel, SmtpSettings
from skill.notify.webhook import DELIVERY_HEADER, WebhookChannel
from skill.notify.webhook_targets import AllowList
from skill.store.sqlite import SqliteStore
from skill.sweep import run_sweep
from tests.factories import medication, recipient
from tests.functional.channel_servers import (
    HANG_UP,
    AwsCalls,
    Hooks,
    Inbox,
    aws_endpoint,
    outlast,
    smtp_server,
    webhook_server,
)

T0 = (utcnow() - timedelta(days=2)).replace(hour=7, minute=0, second=0, microsecond=0)  # recipient on UTC
MISSED = T0 + timedelta(hours=2, minutes=5)  # the 8:00 dose is past its grace window
LATER = timedelta(hours=2)  # past any retry time the outbox chose
SWEEPS_AFTER = 4  # sweeps after the first try: more chances to send again than the outbox should take


@pytest.fixture
def db(tmp_path: Path) -> Iterator[SqliteStore]:
    store = SqliteStore(tmp_path / "dk.db")
    store.init()
    yield store
    store.close()


def edith_with(store: SqliteStore, channel: str, address: str) -> str:
    edith = recipient(display_name="Edith", timezone="UTC")
    store.put_recipient(edith)
    store.put_medication(medication(edith.id, at=("08:00",), start=T0.date() - timedelta(days=5)))
    store.put_contact(Contact(id=new_id("con"), recipient_id=edith.id, name="Ann", channel=channel,
                              address=address, created_at=T0))
    return edith.id


def sweep_past_the_miss(store: SqliteStore, channels: dict[str, Channel]) -> None:
    """The dose is missed, then sweeps go on for hours: every retry the outbox wants gets its chance."""
    run_sweep(store, channels, T0)
    for n in range(SWEEPS_AFTER + 1):
        run_sweep(store, channels, MISSED + n * LATER)


def test_smtp_server_slower_than_the_command_timeout_gets_one_copy(db: SqliteStore) -> None:
    # GIVEN a server that answers the end of DATA only after the client's 0.3 s command timeout has passed
    with smtp_server(inbox=Inbox(holds=[outlast(0.3)])) as (port, inbox):
        rid = edith_with(db, "email", "ann@example.org")
        channels: dict[str, Channel] = {"email": SmtpChannel(
            SmtpSettings("127.0.0.1", port, starttls="off"), "dk@example.org", timeout=0.3, data_timeout=30)}
        # WHEN the dose is missed and sweeps go on
        sweep_past_the_miss(db, channels)
    # THEN the client waited for the end of DATA: one copy, one attempt, sent
    [email] = inbox.to("ann@example.org")
    [alert] = db.list_alerts(rid)
    assert alert.state is DeliveryState.SENT and [a.detail for a in alert.attempts] == ["sent"]
    assert email["Message-ID"] == message_id(alert.key)


def test_smtp_server_silent_after_data_gets_at_most_two_copies_with_one_message_id(db: SqliteStore) -> None:
    # GIVEN a server that takes every message but never answers the end of DATA, until the client hangs up
    with smtp_server(inbox=Inbox(holds=[HANG_UP] * 10)) as (port, inbox):
        rid = edith_with(db, "email", "ann@example.org")
        channels: dict[str, Channel] = {"email": SmtpChannel(
            SmtpSettings("127.0.0.1", port, starttls="off"), "dk@example.org", timeout=0.2, data_timeout=0.4)}
        sweep_past_the_miss(db, channels)
    # THEN the outcome is unknown each time: the carer got the first copy and one repeat, both with the
    # same Message-ID (mail clients show one), and the outbox gave up rather than go on sending
    copies = inbox.to("ann@example.org")
    [alert] = db.list_alerts(rid)
    assert len(copies) == 2
    assert {m["Message-ID"] for m in copies} == {message_id(alert.key)}
    assert {m["X-DoseKeeper-Delivery"] for m in copies} == {delivery_id(alert.key)}
    assert [a.detail.startswith(UNKNOWN_OUTCOME) for a in alert.attempts] == [True, True]
    assert alert.state is DeliveryState.FAILED
    assert alert.attempts[1].at - alert.attempts[0].at >= timedelta(minutes=5)


def aws_channels(monkeypatch: pytest.MonkeyPatch, url: str) -> dict[str, Channel]:
    """The deployment's own client factory, pointed at the stand-in, with a short read timeout."""
    monkeypatch.setenv("AWS_ENDPOINT_URL_SESV2", url)
    monkeypatch.setenv("AWS_ENDPOINT_URL_SNS", url)
    config = send_client_config(read_timeout=0.5)
    return build_channels(ChannelSettings(ses_from="alerts@example.org"),
                          ses_client=build_sesv2_client(config=config), sns_client=build_sns_client(config=config))


def test_ses_slower_than_the_client_timeout_is_sent_at_most_twice_with_one_id(
        db: SqliteStore, monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN SES takes the first request but answers only after the client gave up, then recovers
    with aws_endpoint(AwsCalls(holds=[HANG_UP])) as (url, calls):
        rid = edith_with(db, "email", "ann@example.org")
        sweep_past_the_miss(db, aws_channels(monkeypatch, url))
    # THEN SES got the request twice (no SDK retry; one repeat by the outbox), both carrying the alert's id
    [alert] = db.list_alerts(rid)
    assert [path for path, _, _ in calls.requests] == ["/v2/email/outbound-emails"] * 2
    headers = [{h["Name"]: h["Value"] for h in json.loads(body)["Content"]["Simple"]["Headers"]}
               for _, _, body in calls.requests]
    assert headers == [{"X-DoseKeeper-Delivery": delivery_id(alert.key), "References": message_id(alert.key)}] * 2
    assert alert.state is DeliveryState.SENT
    assert [a.detail for a in alert.attempts] == [f"{UNKNOWN_OUTCOME}ses ReadTimeoutError", "sent"]


def test_sns_that_never_answers_in_time_is_sent_at_most_twice(
        db: SqliteStore, monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN SNS takes every request but always answers after the client gave up
    with aws_endpoint(AwsCalls(holds=[HANG_UP] * 10)) as (url, calls):
        rid = edith_with(db, "sms", "+447911123456")
        sweep_past_the_miss(db, aws_channels(monkeypatch, url))
    # THEN two SMS at most went out (it was 24 with SDK and outbox retries stacked), and the outbox says why
    assert len(calls.requests) == 2
    [alert] = db.list_alerts(rid)
    assert alert.state is DeliveryState.FAILED
    assert [a.detail for a in alert.attempts] == [f"{UNKNOWN_OUTCOME}sns ReadTimeoutError"] * 2


def test_webhook_receiver_that_never_answers_gets_two_posts_with_one_delivery_id(db: SqliteStore) -> None:
    # GIVEN a receiver that reads each POST but never answers, until the client hangs up
    with webhook_server(hooks=Hooks(holds=[HANG_UP] * 10)) as (url, hooks):
        rid = edith_with(db, "webhook", url)
        channels: dict[str, Channel] = {"webhook": WebhookChannel(
            b"key", timeout=0.3, allow=AllowList.parse("127.0.0.1"))}
        sweep_past_the_miss(db, channels)
    # THEN it got the alert twice at most, with the same delivery id so it can drop the repeat
    [alert] = db.list_alerts(rid)
    assert len(hooks.requests) == 2
    assert {headers[DELIVERY_HEADER] for headers, _ in hooks.requests} == {alert.key}
    assert alert.state is DeliveryState.FAILED
