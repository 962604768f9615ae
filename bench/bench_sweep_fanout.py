"""The fanned-out sweep on DynamoDB Local: per-worker throughput and requests per dose, against one sweeper.

A table with `--shards` due-index shards is loaded with `--people` people, each with a carer and one dose
due in the window (past its grace), plus three doses at other hours. Then, on a fresh copy each time, the
due doses are swept by 1 worker owning every shard and by `--workers` workers (threads, each with its own
client, as Lambda containers would have) owning the shards round-robin. Printed per run: doses marked,
wall time, each worker's doses/s, and DynamoDB requests per dose against the floor measured in the same
run (one Query per shard per hour read, and one TransactWriteItems per dose). Only marking is measured:
delivery runs once a round in shard 0's worker, and its cost is the outbox's (bench_sweep.py). Every dose
must be marked once and every alert recorded once, or the bench fails.

    .venv/bin/python bench/bench_sweep_fanout.py                       # 2,000 people, 8 shards, 1 and 4 workers
    .venv/bin/python bench/bench_sweep_fanout.py --people 500 --workers 1,2   # quick
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import boto3
from botocore.config import Config

from skill.domain.models import Contact, Dose, Recipient
from skill.store import codec
from skill.store.dynamodb import DynamoStore
from skill.store.dynamodb.core import _dose_item
from skill.store.dynamodb.table import RequestCounter, hour_buckets, rec_pk, to_item
from skill.sweep import run_sweep
from skill.sweep_fanout import assign

NOW = datetime.now(UTC).replace(second=0, microsecond=0)
WINDOW = timedelta(minutes=5)
WINDOW_START = NOW - timedelta(minutes=65)  # due 65-60 minutes ago: past the 30-minute grace window
OTHER_TIMES = (timedelta(hours=4), timedelta(hours=10), timedelta(hours=14))
CONFIG = Config(retries={"max_attempts": 10, "mode": "adaptive"}, max_pool_connections=32)


def dose(rid: str, n: int, at: datetime) -> Dose:
    return Dose(id=f"{rid}@{n}", recipient_id=rid, medication_id=f"med_{rid}", medication_name="Bench",
                scheduled_local=at, scheduled_utc=at)


def items(people: int, shards: int) -> Iterator[dict[str, Any]]:
    for i in range(people):
        rid = f"rec_{i:07d}"
        recipient = Recipient(id=rid, display_name="Bench", timezone="UTC", grace_minutes=30,
                              created_at=NOW - timedelta(days=30))
        yield {"PK": rec_pk(rid), "SK": "~PROFILE", "type": "recipient", **codec.recipient_to_dict(recipient)}
        yield _dose_item(dose(rid, 0, WINDOW_START + WINDOW * (i / people)), shards)
        for n, offset in enumerate(OTHER_TIMES, start=1):
            yield _dose_item(dose(rid, n, NOW + offset), shards)


def load(store: DynamoStore, people: int) -> None:
    batches: list[list[dict[str, Any]]] = [[]]
    for item in items(people, store.due_shards):
        if len(batches[-1]) == 500:
            batches.append([])
        batches[-1].append({"PutRequest": {"Item": to_item(item)}})

    def contact(i: int) -> None:
        store.put_contact(Contact(id=f"con_{i}", recipient_id=f"rec_{i:07d}", name="Carer", channel="email",
                                  address=f"carer{i}@example.org", created_at=NOW - timedelta(days=30)))

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(store.table.batch_write, batches))
        list(pool.map(contact, range(people)))


def sweep_with(url: str, people: int, shards: int, workers: int) -> dict[str, Any]:
    table = f"bench-{uuid.uuid4().hex[:8]}"
    seed = DynamoStore(table, boto3.client("dynamodb", region_name="eu-west-1", endpoint_url=url, config=CONFIG),
                       due_shards=shards)
    seed.init()
    try:
        load(seed, people)
        for shard in range(shards):  # every shard last swept just before the window
            seed.advance_shard_checkpoint(shard, WINDOW_START - timedelta(minutes=1))

        ops: dict[str, int] = {}

        def work(owned: list[int]) -> tuple[int, float, int]:
            store = DynamoStore(table, boto3.client("dynamodb", region_name="eu-west-1", endpoint_url=url,
                                                    config=CONFIG), due_shards=shards)
            counter = RequestCounter(store.client)
            started = time.perf_counter()
            report = run_sweep(store, {}, NOW, shards=owned, plan=False, settle=False, deliver=False,
                               clock=lambda: NOW)
            elapsed = time.perf_counter() - started
            for op, n in counter.counts.items():
                ops[op] = ops.get(op, 0) + n
            return report.marked_missed, elapsed, counter.total

        started = time.perf_counter()
        with ThreadPoolExecutor(workers) as pool:
            results = list(pool.map(work, assign(shards, workers)))
        wall = time.perf_counter() - started
        marked = sum(r[0] for r in results)
        alerts = sum(len(seed.list_alerts(f"rec_{i:07d}")) for i in range(people))
        assert marked == people, f"{marked} of {people} due doses marked"
        assert alerts == people, f"{alerts} alerts recorded for {people} missed doses"
        calls = sum(r[2] for r in results)
        hours = len(list(hour_buckets(WINDOW_START - timedelta(minutes=1), NOW)))
        floor = shards * hours + people + (hours if shards > 1 else 0)  # + shard 0's unsharded partition
        return {"workers": workers, "marked": marked, "wall_s": wall, "calls": calls, "floor": floor,
                "per_worker": [r[0] / r[1] for r in results if r[1] > 0], "total_per_s": marked / wall, "ops": ops}
    finally:
        seed.client.delete_table(TableName=table)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=2000)
    parser.add_argument("--shards", type=int, default=8)
    parser.add_argument("--workers", default="1,4", help="comma-separated worker counts (1 is the baseline)")
    args = parser.parse_args()
    from tests.support.servers import dynamodb_local_server

    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):  # DynamoDB Local takes any; boto3 wants some
        os.environ.setdefault(name, "bench")
    print(f"fanned-out sweep on DynamoDB Local: {args.people} people due, {args.shards} shards")
    with dynamodb_local_server() as url:
        for workers in (int(w) for w in args.workers.split(",")):
            r = sweep_with(url, args.people, args.shards, workers)
            per_worker = ", ".join(f"{v:.0f}" for v in r["per_worker"])
            print(f"  {workers} worker(s): {r['marked']} marked once in {r['wall_s']:.1f}s"
                  f" = {r['total_per_s']:.0f} doses/s in all; per worker {per_worker} doses/s;"
                  f" {r['calls'] / r['marked']:.2f} requests/dose"
                  f" (ratio {r['calls'] / r['floor']:.2f} to the floor of {r['floor']} in this run)")
            print("    requests: " + ", ".join(f"{op} {n}" for op, n in sorted(r["ops"].items())))


if __name__ == "__main__":
    main()
