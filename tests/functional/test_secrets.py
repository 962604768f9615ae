"""Secrets from Secrets Manager (moto): cached for a while, and a rotated value arrives without a cold start.

Powertools' cache reads the wall clock, so the clock is moved with time-machine, relative to now: no sleeps.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
import time_machine

from skill.aws_clients import SECRET_MAX_AGE_SECONDS, SecretUnavailableError, forget_secrets, load_secret


@pytest.fixture
def secretsmanager() -> Iterator[Any]:
    from moto import mock_aws

    with mock_aws():
        forget_secrets()  # a provider from another test would hold another mock's client and values
        yield boto3.client("secretsmanager", region_name="eu-west-1")
        forget_secrets()


def test_a_rotated_secret_is_used_once_the_cached_copy_is_too_old(secretsmanager: Any) -> None:
    # GIVEN a session key in Secrets Manager, read once by a warm container
    arn = secretsmanager.create_secret(Name="dosekeeper-session", SecretString="first-key")["ARN"]
    start = datetime.now(UTC)
    with time_machine.travel(start, tick=False) as clock:
        assert load_secret(arn) == "first-key"
        # WHEN the secret is rotated
        secretsmanager.put_secret_value(SecretId=arn, SecretString="second-key")
        # THEN the container keeps the cached key for a while (no Secrets Manager call on every turn)
        clock.move_to(start + timedelta(seconds=SECRET_MAX_AGE_SECONDS - 1))
        assert load_secret(arn) == "first-key"
        # AND once the cached copy is older than its max age, the next read has the new key: no cold start
        clock.move_to(start + timedelta(seconds=SECRET_MAX_AGE_SECONDS + 1))
        assert load_secret(arn) == "second-key"


def test_each_caller_can_ask_for_a_fresher_copy(secretsmanager: Any) -> None:
    # GIVEN a secret read once and then rotated
    arn = secretsmanager.create_secret(Name="dosekeeper-webhook", SecretString="old")["ARN"]
    start = datetime.now(UTC)
    with time_machine.travel(start, tick=False) as clock:
        assert load_secret(arn, max_age=10) == "old"
        secretsmanager.put_secret_value(SecretId=arn, SecretString="new")
        # WHEN the caller's own, shorter max age has passed THEN it sees the new value
        clock.move_to(start + timedelta(seconds=11))
        assert load_secret(arn, max_age=10) == "new"


def test_a_missing_secret_is_named_and_its_cause_given(secretsmanager: Any) -> None:
    with pytest.raises(SecretUnavailableError) as missing:
        load_secret("arn:aws:secretsmanager:eu-west-1:123456789012:secret:nowhere")
    assert "nowhere" in str(missing.value)


def test_a_binary_secret_is_refused_rather_than_used_as_a_key(secretsmanager: Any) -> None:
    arn = secretsmanager.create_secret(Name="dosekeeper-binary", SecretBinary=b"\x00\x01")["ARN"]
    with pytest.raises(SecretUnavailableError, match="no string value"):
        load_secret(arn)
