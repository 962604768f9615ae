"""SES and SNS channels against moto, and the background sweeper's start and stop."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3
import pytest

from skill.aws_clients import build_dynamodb_client, build_sesv2_client, build_sns_client
from skill.domain.alerts import Message
from skill.domain.models import utcnow
from skill.notify.channel import DeliveryError
from skill.notify.ses import SesChannel
from skill.notify.sns import SnsSmsChannel
from skill.store.sqlite import SqliteStore
from skill.sweeper_thread import Sweeper

MESSAGE = Message(channel="email", address="ann@example.org", subject="Edith: dose not confirmed",
                  text="Edith has not confirmed the medicine due at 8:00 am.", key="d#missed#c",
                  data={"kind": "missed"})


def test_ses_sends_from_a_verified_identity_and_refusals_are_permanent() -> None:
    from moto import mock_aws
    from moto.core.models import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    with mock_aws():
        ses: Any = boto3.client("sesv2", region_name="eu-west-1")
        # GIVEN an unverified sender: SES refuses, and retrying would not help
        with pytest.raises(DeliveryError) as refused:
            SesChannel(ses, "alerts@example.org").send(MESSAGE)
        assert refused.value.transient is False
        # WHEN the identity is verified
        ses.create_email_identity(EmailIdentity="alerts@example.org")
        SesChannel(ses, "alerts@example.org").send(MESSAGE)
        # THEN SES took the message
        [sent] = ses_backends[DEFAULT_ACCOUNT_ID]["eu-west-1"].sent_messages
        assert sent.destinations["ToAddresses"] == ["ann@example.org"]


def test_sns_sends_a_transactional_sms() -> None:
    from moto import mock_aws
    from moto.core.models import DEFAULT_ACCOUNT_ID
    from moto.sns.models import sns_backends

    with mock_aws():
        sns: Any = boto3.client("sns", region_name="eu-west-1")
        SnsSmsChannel(sns).send(Message(channel="sms", address="+447911123456", subject="s", text="t", key="k"))
        assert list(sns_backends[DEFAULT_ACCOUNT_ID]["eu-west-1"].sms_messages.values()) == [("+447911123456", "t")]


def test_the_background_sweeper_runs_and_stops(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "dk.db")
    store.init()
    now = utcnow().replace(microsecond=0)
    # GIVEN a sweeper with a long interval
    sweeper = Sweeper(store, {}, interval=3600, clock=lambda: now)
    sweeper.start()
    # WHEN it is stopped (its wait is an Event: stopping does not wait out the interval)
    sweeper.stop()
    # THEN it swept once and is no longer running
    assert not sweeper.running
    assert sweeper.last_report is not None and sweeper.failures == 0
    assert store.sweep_checkpoint() == now
    store.close()


def test_aws_region_alone_is_enough_to_build_the_clients(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN only AWS_REGION, as Lambda and most tools set it (boto3 itself reads AWS_DEFAULT_REGION)
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    monkeypatch.setenv("AWS_REGION", "eu-central-1")
    # THEN every client the deployment builds is in that region, and the senders never retry on their own
    dynamodb, ses, sns = build_dynamodb_client(), build_sesv2_client(), build_sns_client()
    assert [c.meta.region_name for c in (dynamodb, ses, sns)] == ["eu-central-1"] * 3
    retries = [c.meta.config.retries for c in (dynamodb, ses, sns)]  # type: ignore[attr-defined]
    assert [r["total_max_attempts"] for r in retries] == [2, 1, 1]  # the store: one retry, inside a turn's deadline
