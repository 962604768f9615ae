"""Coordinator table for N recipients (default 1,000) with 90 days of history, on SQLite and on dynalite.

Prints the server time of one cohort page (GET /api/v1/reports/cohort, which computes every row to sort and
filter) and, on DynamoDB, the number of store requests it made. History is loaded with batch writes.

    .venv/bin/python bench/bench_coordinator.py [--recipients 1000] [--days 90] [--only sqlite|dynalite] [--varied]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import uuid
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from time import perf_counter

import boto3
from flask import Flask

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from skill.accounts.tokens import issue_token
from skill.domain.accounts import Role, User
from skill.domain.models import Dose, DoseStatus, LogSource, Medication, Recipient, Schedule, new_id
from skill.doses import expected_doses
from skill.store.base import Store
from skill.store.dynamodb import DynamoStore
from skill.store.dynamodb.core import _dose_item
from skill.store.dynamodb.table import RequestCounter, to_item
from skill.store.sqlite import SqliteStore
from skill.web.api import api_blueprint
from tests.support.servers import dynalite_server

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
ORG = "bench"
ZONES = ("Europe/London", "America/New_York", "Australia/Sydney")


def schedule_for(rng: random.Random, start: date, varied: bool) -> Schedule:
    """08:00 and 20:00 daily; or (`varied`) each person's own two times and start day, so no two people
    share a schedule and nothing is gained from expanding a shared one once (the worst case)."""
    if not varied:
        return Schedule(times=(time(8), time(20)), start=start - timedelta(days=1))
    minute = rng.randrange(6 * 60, 11 * 60)
    return Schedule(times=(time(minute // 60, minute % 60), time(minute // 60 + 10, minute % 60)),
                    start=start - timedelta(days=rng.randrange(1, 700)))


def population(n: int, days: int, varied: bool = False) -> tuple[list[Recipient], list[Medication], list[Dose]]:
    rng = random.Random(7)
    start = NOW - timedelta(days=days)
    people, meds, doses = [], [], []
    for i in range(n):
        person = Recipient(id=f"rec_{i:05d}", display_name=f"Person {i:05d}", timezone=ZONES[i % 3],
                           organisation=ORG, created_at=start)
        med = Medication(id=f"med_{i:05d}", recipient_id=person.id, name="Metformin",
                         schedule=schedule_for(rng, start.date(), varied), created_at=start)
        people.append(person)
        meds.append(med)
        habit = rng.uniform(0.5, 1.0)
        for dose in expected_doses(person, med, start, NOW):
            roll = rng.random()
            if roll < habit:
                late = rng.random() < 0.1
                doses.append(replace(dose, status=DoseStatus.TAKEN_LATE if late else DoseStatus.TAKEN,
                                     logged_at=dose.scheduled_utc + timedelta(minutes=90 if late else 5),
                                     source=LogSource.VOICE))
            elif roll < habit + 0.03:
                doses.append(replace(dose, status=DoseStatus.SKIPPED, logged_at=dose.scheduled_utc,
                                     source=LogSource.VOICE))
            elif roll < habit + 0.2:
                doses.append(replace(dose, status=DoseStatus.MISSED))
            # else: never stored (the sweep never planned it): the report must still count it missed
    return people, meds, doses


def load_sqlite(store: SqliteStore, people: list[Recipient], meds: list[Medication], doses: list[Dose]) -> None:
    for person in people:
        store.put_recipient(person)
    for med in meds:
        store.put_medication(med)
    for i in range(0, len(doses), 5000):  # put_doses stores statuses as given: a history import
        store.put_doses(doses[i:i + 5000])


def load_dynamo(store: DynamoStore, people: list[Recipient], meds: list[Medication], doses: list[Dose]) -> None:
    for person in people:
        store.put_recipient(person)
    for med in meds:
        store.put_medication(med)
    store.table.batch_write([{"PutRequest": {"Item": to_item(_dose_item(d))}} for d in doses])


def coordinator_token(store: Store) -> str:
    coordinator = User(id=new_id("usr"), email=f"{new_id('c')}@example.org", role=Role.COORDINATOR,
                       organisation=ORG, password_hash="unused", created_at=NOW)
    store.create_user(coordinator)
    secret, token = issue_token(coordinator.id, "bench", NOW)
    store.put_token(token)
    return secret


def time_pages(store: Store, secret: str, repeats: int) -> tuple[list[float], list[float]]:
    """(cold first pages, warm next pages): each repeat mounts a fresh API (empty cohort cache)."""
    cold: list[float] = []
    warm: list[float] = []
    total = len(store.list_recipients(ORG))
    for _ in range(repeats):
        app = Flask(__name__)
        app.register_blueprint(api_blueprint(store, clock=lambda: NOW))
        client = app.test_client()
        for offset, bucket in ((0, cold), (50, warm), (100, warm)):
            began = perf_counter()
            response = client.get(f"/api/v1/reports/cohort?sort=adherence_30&limit=50&offset={offset}",
                                  headers={"Authorization": f"Bearer {secret}"})
            bucket.append(perf_counter() - began)
            assert response.status_code == 200, response.get_data(as_text=True)
            assert response.json is not None and response.json["total"] == total
    return cold, warm


def report(label: str, timings: tuple[list[float], list[float]], extra: str = "") -> None:
    cold, warm = timings
    print(f"{label:<10} first page (computes the table): median {statistics.median(cold) * 1000:7.0f} ms "
          f"(min {min(cold) * 1000:.0f}); next pages: median {statistics.median(warm) * 1000:5.1f} ms {extra}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--recipients", type=int, default=1000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--only", choices=("sqlite", "dynalite"))
    parser.add_argument("--varied", action="store_true", help="a different schedule for every person")
    args = parser.parse_args()
    began = perf_counter()
    people, meds, doses = population(args.recipients, args.days, args.varied)
    print(f"{len(people)} recipients, {args.days} days, {len(doses)} stored doses "
          f"(built in {perf_counter() - began:.1f} s)")
    if args.only in (None, "sqlite"):
        with tempfile.TemporaryDirectory() as tmp:
            store = SqliteStore(Path(tmp) / "bench.db")
            store.init()
            began = perf_counter()
            load_sqlite(store, people, meds, doses)
            print(f"sqlite     loaded in {perf_counter() - began:.1f} s")
            report("sqlite", time_pages(store, coordinator_token(store), args.repeats))
            store.close()
    if args.only in (None, "dynalite"):
        with dynalite_server() as url:
            client = boto3.client("dynamodb", region_name="eu-west-1", endpoint_url=url,
                                  aws_access_key_id="bench", aws_secret_access_key="bench")
            dynamo = DynamoStore(f"bench-{uuid.uuid4().hex[:8]}", client)
            dynamo.init()
            began = perf_counter()
            load_dynamo(dynamo, people, meds, doses)
            print(f"dynalite   loaded in {perf_counter() - began:.1f} s")
            secret = coordinator_token(dynamo)
            counter = RequestCounter(client)
            cold, warm = time_pages(dynamo, secret, 1)
            counts = dict(counter.counts)
            more_cold, more_warm = time_pages(dynamo, secret, max(args.repeats - 1, 0))
            report("dynalite", (cold + more_cold, warm + more_warm),
                   f"\n           store requests for a first and two next pages (3 token checks included): "
                   f"{sum(counts.values())} {counts}")


if __name__ == "__main__":
    main()
