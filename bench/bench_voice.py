"""Voice turn figures: latency in process against moto, DynamoDB requests per turn, and cold-start import cost.

Run: .venv/bin/python -m bench.bench_voice [--turns 200] [--imports 5]
Prints figures; asserts nothing about time (benchmarks never fail a build).

* Latency: launch, log and check turns through the real CustomSkill on a moto DynamoDB (p50 / p99).
* Requests: DynamoDB calls per turn, counted with `RequestCounter`. A session's first turn also reads the
  Alexa link; later turns take it from the session attributes.
* Cold start: `import skill.alexa.skill_builder` versus importing ask-sdk-core + boto3 and creating a
  DynamoDB client, each in fresh subprocesses, alternated so both see the same machine state.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

BASELINE = ("import ask_sdk_core.skill_builder, boto3; "
            "boto3.client('dynamodb', region_name='eu-west-1')")
SKILL = ("import skill.alexa.skill_builder, boto3; "
         "boto3.client('dynamodb', region_name='eu-west-1')")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def import_seconds(code: str) -> float:
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x", "PYTHONPATH": str(ROOT)}
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, env=env, cwd=ROOT)
    return time.perf_counter() - start


def cold_start(rounds: int) -> None:
    baseline: list[float] = []
    skill: list[float] = []
    for _ in range(rounds):
        baseline.append(import_seconds(BASELINE))
        skill.append(import_seconds(SKILL))
    b, s = statistics.median(baseline), statistics.median(skill)
    print(f"cold start (median of {rounds} subprocesses, interpreter start included)")
    print(f"  ask-sdk-core + boto3 + DynamoDB client : {b * 1000:7.1f} ms")
    print(f"  skill builder + boto3 + DynamoDB client: {s * 1000:7.1f} ms   ratio {s / b:.2f}x")


def turns(count: int) -> None:
    import logging

    import boto3
    from moto import mock_aws

    from skill.alexa.skill_builder import build_skill
    from skill.domain.models import LinkCode, Recipient, Schedule
    from skill.domain.voice import AlexaLink
    from skill.store.dynamodb import DynamoStore
    from skill.store.dynamodb.table import RequestCounter
    from tests.factories import medication
    from tests.support.envelopes import Conversation, FixedClock, Speaker

    os.environ.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
                      AWS_DEFAULT_REGION="eu-west-1")
    logging.disable(logging.WARNING)  # the speaker's API endpoint is a closed loopback port: calls fail fast
    with mock_aws():
        client = boto3.client("dynamodb", region_name="eu-west-1")
        store = DynamoStore("bench-voice", client)
        store.init()
        now = datetime(2026, 11, 25, 8, 5, tzinfo=UTC)
        clock = FixedClock(now)
        skill = build_skill(store, skill_id=None, clock=clock)
        counter = RequestCounter(client)
        people: list[tuple[Recipient, Speaker]] = []
        for i in range(count):
            person = Recipient(id=f"rec_bench{i}", display_name=f"Person {i}", timezone="Europe/London",
                               created_at=now - timedelta(days=30))
            store.put_recipient(person)
            store.put_medication(medication(person.id, "Metformin", at=("08:00", "20:00")))
            store.put_medication(medication(person.id, "Aspirin", schedule=Schedule(
                as_needed=True, start=now.date() - timedelta(days=30))))  # relative to the bench's clock
            speaker = Speaker()
            store.put_alexa_link(AlexaLink(speaker.user_id, person.id, now))
            store.mark_disclaimer_heard(person.id, now)
            store.put_link_code(LinkCode.issue(person.id, now))
            people.append((person, speaker))

        def measure(name: str, turn: Callable[[Conversation], Any], warm_session: bool) -> None:
            seconds: list[float] = []
            requests: list[int] = []
            reads: list[int] = []
            for _, speaker in people:
                chat = Conversation(skill, speaker, clock)
                if warm_session:
                    chat.intent("AMAZON.HelpIntent")  # the session now carries the link
                counter.reset()
                start = time.perf_counter()
                turn(chat)
                seconds.append(time.perf_counter() - start)
                requests.append(counter.total)
                reads.append(sum(n for op, n in counter.counts.items() if op in ("GetItem", "Query")))
            print(f"  {name:<34} p50 {percentile(seconds, 0.5) * 1000:6.1f} ms  "
                  f"p99 {percentile(seconds, 0.99) * 1000:6.1f} ms  "
                  f"requests/turn max {max(requests)} (reads {max(reads)}, writes {max(requests) - max(reads)})")

        print(f"voice turns in process against moto ({count} people, one turn each)")
        measure("launch, speaker new to the process", lambda c: c.launch(), warm_session=False)
        measure("launch, returning speaker", lambda c: c.launch(), warm_session=False)
        measure("check 'did I take my pills' (in session)",
                lambda c: c.intent("CheckDoseIntent", medication="pills"), warm_session=True)
        measure("log 'I took my metformin' (in session)",
                lambda c: c.intent("LogDoseIntent", medication="metformin"), warm_session=True)
        measure("check one-shot (new session)", lambda c: c.intent("CheckDoseIntent", medication="pills"),
                warm_session=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--turns", type=int, default=200)
    parser.add_argument("--imports", type=int, default=5)
    args = parser.parse_args()
    turns(args.turns)
    cold_start(args.imports)


if __name__ == "__main__":
    main()
