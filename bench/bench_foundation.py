"""Foundation figures: schedule expansion speed, store requests per access pattern, due-window cost vs table size.

Run: .venv/bin/python -m bench.bench_foundation [--large 50000] [--patterns-only]
Prints figures; asserts nothing about time (benchmarks never fail a build).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from typing import Any

import boto3

from skill.domain.models import Contact, DoseStatus, LogSource, Medication, Recipient, Schedule
from skill.doses import as_needed_dose, expected_doses
from skill.notify.policy import missed_alerts
from skill.schedules import day_window
from skill.store import codec
from skill.store.dynamodb import DynamoStore
from skill.store.dynamodb.core import _dose_item
from skill.store.dynamodb.table import RequestCounter, to_item
from skill.store.sqlite import SqliteStore
from skill.usecases.planning import plan_medication

ZONES = ("Europe/London", "America/New_York", "Australia/Sydney", "Asia/Kolkata")
WINDOW_START = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
WINDOW = timedelta(minutes=5)


def people(n: int, meds_each: int = 4) -> Iterator[tuple[Recipient, list[Medication]]]:
    for i in range(n):
        r = Recipient(id=f"rec_{i:07d}", display_name=f"Person {i}", timezone=ZONES[i % len(ZONES)])
        meds = [Medication(id=f"med_{i:07d}_{k}", recipient_id=r.id, name=f"Medicine {k}",
                           schedule=Schedule(times=(clock(7 + k), clock(19, 30)), start=date(2026, 1, 1)))
                for k in range(meds_each)]
        yield r, meds


def bench_expansion() -> None:
    start, end = datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC)
    t0 = time.perf_counter()
    total = 0
    for r, meds in people(1000):
        for m in meds:
            total += len(expected_doses(r, m, start, end))
    elapsed = time.perf_counter() - t0
    print(f"expansion: {total:,} doses for 1,000 recipients x 4 medications x 1 year "
          f"in {elapsed:.2f} s = {total / elapsed:,.0f} doses/s")


@contextmanager
def moto_store(name: str = "bench-table") -> Iterator[DynamoStore]:
    from moto import mock_aws

    with mock_aws():
        client = boto3.client("dynamodb", region_name="eu-west-1")
        store = DynamoStore(name, client)
        store.init()
        yield store


@contextmanager
def dynalite_store(name: str = "bench-table") -> Iterator[DynamoStore]:
    from tests.support.servers import dynalite_server

    with dynalite_server() as url:
        client = boto3.client("dynamodb", region_name="eu-west-1", endpoint_url=url,
                              aws_access_key_id="x", aws_secret_access_key="x")
        store = DynamoStore(name, client)
        store.init()
        yield store


@contextmanager
def dynamodb_local_store(name: str = "bench-table") -> Iterator[DynamoStore]:
    from tests.support.servers import dynamodb_local_server

    with dynamodb_local_server() as url:
        client = boto3.client("dynamodb", region_name="eu-west-1", endpoint_url=url,
                              aws_access_key_id="bench", aws_secret_access_key="bench")
        store = DynamoStore(name, client)
        store.init()
        yield store


class StatementCounter:
    """Counts SQL statements on this thread's SQLite connection: the SQLite store's "requests"."""

    def __init__(self, store: SqliteStore) -> None:
        self.counts: dict[str, int] = {}
        store._conn().set_trace_callback(self._count)

    def _count(self, sql: str) -> None:
        verb = sql.split(None, 1)[0].upper()
        if verb not in ("BEGIN", "COMMIT", "ROLLBACK", "PRAGMA"):
            self.counts[verb] = self.counts.get(verb, 0) + 1

    def reset(self) -> None:
        self.counts.clear()


# The fewest requests each access pattern can take on DynamoDB: what the ratios below are measured against.
FLOOR = {
    "voice turn: load_recipient_view": 1,  # one Query of the person's partition
    "log a dose: record_dose": 1,  # one conditional UpdateItem
    "log it again (already taken)": 1,  # the conditional write that refuses it
    "log a counted dose (pills)": 1,  # one TransactWriteItems: dose + pill count
    "log it again (pills)": 1,  # one read or one refused write
    "as-needed log: record_as_needed_dose": 1,  # one TransactWriteItems: dose + guard + pills
    "as-needed echo (same intake)": 1,  # one read of the guard
    "due window (5 min): due_doses": 1,  # one Query per UTC hour touched
    "a day's doses: list_doses": 1,
    "mark missed": 1,  # one conditional UpdateItem
    "mark missed + 2 alerts": 1,  # one TransactWriteItems: status change + 2 outbox rows
    "mark missed again (lost race)": 1,  # the refused write
}
# dynalite has no TransactWriteItems: the patterns that need it are not run there.
NEEDS_TRANSACTIONS = {"log a counted dose (pills)", "log it again (pills)", "as-needed log: record_as_needed_dose",
                      "as-needed echo (same intake)", "mark missed + 2 alerts", "mark missed again (lost race)"}


def bench_access_patterns(store: DynamoStore | SqliteStore, label: str, transactions: bool = True) -> None:
    counter: RequestCounter | StatementCounter = (
        StatementCounter(store) if isinstance(store, SqliteStore) else RequestCounter(store.client))
    r, meds = next(people(1))
    counted = replace(meds[0], pill_count=30)
    meds[0] = counted
    as_needed = Medication(id="med_as_needed", recipient_id=r.id, name="Paracetamol", pill_count=16,
                           schedule=Schedule(as_needed=True, min_interval_minutes=240, start=date(2026, 1, 1)))
    store.put_recipient(r)
    for m in (*meds, as_needed):
        store.put_medication(m)
        plan_medication(store, r, m, WINDOW_START - timedelta(hours=2))
    ann = Contact(id="con_ann", recipient_id=r.id, name="Ann", channel="email", address="ann@example.org")
    bob = Contact(id="con_bob", recipient_id=r.id, name="Bob", channel="email", address="bob@example.org")
    rows: list[tuple[str, dict[str, int]]] = []

    def measure(name: str, fn: Any) -> Any:
        if name in NEEDS_TRANSACTIONS and not transactions:
            return None
        counter.reset()
        result = fn()
        rows.append((name, dict(counter.counts)))
        return result

    view = measure("voice turn: load_recipient_view", lambda: store.load_recipient_view(r.id, WINDOW_START))
    doses = [d for d in view.doses if d.medication_id != counted.id]
    pill_dose = next(d for d in view.doses if d.medication_id == counted.id)
    dose = doses[0]
    measure("log a dose: record_dose", lambda: store.record_dose(dose, DoseStatus.TAKEN, WINDOW_START, LogSource.VOICE))
    measure("log it again (already taken)",
            lambda: store.record_dose(dose, DoseStatus.TAKEN, WINDOW_START, LogSource.VOICE))
    measure("log a counted dose (pills)", lambda: store.record_dose(
        pill_dose, DoseStatus.TAKEN, WINDOW_START, LogSource.VOICE, pill_delta=-1))
    measure("log it again (pills)", lambda: store.record_dose(
        pill_dose, DoseStatus.TAKEN, WINDOW_START, LogSource.VOICE, pill_delta=-1))
    day = day_window(WINDOW_START.astimezone(r.tz).date(), r.tz)

    def log_as_needed(at: datetime) -> Any:
        return store.record_as_needed_dose(
            as_needed_dose(r, as_needed, at), DoseStatus.TAKEN, at, LogSource.VOICE, pill_delta=-1,
            same_intake_within=timedelta(minutes=5), day_start=day[0], day_end=day[1])

    if transactions:  # the guard's first log after an upgrade reads the doses once; measure a settled guard
        log_as_needed(WINDOW_START - timedelta(hours=6))
    measure("as-needed log: record_as_needed_dose", lambda: log_as_needed(WINDOW_START))
    measure("as-needed echo (same intake)", lambda: log_as_needed(WINDOW_START + timedelta(minutes=2)))
    measure("due window (5 min): due_doses", lambda: store.due_doses(WINDOW_START, WINDOW_START + WINDOW))
    measure("a day's doses: list_doses", lambda: store.list_doses(r.id, WINDOW_START, WINDOW_START + timedelta(days=1)))
    measure("mark missed", lambda: store.mark_missed(doses[1]))
    missed = doses[2]
    alerts = missed_alerts(r, missed, [ann, bob], WINDOW_START)
    measure("mark missed + 2 alerts", lambda: store.mark_missed_with_alerts(missed, alerts, WINDOW_START))
    measure("mark missed again (lost race)", lambda: store.mark_missed_with_alerts(missed, alerts, WINDOW_START))
    print(f"\nStore requests per access pattern ({label}):")
    for name, counts in rows:
        total = sum(counts.values())
        ratio = "" if isinstance(store, SqliteStore) else f"  floor {FLOOR[name]}, x{total / FLOOR[name]:.1f}"
        print(f"  {name:<38} {total} request(s){ratio} {counts}")


def load_table(store: DynamoStore, n: int, due_in_window: int) -> None:
    """n recipients x 4 doses on one day; exactly `due_in_window` of them fall in the 5-minute window."""
    requests = []
    for i, (r, meds) in enumerate(people(n, meds_each=1)):
        requests.append({"PutRequest": {"Item": to_item({
            "PK": f"REC#{r.id}", "SK": "~PROFILE", "type": "recipient", **codec.recipient_to_dict(r)})}})
        for k in range(4):
            minute = 2 if (i < due_in_window and k == 0) else 10 + (i * 7 + k * 311) % 1400
            due = WINDOW_START + timedelta(minutes=minute)
            dose = expected_doses(r, meds[0], due, due + timedelta(days=1))[0]
            dose = dose.__class__(**{**{f: getattr(dose, f) for f in dose.__dataclass_fields__},
                                     "id": f"{meds[0].id}@{k}", "scheduled_utc": due,
                                     "scheduled_local": due.astimezone(r.tz)})
            requests.append({"PutRequest": {"Item": to_item(_dose_item(dose))}})
    store.table.batch_write(requests)


def bench_due_window(factory: Any, label: str, sizes: list[int], due: int = 200) -> None:
    print(f"\nDue-window query cost vs table size ({label}; {due} doses due in the window):")
    for n in sizes:
        with factory(f"bench-{n}") as store:
            t0 = time.perf_counter()
            load_table(store, n, due)
            loaded = time.perf_counter() - t0
            counter = RequestCounter(store.client)
            t0 = time.perf_counter()
            found = store.due_doses(WINDOW_START, WINDOW_START + WINDOW)
            elapsed = time.perf_counter() - t0
            print(f"  {n:>7,} recipients ({n * 4:,} doses, loaded in {loaded:.0f} s): "
                  f"{len(found)} due doses read with {counter.total} request(s) in {elapsed * 1000:.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--large", type=int, default=50_000)
    parser.add_argument("--skip-dynalite", action="store_true")
    parser.add_argument("--skip-dynamodb-local", action="store_true")
    parser.add_argument("--patterns-only", action="store_true",
                        help="request counts only: no expansion, no large tables")
    args = parser.parse_args()
    # Local servers and moto only: fake credentials (letters and digits, as DynamoDB Local 3.x wants), never
    # the shell's, so a benchmark can never reach a real account.
    os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench", AWS_DEFAULT_REGION="eu-west-1")
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB"):
        os.environ.pop(name, None)
    if not args.patterns_only:
        bench_expansion()
    with tempfile.TemporaryDirectory() as tmp:
        sqlite = SqliteStore(Path(tmp) / "bench.db")
        sqlite.init()
        bench_access_patterns(sqlite, "SQLite: SQL statements")
    with moto_store() as store:
        bench_access_patterns(store, "moto")
    if not args.skip_dynamodb_local:
        with dynamodb_local_store() as store:
            bench_access_patterns(store, "DynamoDB Local")
    if not args.skip_dynalite:
        with dynalite_store() as store:
            bench_access_patterns(store, "dynalite: no transactions, those patterns left out", transactions=False)
    if args.patterns_only:
        return
    bench_due_window(moto_store, "moto", [1_000, args.large])
    if not args.skip_dynalite:
        bench_due_window(dynalite_store, "dynalite", [1_000, args.large])


if __name__ == "__main__":
    main()
