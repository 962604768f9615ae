"""The log lines an operator reads: JSON from a real `dosekeeper serve` and from a Lambda entry point.

Each line must parse as JSON, keep the structured fields the code passed with ``extra=``, say which logger
wrote it, and never carry a person's or a medicine's name, even when code passes one by mistake.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from skill.store.sqlite import SqliteStore
from skill.voice_console.envelopes import Caller, envelope, launch_request, new_session_id
from skill.voice_console.linking import ensure_linked
from tests import factories
from tests.support.serve_process import dosekeeper_serve
from tests.support.servers import free_port

ROOT = Path(__file__).resolve().parents[2]
SKILL_ID = "amzn1.ask.skill.11111111-2222-3333-4444-555555555555"
PRIVATE_WORDS = ("Edith", "Metformin")


def json_lines(text: str) -> list[dict[str, Any]]:
    """Every non-empty line, parsed: a line that is not JSON fails the test here."""
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_serve_writes_every_line_as_json_with_its_fields_and_no_names(tmp_path: Path) -> None:
    # GIVEN Edith, linked to an Alexa user, with Metformin on her list
    db = tmp_path / "dosekeeper.db"
    store = SqliteStore(db)
    store.init()
    edith = factories.recipient(display_name="Edith", timezone="Europe/London")
    store.put_recipient(edith)
    store.put_medication(factories.medication(edith.id, "Metformin", at=("08:00",), dose_text="500 mg"))
    user_id = ensure_linked(store, edith.id, datetime.now(UTC))
    store.close()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"} | {"DOSEKEEPER_STORE": f"sqlite:///{db}"}
    # WHEN `dosekeeper serve` answers her "Alexa, open Dose Keeper" (its Alexa APIs unreachable, so it warns)
    caller = Caller(skill_id=SKILL_ID, user_id=user_id, locale="en-GB",
                    api_endpoint=f"http://127.0.0.1:{free_port()}")
    body = envelope(caller, new_session_id(), True, {}, launch_request(caller, datetime.now(UTC)))
    command = [sys.executable, "-c", "from skill.cli.main import cli; cli()"]
    with dosekeeper_serve(command, ["--allow-unsigned", "--no-sweep"], env=env, cwd=ROOT,
                          stderr_path=tmp_path / "serve.log") as served:
        request = urllib.request.Request(served.base_url + "/alexa", data=json.dumps(body).encode(),
                                         headers={"Content-Type": "application/json"}, method="POST")
        with urllib.request.urlopen(request, timeout=20) as reply:
            spoken = json.loads(reply.read())["response"]["outputSpeech"]["ssml"]
        logs = served.stop()
    assert "Edith" in spoken  # the turn really read her record

    # THEN every line on stderr is one JSON object
    lines = json_lines(logs)
    # AND the startup line and the turn keep their structured fields, and name their logger and service
    [serving] = [line for line in lines if line["message"] == "serving"]
    assert serving["port"] == int(served.base_url.rsplit(":", 1)[1]) and serving["alexa_verified"] is False
    assert serving["logger"] == "dosekeeper.cli.serve" and serving["level"] == "INFO"
    [turn] = [line for line in lines if line["message"] == "alexa turn"]
    assert turn["request"] == "LaunchRequest" and turn["linked"] is True
    assert turn["logger"].startswith("dosekeeper.alexa") and turn["service"]
    # AND no line carries her name or her medicine's
    assert not [word for word in PRIVATE_WORDS if word in logs]


RUNNER = """
import json, sys, types
import boto3
from moto import mock_aws
from skill.observability import get_logger

with mock_aws():
    from skill.store.dynamodb import DynamoStore
    DynamoStore("dosekeeper-logs", boto3.client("dynamodb", region_name="eu-west-1")).init()
    sys.path.insert(0, "lambda")
    import alexa_handler as entry

    context = types.SimpleNamespace(
        function_name="alexa_handler", function_version="$LATEST", memory_limit_in_mb=1024,
        invoked_function_arn="arn:aws:lambda:eu-west-1:123456789012:function:alexa_handler",
        aws_request_id="req-0123456789", log_group_name="/dosekeeper/test", log_stream_name="stream",
        get_remaining_time_in_millis=lambda: 7000)

    @entry.logger.inject_lambda_context(clear_state=False)
    def a_turn_with_a_mistake(event, context):
        answer = entry.handler(event, context)
        # the mistake the guard exists for: a medicine's and a person's name passed as fields
        get_logger("skill.doses").info("dose logged", extra={
            "dose_id": "dos_1", "medication_name": "Metformin", "recipient": {"displayName": "Edith"}})
        return answer

    print("RESULT " + json.dumps(a_turn_with_a_mistake(json.loads(sys.stdin.read()), context)))
"""


@pytest.mark.parametrize("service", ["dosekeeper", "dosekeeper-voice"])
def test_a_lambda_entry_point_writes_json_lines_with_request_ids_and_no_names(service: str) -> None:
    # GIVEN the Alexa Lambda entry point on moto, under the template's service name or another one
    env = {"PATH": os.environ.get("PATH", ""), "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
           "AWS_DEFAULT_REGION": "eu-west-1", "AWS_REGION": "eu-west-1", "DOSEKEEPER_TABLE": "dosekeeper-logs",
           "DOSEKEEPER_SKILL_ID": SKILL_ID, "POWERTOOLS_SERVICE_NAME": service, "POWERTOOLS_LOG_LEVEL": "INFO",
           "POWERTOOLS_METRICS_NAMESPACE": "DoseKeeper", "PYTHONPATH": str(ROOT)}
    caller = Caller(skill_id=SKILL_ID, user_id="amzn1.ask.account.NEW", locale="en-GB")
    event = envelope(caller, new_session_id(), True, {}, launch_request(caller, datetime.now(UTC)))
    # WHEN a new user opens the skill and the code then logs a name by mistake
    done = subprocess.run([sys.executable, "-c", RUNNER], input=json.dumps(event), capture_output=True,
                          text=True, env=env, cwd=ROOT, check=False, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "six-digit code" in done.stdout
    output = done.stdout + done.stderr
    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    logs = [line for line in lines if "message" in line]  # the rest are CloudWatch embedded metrics

    # THEN the entry point's own line and the skill's lines share the format, the service and the request id
    [request] = [line for line in logs if line["message"] == "alexa request"]
    [turn] = [line for line in logs if line["message"] == "alexa turn"]
    for line in (request, turn):
        assert line["function_request_id"] == "req-0123456789"
        assert line["service"] == service and line["component"] == "alexa"
    assert request["request_type"] == "LaunchRequest"
    assert turn["request"] == "LaunchRequest" and turn["linked"] is False
    assert turn["logger"] == "dosekeeper.alexa.interceptors"
    # AND the mistaken fields are kept as keys but blanked, so nobody reads a name in CloudWatch
    [mistake] = [line for line in logs if line["message"] == "dose logged"]
    assert mistake["dose_id"] == "dos_1" and mistake["logger"] == "dosekeeper.doses"
    assert mistake["medication_name"] == "[redacted]" and mistake["recipient"] == {"displayName": "[redacted]"}
    assert not [word for word in PRIVATE_WORDS if word in output]
