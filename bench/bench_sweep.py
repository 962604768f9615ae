"""Sweep cost against table size: 10k and 100k recipients, 4 doses a day, the same doses due in the window.

For each size the table is loaded (BatchWriteItem) with 4 doses per recipient for the day; exactly
`--due` of them fall in the sweep's window, the rest at other hours. One sweep then marks the due ones
missed. Printed per run: wall time, DynamoDB calls by operation (botocore `before-call.dynamodb` hooks),
reads, doses swept per second, and the sweep's requests against its floor (the due-index Query plus one
write per due dose). The due people are added as `add_recipient` adds them (rollup and rank entries), so
their rank moves inside the miss's own write and, without contacts, no contact read is made.
The read count should not grow with the table: the sweep reads only the
due-time index, never the whole table.

    .venv/bin/python bench/bench_sweep.py                 # 10k and 100k on moto and dynalite
    .venv/bin/python bench/bench_sweep.py --sizes 1000,5000 --backends moto   # quick (CI)
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
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

WINDOW_START = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
WINDOW = timedelta(minutes=10)
NOW = WINDOW_START + timedelta(minutes=70)  # every due dose is past its 60-minute grace window
OTHER_TIMES = (timedelta(hours=4), timedelta(hours=10), timedelta(hours=14))  # the other three doses
READS = ("GetItem", "Query", "BatchGetItem", "Scan")
CONFIG = Config(retries={"max_attempts": 10, "mode": "adaptive"}, max_pool_connections=16)


def dose(rid: str, n: int, at: datetime) -> Dose:
    return Dose(id=f"med_{rid}@{n}", recipient_id=rid, medication_id=f"med_{rid}", medication_name="Bench",
                scheduled_local=at, scheduled_utc=at)


def items(size: int, due: int) -> Iterator[dict[str, Any]]:
    """4 doses per recipient; recipients below `due` have one in the window (and a profile to read)."""
    for i in range(size):
        rid = f"rec_{i:07d}"
        if i < due:
            at = WINDOW_START + WINDOW * (i / due)
            recipient = Recipient(id=rid, display_name="Bench", timezone="UTC", created_at=WINDOW_START)
            yield {"PK": rec_pk(rid), "SK": "~PROFILE", "type": "recipient", **codec.recipient_to_dict(recipient)}
        else:
            at = WINDOW_START + timedelta(hours=2)
        yield _dose_item(dose(rid, 0, at))
        for n, offset in enumerate(OTHER_TIMES, start=1):
            yield _dose_item(dose(rid, n, WINDOW_START + offset + timedelta(seconds=i % 3600)))


def load(store: DynamoStore, size: int, due: int, threads: int) -> float:
    started = time.perf_counter()
    batch: list[dict[str, Any]] = []
    batches: list[list[dict[str, Any]]] = []
    for item in items(size, due):
        batch.append({"PutRequest": {"Item": to_item(item)}})
        if len(batch) == 500:
            batches.append(batch)
            batch = []
    batches.append(batch)
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(store.table.batch_write, batches))
    return time.perf_counter() - started


def add_people(store: DynamoStore, due: int, with_contacts: int) -> None:
    """The due people's rollup and rank entries as `add_recipient` writes them (and a contact for some)."""
    for i in range(due):
        rid = f"rec_{i:07d}"
        store.apply_rollup_changes(
            Recipient(id=rid, display_name="Bench", timezone="UTC", created_at=WINDOW_START), [], WINDOW_START)
        if i < with_contacts:
            store.put_contact(Contact(id=f"con_{i}", recipient_id=rid, name="Carer", channel="email",
                                      address=f"carer{i}@example.org", created_at=WINDOW_START))


def measure(store: DynamoStore, backend: str, size: int, due: int, threads: int,
            with_contacts: int = 0) -> dict[str, Any]:
    loaded = load(store, size, due, threads)
    add_people(store, due, with_contacts)
    store.advance_sweep_checkpoint(WINDOW_START)
    counter = RequestCounter(store.client)
    started = time.perf_counter()
    report = run_sweep(store, {}, NOW, plan=False)
    elapsed = time.perf_counter() - started
    reads = sum(v for k, v in counter.counts.items() if k in READS)
    assert report.marked_missed == due, report
    calls = sum(counter.counts.values())
    floor = len(list(hour_buckets(report.window_start, NOW))) + due  # one due-index Query per hour bucket
    return {"backend": backend, "recipients": size, "items": size * 4 + due, "load_s": loaded,
            "total": calls, "floor": floor, "ratio": calls / floor,
            "swept": report.marked_missed, "sweep_s": elapsed, "reads": reads, "calls": dict(counter.counts),
            "per_s": report.marked_missed / elapsed}


@contextmanager
def moto_store() -> Iterator[DynamoStore]:
    from moto import mock_aws

    with mock_aws():
        store = DynamoStore("bench", boto3.client("dynamodb", region_name="eu-west-1", config=CONFIG))
        store.init()
        yield store


@contextmanager
def dynalite_store() -> Iterator[DynamoStore]:
    from tests.support.servers import dynalite_server

    with dynalite_server() as url:
        client = boto3.client("dynamodb", region_name="eu-west-1", endpoint_url=url, config=CONFIG)
        store = DynamoStore(f"bench-{uuid.uuid4().hex[:8]}", client)
        store.init()
        yield store


@contextmanager
def local_store() -> Iterator[DynamoStore]:
    """Amazon's DynamoDB Local: transactions as on AWS (dynalite has none, so a miss there is two writes)."""
    from tests.support.servers import dynamodb_local_server

    with dynamodb_local_server() as url:
        client = boto3.client("dynamodb", region_name="eu-west-1", endpoint_url=url, config=CONFIG)
        store = DynamoStore(f"bench-{uuid.uuid4().hex[:8]}", client)
        store.init()
        yield store


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000", help="recipient counts, comma-separated")
    parser.add_argument("--due", type=int, default=200,
                        help="doses due in the sweep window on dynalite and DynamoDB Local (the same for every size)")
    parser.add_argument("--moto-due", type=int, default=200,
                        help="the same on moto, whose Query walks its whole table (slow, not a cost we pay)")
    parser.add_argument("--backends", default="moto,dynalite", help="moto, dynalite, local (DynamoDB Local)")
    parser.add_argument("--with-contacts", type=int, default=0,
                        help="how many of the due people have a contact (each costs the sweep a Query)")
    args = parser.parse_args()
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        os.environ.setdefault(name, "bench")
    results = []
    for backend in args.backends.split(","):
        for size in (int(s) for s in args.sizes.split(",")):
            factory = {"moto": moto_store, "dynalite": dynalite_store, "local": local_store}[backend]
            with factory() as store:
                due = args.moto_due if backend == "moto" else args.due
                result = measure(store, backend, size, due, 1 if backend == "moto" else 8,
                                 min(due, args.with_contacts))
            results.append(result)
            print(f"{backend:8} {size:>7} recipients ({result['items']:>7} items, loaded in {result['load_s']:.0f} s):"
                  f" swept {result['swept']} doses in {result['sweep_s']:.2f} s = {result['per_s']:.0f} doses/s;"
                  f" {result['reads']} reads; calls {result['calls']}", flush=True)
            print(f"  sweep cost: {result['total']} requests vs floor {result['floor']} (the due-index Queries + one"
                  f" write per due dose) = {result['ratio']:.2f}x the floor", flush=True)
    for backend in args.backends.split(","):
        runs = [r for r in results if r["backend"] == backend]
        if len(runs) >= 2:
            small, large = runs[0], runs[-1]
            print(f"{backend}: {large['recipients'] // small['recipients']}x the table -> reads x"
                  f"{large['reads'] / small['reads']:.2f}, time x{large['sweep_s'] / small['sweep_s']:.2f}")


if __name__ == "__main__":
    main()
