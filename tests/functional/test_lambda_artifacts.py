"""The built Lambda artefact: each handler imported from it alone, run on the event AWS would send.

The artefact is built once per session by scripts/build_lambda.py for this machine (the deploy build is the
same but with Lambda's arm64 wheels, which cannot load here). Each handler runs in a fresh interpreter with
``-S`` (no site-packages) and the artefact as its only path, so a dependency missing from the zip fails here
and not on the first Alexa request. AWS is a moto server on loopback, reached through ``AWS_ENDPOINT_URL``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer

from skill import settings
from skill.settings import WEBHOOK_SECRET_ARN
from skill.store.dynamodb import DynamoStore
from tests.factories import medication, recipient

ROOT = Path(__file__).resolve().parents[2]
REGION = "eu-west-1"
SKILL_ID = "amzn1.ask.skill.11111111-2222-3333-4444-555555555555"
PRIVATE_WORDS = ("Edith", "Metformin")  # the seeded person's and medicine's names: never in a log line

RUNNER = """
import json, sys, types
import {module} as entry
event = json.loads(sys.stdin.read())
context = types.SimpleNamespace(
    function_name="{module}", function_version="$LATEST", memory_limit_in_mb=1024,
    invoked_function_arn="arn:aws:lambda:eu-west-1:123456789012:function:{module}",
    aws_request_id="req-0123456789", log_group_name="/dosekeeper/test", log_stream_name="stream",
    get_remaining_time_in_millis=lambda: 7000,
)
print("RESULT " + json.dumps(entry.handler(event, context)))
"""


@dataclass(frozen=True)
class Invocation:
    returncode: int
    result: Any
    output: str  # everything the function printed: its logs and metrics

    def log_lines(self) -> list[dict[str, Any]]:
        lines = [line for line in self.output.splitlines() if line.startswith("{")]
        return [json.loads(line) for line in lines]


@pytest.fixture(scope="session")
def artefact(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("lambda-build")
    subprocess.run([sys.executable, str(ROOT / "scripts" / "build_lambda.py"), "--host", "--out", str(out)],
                   check=True, capture_output=True)
    assert (out / "lambda.zip").stat().st_size > 0
    return out / "lambda"


@pytest.fixture(scope="session")
def aws_endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@dataclass(frozen=True)
class Deployment:
    """What the stack would have made: a table, two secrets and an SES identity, on the moto server."""

    endpoint: str
    table: str
    session_secret_arn: str
    webhook_secret_arn: str

    def client(self, service: str) -> Any:
        return boto3.client(service, region_name=REGION, endpoint_url=self.endpoint)  # type: ignore[call-overload]

    def store(self) -> DynamoStore:
        return DynamoStore(self.table, self.client("dynamodb"))

    def environment(self) -> dict[str, str]:
        return {
            "AWS_ENDPOINT_URL": self.endpoint, "AWS_REGION": REGION, "AWS_DEFAULT_REGION": REGION,
            "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing",
            settings.STORE: f"dynamodb://{self.table}", settings.TABLE: self.table,
            settings.SKILL_ID: SKILL_ID, settings.SES_FROM: "alerts@example.org",
            settings.SECRET_ARN: self.session_secret_arn,
            WEBHOOK_SECRET_ARN: self.webhook_secret_arn,
            settings.POWERTOOLS_SERVICE_NAME: "dosekeeper", "POWERTOOLS_LOG_LEVEL": "INFO",
        }


@pytest.fixture
def deployment(aws_endpoint: str) -> Deployment:
    table = f"dosekeeper-{uuid.uuid4().hex[:8]}"
    deployed = Deployment(aws_endpoint, table, "", "")
    deployed.store().init()
    secrets = deployed.client("secretsmanager")
    session = secrets.create_secret(Name=f"{table}-session", SecretString=uuid.uuid4().hex * 2)["ARN"]
    webhook = secrets.create_secret(Name=f"{table}-webhook", SecretString=uuid.uuid4().hex * 2)["ARN"]
    deployed.client("sesv2").create_email_identity(EmailIdentity="example.org")
    return Deployment(aws_endpoint, table, session, webhook)


def invoke(artefact: Path, module: str, event: dict[str, Any], deployment: Deployment) -> Invocation:
    environment = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(artefact), **deployment.environment()}
    completed = subprocess.run(
        [sys.executable, "-S", "-c", RUNNER.format(module=module)], input=json.dumps(event),
        capture_output=True, text=True, env=environment, cwd=artefact, check=False, timeout=120,
    )
    output = completed.stdout + completed.stderr
    results = [line[len("RESULT "):] for line in completed.stdout.splitlines() if line.startswith("RESULT ")]
    return Invocation(completed.returncode, json.loads(results[0]) if results else None, output)


def launch_request(skill_id: str) -> dict[str, Any]:
    """A LaunchRequest envelope as Alexa sends it to a Lambda endpoint ("Alexa, open Dose Keeper")."""
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    application = {"applicationId": skill_id}
    user = {"userId": "amzn1.ask.account.TESTUSER"}
    return {
        "version": "1.0",
        "session": {"new": True, "sessionId": "amzn1.echo-api.session.1", "application": application,
                    "user": user, "attributes": {}},
        "context": {
            "System": {
                "application": application, "user": user,
                "device": {"deviceId": "amzn1.ask.device.TESTDEVICE", "supportedInterfaces": {}},
                "apiEndpoint": "https://api.eu.amazonalexa.com", "apiAccessToken": "token",
            },
        },
        "request": {"type": "LaunchRequest", "requestId": "amzn1.echo-api.request.1", "timestamp": now,
                    "locale": "en-GB", "shouldLinkResultBeReturned": False},
    }


def scheduled_event(at: datetime) -> dict[str, Any]:
    """The event EventBridge sends for `rate(5 minutes)`."""
    return {
        "version": "0", "id": str(uuid.uuid4()), "detail-type": "Scheduled Event", "source": "aws.events",
        "account": "123456789012", "time": at.strftime("%Y-%m-%dT%H:%M:%SZ"), "region": REGION,
        "resources": ["arn:aws:events:eu-west-1:123456789012:rule/dosekeeper-EveryFiveMinutes"], "detail": {},
    }


def http_get(path: str) -> dict[str, Any]:
    """An API Gateway HTTP API event, payload format 2.0."""
    return {
        "version": "2.0", "routeKey": "$default", "rawPath": path, "rawQueryString": "",
        "headers": {"host": "abc123.execute-api.eu-west-1.amazonaws.com", "user-agent": "curl/8",
                    "x-forwarded-proto": "https", "x-forwarded-port": "443"},
        "requestContext": {
            "accountId": "123456789012", "apiId": "abc123", "domainName": "abc123.execute-api.eu-west-1.amazonaws.com",
            "domainPrefix": "abc123", "requestId": "req-http-1", "routeKey": "$default", "stage": "$default",
            "time": "25/Nov/2026:00:00:00 +0000", "timeEpoch": 1795478400000,
            "http": {"method": "GET", "path": path, "protocol": "HTTP/1.1", "sourceIp": "203.0.113.9",
                     "userAgent": "curl/8"},
        },
        "isBase64Encoded": False,
    }


def seed_recipient(deployment: Deployment) -> str:
    store = deployment.store()
    person = recipient(display_name=PRIVATE_WORDS[0])
    store.put_recipient(person)
    store.put_medication(medication(person.id, name=PRIVATE_WORDS[1]))
    return person.id


def assert_private_words_absent(invocation: Invocation) -> None:
    for word in PRIVATE_WORDS:
        assert word not in invocation.output


def test_alexa_launch_is_answered_from_the_artefact(artefact: Path, deployment: Deployment) -> None:
    # GIVEN a deployment with one recipient, and the skill function built into the artefact
    seed_recipient(deployment)

    # WHEN Alexa sends a LaunchRequest from the configured skill
    invocation = invoke(artefact, "alexa_handler", launch_request(SKILL_ID), deployment)

    # THEN the person hears something: a response envelope with speech
    assert invocation.returncode == 0, invocation.output
    assert invocation.result["version"] == "1.0"
    assert invocation.result["response"]["outputSpeech"]["type"] in {"SSML", "PlainText"}
    # AND the logs are JSON lines with the request id and without the person's or the medicine's name
    assert any(line.get("function_request_id") == "req-0123456789" for line in invocation.log_lines())
    assert_private_words_absent(invocation)


def test_alexa_request_from_another_skill_is_refused(artefact: Path, deployment: Deployment) -> None:
    # GIVEN the skill function configured for SKILL_ID
    other_skill = "amzn1.ask.skill.99999999-9999-9999-9999-999999999999"

    # WHEN a request carrying another skill's id arrives
    invocation = invoke(artefact, "alexa_handler", launch_request(other_skill), deployment)

    # THEN it gets no answer: the function fails instead of speaking for someone else's skill
    assert invocation.returncode != 0
    assert invocation.result is None
    assert "Skill ID Verification failed" in invocation.output


def test_scheduled_sweep_runs_from_the_artefact(artefact: Path, deployment: Deployment) -> None:
    # GIVEN a recipient with a twice-daily medicine and no doses planned yet
    recipient_id = seed_recipient(deployment)
    now = datetime.now(UTC).replace(microsecond=0)

    # WHEN EventBridge's five-minute schedule invokes the sweep function
    invocation = invoke(artefact, "sweep_handler", scheduled_event(now), deployment)

    # THEN the sweep ran as of the scheduled instant and planned the doses to come into the table
    assert invocation.returncode == 0, invocation.output
    assert invocation.result["now"] == now.isoformat()
    assert invocation.result["doses_planned"] > 0
    assert deployment.store().list_doses(recipient_id, now, now.replace(year=now.year + 1))
    # AND it reported a completed sweep to CloudWatch (what the "sweep not run" alarm watches)
    metrics = [line for line in invocation.log_lines() if "_aws" in line]
    assert any(line.get("SweepsCompleted") == [1.0] or line.get("SweepsCompleted") == 1.0 for line in metrics)
    assert all(line["service"] == "dosekeeper" for line in metrics)
    assert_private_words_absent(invocation)


def test_web_health_check_answers_through_the_http_api_event(artefact: Path, deployment: Deployment) -> None:
    # GIVEN the web function built into the artefact

    # WHEN API Gateway forwards GET /healthz (payload format 2.0)
    invocation = invoke(artefact, "api_handler", http_get("/healthz"), deployment)

    # THEN the app answers 200 in the HTTP API response shape
    assert invocation.returncode == 0, invocation.output
    assert invocation.result["statusCode"] == 200
    assert "headers" in invocation.result
    assert any(line.get("correlation_id") == "req-http-1" for line in invocation.log_lines())
