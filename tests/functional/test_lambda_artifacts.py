"""The built Lambda artefact: each handler imported from it alone, run on the event AWS would send.

The artefact is built once per session by scripts/build_lambda.py for this machine (the deploy build is the
same but with Lambda's arm64 wheels, which cannot load here). Each handler runs in a fresh interpreter with
``-S`` (no site-packages) and the artefact as its only path, so a dependency missing from the zip fails here
and not on the first Alexa request. AWS is a moto server on loopback, reached through ``AWS_ENDPOINT_URL``.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import uuid
import zipfile
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
from tests.functional.test_template import load_build_script

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


def build(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(ROOT / "scripts" / "build_lambda.py"), *args],
                          capture_output=True, text=True, check=False, env=env, timeout=600)


def broken_python(directory: Path, name: str = "python3.12") -> Path:
    """What `make build` found: a pyenv shim named python3.12 that exits 127 because no 3.12 is selected."""
    directory.mkdir(parents=True, exist_ok=True)
    shim = directory / name
    shim.write_text(f"#!/bin/sh\necho 'pyenv: {name}: command not found' >&2\nexit 127\n", encoding="utf-8")
    shim.chmod(0o755)
    return shim


def test_every_module_of_the_artefact_has_unchecked_pyc_for_the_python_it_runs_on(artefact: Path) -> None:
    # GIVEN the artefact built for this machine's Python (the deploy build does the same for the runtime's)
    tag = sys.implementation.cache_tag
    sources = sorted(artefact.glob("*.py")) + sorted((artefact / "skill").rglob("*.py"))
    dependencies = sorted((artefact / "boto3").rglob("*.py")) + sorted((artefact / "flask").rglob("*.py"))

    # THEN every DoseKeeper module, entry point and dependency module has a .pyc for this Python
    for source in [*sources, *dependencies]:
        pyc = source.parent / "__pycache__" / f"{source.stem}.{tag}.pyc"
        assert pyc.is_file(), source.relative_to(artefact)
        header = pyc.read_bytes()[:8]
        # AND it is this Python's bytecode, hash-based and unchecked: valid whatever times the zip gives
        assert header[:4] == importlib.util.MAGIC_NUMBER
        assert int.from_bytes(header[4:8], "little") == 0b01
    # AND the zip carries them
    with zipfile.ZipFile(artefact.parent / "lambda.zip") as archive:
        assert f"skill/__pycache__/doses.{tag}.pyc" in archive.namelist()


def test_the_build_stops_when_the_requested_python_cannot_run(tmp_path: Path) -> None:
    # GIVEN a python3.12 on hand that cannot run
    shim = broken_python(tmp_path / "bin")
    out = tmp_path / "out"

    # WHEN the deploy build is asked to compile with it
    result = build("--compile-with", str(shim), "--out", str(out))

    # THEN it fails loudly, before downloading anything, and leaves no artefact to deploy
    assert result.returncode == 2
    assert f"--compile-with {shim} exits with 127" in result.stderr
    assert "must run and be Python 3.12" in result.stderr
    assert not (out / "lambda.zip").exists()


def test_the_build_stops_when_no_runtime_python_can_be_found(tmp_path: Path) -> None:
    # GIVEN a machine where the only python3.12 is a broken shim (PATH) and pyenv has no 3.12 installed
    script = load_build_script()
    shim = broken_python(tmp_path / "bin")
    found = [str(shim), sys.executable]

    # WHEN the build looks for the runtime's Python
    with pytest.raises(script.BuildError) as failure:
        script.pick_python(found, "3.12")

    # THEN it names what it tried and why each failed, and both ways forward
    message = str(failure.value)
    assert f"tried: {shim} exits with 127: pyenv: python3.12: command not found" in message
    assert f"tried: {sys.executable} is Python {sys.version_info.major}.{sys.version_info.minor}" in message
    assert "--compile-with" in message and "--no-compile" in message


def test_make_clean_keeps_the_skill_s_ask_state(tmp_path: Path) -> None:
    # GIVEN a build folder with an artefact, an ASK project, and the ASK CLI's record of the skill
    states = tmp_path / "build" / "ask" / ".ask" / "ask-states.json"
    states.parent.mkdir(parents=True)
    states.write_text('{"profiles": {"default": {"skillId": "amzn1.ask.skill.x"}}}', encoding="utf-8")
    (tmp_path / "build" / "ask" / "skill-package").mkdir()
    (tmp_path / "build" / "lambda").mkdir()
    (tmp_path / "build" / "lambda.zip").write_bytes(b"zip")

    # WHEN the operator runs `make clean`
    result = subprocess.run(["make", "-f", str(ROOT / "Makefile"), "-C", str(tmp_path), "clean"],
                            capture_output=True, text=True, check=False)

    # THEN the build output is gone but the record that makes the next `ask deploy` update the same skill stays
    assert result.returncode == 0, result.stderr
    assert states.is_file()
    assert sorted(p.name for p in (tmp_path / "build").rglob("*")) == [".ask", "ask", "ask-states.json"]


def test_make_deploy_says_what_is_missing_before_doing_anything(tmp_path: Path) -> None:
    # GIVEN a venv with its cfn-lint, and no SAM CLI on PATH
    venv_bin = tmp_path / "venv" / "bin"
    venv_bin.mkdir(parents=True)
    (venv_bin / "python").symlink_to(sys.executable)
    (venv_bin / "cfn-lint").symlink_to(Path(sys.executable).with_name("cfn-lint"))
    make = shutil.which("make")
    assert make is not None

    # WHEN `make deploy` runs
    result = subprocess.run(
        [make, "-f", str(ROOT / "Makefile"), "-C", str(ROOT), f"PYTHON={venv_bin / 'python'}", "deploy"],
        capture_output=True, text=True, check=False, env={"PATH": str(tmp_path / "empty"), "HOME": str(tmp_path)},
    )

    # THEN it stops at once and says how to get the SAM CLI, having built and deployed nothing
    assert result.returncode != 0
    assert "the AWS SAM CLI (sam) is not on PATH" in result.stderr
    assert "build_lambda.py" not in result.stdout


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
