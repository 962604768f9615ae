"""The coordinator's first page from rollups, against its floors, side by side in one run (issue 13).

    .venv/bin/python bench/bench_rollups.py [--recipients 1000] [--days 90] [--big 10000] [--only sqlite|dynamodb]

Prints, each as a ratio (below 1.0: the page beats its floor):
- SQLite: the first page (100 rows, sorted by 30-day adherence) vs ONE SQL statement over the raw doses
  computing 7/30/90-day adherence for everyone, sorted, first 100 rows (the floor, without PDC or trend);
- DynamoDB Local: the same page vs the projected Query set (one Query per person of 90 days of doses,
  ProjectionExpression SK and status: the least a dose-reading page can ask for), with request counts;
- SQLite: the first page at --big people vs at --recipients people (rollups only; ~1.0 is the goal).
Times are medians of several runs; figures on a shared machine vary, the ratios much less.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import uuid
from collections import defaultdict
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from time import perf_counter
from typing import Any

import boto3

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.bench_coordinator import NOW, load_dynamo, load_sqlite, population
from skill.domain.actors import Actor
from skill.domain.models import Dose, Recipient
from skill.reports.rollups import recount
from skill.store.base import Store
from skill.store.dynamodb import DynamoStore
from skill.store.dynamodb.table import RequestCounter, rec_pk, to_value
from skill.store.rollups import DayCounts
from skill.store.sqlite import SqliteStore
from skill.usecases.cohort import CohortQuery, cohort_page
from tests.support.servers import dynamodb_local_server

PAGE = CohortQuery(sort="adherence_30", limit=100)
OPERATOR = Actor.operator()


def median_time(run: Callable[[], object], repeats: int) -> float:
    run()  # warm: connections, caches
    times = []
    for _ in range(repeats):
        started = perf_counter()
        run()
        times.append(perf_counter() - started)
    return statistics.median(times)


def build_rollups(store: Store, people: list[Recipient], doses: list[Dose]) -> None:
    mine: dict[str, list[Dose]] = defaultdict(list)
    for dose in doses:
        mine[dose.recipient_id].append(dose)
    for person in people:
        store.replace_rollups(person, recount(mine[person.id], set()), NOW)


def first_page(store: Store) -> Callable[[], object]:
    return lambda: cohort_page(store, OPERATOR, NOW, PAGE)


FLOOR_SQL = """
SELECT recipient_id,
  1.0 * SUM(CASE WHEN due_utc >= :d7 AND status IN ('taken', 'taken_late') THEN 1 ELSE 0 END)
      / NULLIF(SUM(CASE WHEN due_utc >= :d7 AND status IN ('taken', 'taken_late', 'missed') THEN 1 ELSE 0 END), 0),
  1.0 * SUM(CASE WHEN due_utc >= :d30 AND status IN ('taken', 'taken_late') THEN 1 ELSE 0 END)
      / NULLIF(SUM(CASE WHEN due_utc >= :d30 AND status IN ('taken', 'taken_late', 'missed') THEN 1 ELSE 0 END), 0)
      AS a30,
  1.0 * SUM(CASE WHEN status IN ('taken', 'taken_late') THEN 1 ELSE 0 END)
      / NULLIF(SUM(CASE WHEN status IN ('taken', 'taken_late', 'missed') THEN 1 ELSE 0 END), 0),
  SUM(CASE WHEN due_utc >= :d30 AND status = 'missed' THEN 1 ELSE 0 END)
FROM doses WHERE due_utc >= :d90 AND due_utc < :end
GROUP BY recipient_id ORDER BY a30 IS NULL, a30, recipient_id LIMIT 100
"""


def sqlite_floor(store: SqliteStore) -> Callable[[], object]:
    params = {f"d{n}": (NOW - timedelta(days=n)).isoformat() for n in (7, 30, 90)} | {"end": NOW.isoformat()}
    return lambda: store.query(FLOOR_SQL, params)  # type: ignore[arg-type]


def bench_sqlite(n: int, days: int, repeats: int) -> float:
    people, meds, doses = population(n, days)
    with tempfile.TemporaryDirectory() as tmp:
        store = SqliteStore(Path(tmp) / "bench.db")
        store.init()
        load_sqlite(store, people, meds, doses)
        build_rollups(store, people, doses)
        page = median_time(first_page(store), repeats)
        floor = median_time(sqlite_floor(store), repeats)
        store.close()
    print(f"sqlite  first page, {n} people x {days} days ({len(doses)} doses): {page * 1000:.1f} ms; "
          f"one SQL statement over the doses: {floor * 1000:.1f} ms; ratio {page / floor:.3f} (goal < 1.0)")
    return page


def synthetic_rollups(n: int, days: int) -> tuple[SqliteStore, tempfile.TemporaryDirectory[str]]:
    rng = random.Random(3)
    tmp = tempfile.TemporaryDirectory()
    store = SqliteStore(Path(tmp.name) / "big.db")
    store.init()
    today = NOW.date()
    for i in range(n):
        person = Recipient(id=f"rec_{i:06d}", display_name=f"Person {i:06d}", timezone="Europe/London",
                           organisation="bench", created_at=NOW - timedelta(days=days))
        store.put_recipient(person)
        rollup: dict[date, DayCounts] = {}
        for d in range(days):
            taken = rng.choice((2, 2, 2, 1, 0))
            rollup[today - timedelta(days=d)] = DayCounts(on_time=taken, missed=2 - taken)
        store.replace_rollups(person, rollup, NOW)
    return store, tmp


def bench_scale(small: int, big: int, days: int, repeats: int) -> None:
    timings = {}
    for n in (small, big):
        store, tmp = synthetic_rollups(n, days)
        timings[n] = median_time(first_page(store), repeats)
        store.close()
        tmp.cleanup()
    print(f"sqlite  first page from rollups: {small} people {timings[small] * 1000:.1f} ms, {big} people "
          f"{timings[big] * 1000:.1f} ms; ratio {timings[big] / timings[small]:.2f} (goal ~1.0)")


def projected_queries(store: DynamoStore, people: list[Recipient], days: int) -> Callable[[], object]:
    start = "DOSE#" + (NOW - timedelta(days=days)).isoformat()
    end = "DOSE#" + NOW.isoformat()

    def run() -> int:
        read = 0
        for person in people:
            for _ in store.table.query_all(
                    KeyConditionExpression="PK = :pk AND SK BETWEEN :a AND :b", ProjectionExpression="SK, #s",
                    ExpressionAttributeNames={"#s": "status"},
                    ExpressionAttributeValues={":pk": to_value(rec_pk(person.id)), ":a": to_value(start),
                                               ":b": to_value(end)}):
                read += 1
        return read
    return run


def counted(counter: RequestCounter, run: Callable[[], object]) -> dict[str, int]:
    counter.reset()
    run()
    return dict(counter.counts)


def bench_dynamodb(n: int, days: int, repeats: int) -> None:
    people, meds, doses = population(n, days)
    with dynamodb_local_server() as url:
        client: Any = boto3.client("dynamodb", endpoint_url=url, region_name="us-east-1",
                                   aws_access_key_id="x", aws_secret_access_key="x")
        store = DynamoStore(f"bench-{uuid.uuid4().hex[:8]}", client)
        store.init()
        load_dynamo(store, people, meds, doses)
        build_rollups(store, people, doses)
        counter = RequestCounter(client)
        page_requests = counted(counter, first_page(store))
        floor_requests = counted(counter, projected_queries(store, people, days))
        page = median_time(first_page(store), repeats)
        floor = median_time(projected_queries(store, people, days), max(2, repeats // 2))
    print(f"dynamodb-local first page, {n} people x {days} days: {page * 1000:.1f} ms, requests {page_requests}; "
          f"projected Query set: {floor * 1000:.1f} ms, requests {floor_requests}; ratio {page / floor:.3f} "
          f"(goal < 1.0)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--recipients", type=int, default=1000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--big", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--only", choices=("sqlite", "dynamodb", "scale"))
    args = parser.parse_args()
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):  # the readiness probe signs its request:
        os.environ.setdefault(name, "bench")  # without these it never answers and the start "times out"
    if args.only in (None, "sqlite"):
        bench_sqlite(args.recipients, args.days, args.repeats)
    if args.only in (None, "scale"):
        bench_scale(args.recipients, args.big, args.days, args.repeats)
    if args.only in (None, "dynamodb"):
        bench_dynamodb(args.recipients, args.days, args.repeats)


if __name__ == "__main__":
    main()
