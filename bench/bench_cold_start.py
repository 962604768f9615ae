"""First turn after a cold start: DoseKeeper's Lambda entry point against the bare stack doing the same.

Each side runs in a fresh interpreter, as a new Lambda container would, and does import + build + one
LaunchRequest against a DynamoDB table (a moto server on loopback; its own CPU is not counted):

* bare: ask-sdk-core and boto3, a minimal skill whose LaunchRequest handler makes one GetItem and speaks a
  fixed sentence, through ask-sdk's own `lambda_handler`;
* DoseKeeper: `lambda/alexa_handler.py` as Lambda imports it (with Powertools' logger and metrics), on a
  table holding a linked person with two medications, greeting them with what is due; the device's Settings
  API is a loopback fake, asked once as on any first turn of the day.

Both import from compiled bytecode, as the built artefact does. The figure is the child process's CPU
time (user + system, from wait4), so the machine's other load barely moves it; the two sides alternate,
and the ratio of the medians is reported.

    .venv/bin/python -m bench.bench_cold_start              # 7 runs each
    .venv/bin/python -m bench.bench_cold_start --runs 3
"""

from __future__ import annotations

import argparse
import compileall
import json
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

REGION = "eu-west-2"

BARE = r"""
import json, sys, time
import boto3
from ask_sdk_core.skill_builder import SkillBuilder
from ask_sdk_core.utils import is_request_type

table = boto3.resource("dynamodb", region_name="{region}").Table("{table}")
sb = SkillBuilder()

@sb.request_handler(can_handle_func=is_request_type("LaunchRequest"))
def launch(handler_input):
    user_id = handler_input.request_envelope.context.system.user.user_id
    table.get_item(Key={{"PK": "ALEXA#" + user_id, "SK": "LINK"}})
    return handler_input.response_builder.speak("Hello. Your next medicine is at eight.").response

handler = sb.lambda_handler()
print("RESULT " + json.dumps(handler(json.loads(sys.stdin.read()), None)))
"""

OURS = r"""
import json, sys
sys.path.insert(0, "{lambda_dir}")

class Context:
    function_name = "dosekeeper-alexa"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:{region}:123456789012:function:dosekeeper-alexa"
    aws_request_id = "00000000-0000-0000-0000-000000000000"
    def get_remaining_time_in_millis(self):
        return 7000

import alexa_handler
print("RESULT " + json.dumps(alexa_handler.handler(json.loads(sys.stdin.read()), Context())))
"""


def environment(endpoint: str, table: str, skill_id: str) -> dict[str, str]:
    from skill import settings

    return {
        "PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/tmp"),
        "AWS_ENDPOINT_URL": endpoint, "AWS_REGION": REGION, "AWS_DEFAULT_REGION": REGION,
        "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing",
        settings.STORE: f"dynamodb://{table}", settings.TABLE: table, settings.SKILL_ID: skill_id,
        settings.POWERTOOLS_SERVICE_NAME: "dosekeeper", "POWERTOOLS_METRICS_NAMESPACE": "DoseKeeper",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
    }


def seed(endpoint: str, table: str, api_url: str) -> dict[str, Any]:
    """A linked person with two medications; returns the LaunchRequest their speaker sends."""
    import boto3

    from bench.speaker import seed_linked_person
    from skill.store.dynamodb import DynamoStore

    client = boto3.client("dynamodb", region_name=REGION, endpoint_url=endpoint,
                          aws_access_key_id="testing", aws_secret_access_key="testing")
    store = DynamoStore(table, client)
    store.init()
    return seed_linked_person(store, api_url)


def run_child(script: str, event: dict[str, Any], env: dict[str, str]) -> float:
    """CPU seconds of one fresh interpreter doing import + build + one turn."""
    with tempfile.TemporaryFile() as out:
        proc = subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=out,
                                stderr=subprocess.STDOUT, env=env, cwd=ROOT)
        assert proc.stdin is not None
        proc.stdin.write(json.dumps(event).encode())
        proc.stdin.close()
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read().decode(errors="replace")
    results = [line for line in text.splitlines() if line.startswith("RESULT ")]
    if proc.returncode != 0 or not results or "outputSpeech" not in results[0]:
        raise RuntimeError(f"the child failed ({proc.returncode}):\n{text[-2000:]}")
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()

    for tree in ("skill", "lambda"):  # as the Lambda build ships it: compiled ahead, never at a cold start
        compileall.compile_dir(ROOT / tree, quiet=1)
    from moto.server import ThreadedMotoServer

    from tests.support.alexa_apis import fake_alexa_apis
    from tests.support.envelopes import SKILL_ID

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's request lines
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        table = f"dosekeeper-{uuid.uuid4().hex[:8]}"
        with fake_alexa_apis() as apis:
            event = seed(endpoint, table, apis.url)
            env = environment(endpoint, table, SKILL_ID)
            bare_script = BARE.format(region=REGION, table=table)
            ours_script = OURS.format(region=REGION, lambda_dir=ROOT / "lambda")
            run_child(bare_script, event, env)  # warm the file cache for both before counting
            run_child(ours_script, event, env)
            bare: list[float] = []
            ours: list[float] = []
            for _ in range(args.runs):
                bare.append(run_child(bare_script, event, env))
                ours.append(run_child(ours_script, event, env))
    finally:
        server.stop()
    b, o = statistics.median(bare), statistics.median(ours)
    print(f"first turn after a cold start (import + build + LaunchRequest), CPU of {args.runs} fresh interpreters"
          f" each: bare ask-sdk-core + boto3 median {b * 1000:.0f} ms, DoseKeeper {o * 1000:.0f} ms"
          f" = {o / b:.2f}x the bare stack (goal <= 1.2x); fastest of each {min(ours) / min(bare):.2f}x")


if __name__ == "__main__":
    main()
