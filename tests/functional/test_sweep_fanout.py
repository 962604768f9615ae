"""The fanned-out sweep against DynamoDB Local: shard-owning workers, run at once, miss nothing and repeat nothing.

What a carer would notice: every dose that went untaken is marked missed once, they get one alert for it
(not none, not two), and nobody's doses are left unswept because their shard had no owner. Workers run in
threads on their own clients, as Lambda workers would run in their own containers.
"""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from skill.domain.alerts import Message
from skill.domain.models import Contact, Dose, DoseStatus, Recipient, new_id
from skill.store.dynamodb import DynamoStore
from skill.store.dynamodb.table import due_shard
from skill.store.sqlite import SqliteStore
from skill.sweep import run_sweep
from skill.sweep_fanout import ShardTask, assign, round_tasks
from tests.conftest import dynamodb_client

SHARDS = 8
WORKERS = 3


class RecordingChannel:
    """An email channel that keeps what it was asked to send (thread-safe: workers share it)."""

    name = "email"

    def __init__(self) -> None:
        self.sent: list[str] = []
        self._lock = threading.Lock()

    def send(self, message: Message) -> None:
        with self._lock:
            self.sent.append(message.key)


@pytest.fixture
def table_name(dynamodb_local_url: str) -> Iterator[str]:
    name = f"dk-{uuid.uuid4().hex[:12]}"
    store = DynamoStore(name, dynamodb_client(dynamodb_local_url), due_shards=SHARDS)
    store.init()
    yield name
    store.client.delete_table(TableName=name)


def open_sharded(url: str, name: str, shards: int = SHARDS) -> DynamoStore:
    return DynamoStore(name, dynamodb_client(url), due_shards=shards)


def person_in_every_shard(count: int) -> list[str]:
    """Recipient ids covering every shard at least once, so 'no shard skipped' is tested, not hoped."""
    ids: list[str] = []
    while len(ids) < count or {due_shard(r, SHARDS) for r in ids} != set(range(SHARDS)):
        ids.append(new_id("rec"))
    return ids


def add_person(store: DynamoStore, rid: str, now: datetime) -> tuple[list[Dose], Dose]:
    """A person with one carer and four doses: two past their 30-minute grace, one in grace, one to come."""
    store.put_recipient(Recipient(id=rid, display_name="Edith", timezone="UTC", grace_minutes=30,
                                  created_at=now - timedelta(days=30)))
    store.put_contact(Contact(id=new_id("con"), recipient_id=rid, name="Ann", channel="email",
                              address="ann@example.org"))
    doses = [Dose(id=f"{rid}@{n}", recipient_id=rid, medication_id=f"med_{rid}", medication_name="Metformin",
                  scheduled_local=at, scheduled_utc=at)
             for n, at in enumerate((now - timedelta(hours=3), now - timedelta(minutes=50),
                                     now - timedelta(minutes=10), now + timedelta(hours=2)))]
    store.put_doses(doses)
    return doses[:2], doses[2]


def test_workers_owning_shards_mark_every_due_dose_once_and_alert_once(
        dynamodb_local_url: str, table_name: str) -> None:
    # GIVEN a table with 8 due-index shards, people in every shard, and a few people whose doses were
    # written before the table was sharded (the migration window: they sit in the unsharded partition)
    now = datetime.now(UTC).replace(microsecond=0)
    writer = open_sharded(dynamodb_local_url, table_name)
    legacy_writer = open_sharded(dynamodb_local_url, table_name, shards=1)
    overdue: list[Dose] = []
    in_grace: list[Dose] = []
    for rid in person_in_every_shard(30):
        due, waiting = add_person(writer, rid, now)
        overdue += due
        in_grace.append(waiting)
    for _ in range(4):
        due, waiting = add_person(legacy_writer, new_id("rec"), now)
        overdue += due
        in_grace.append(waiting)
    channel = RecordingChannel()

    # WHEN three workers own the shards between them, and a fourth duplicates the first (an SQS
    # redelivery, or a slow round overlapping the next), all sweeping at once on their own clients
    owners = assign(SHARDS, WORKERS)
    owners.append(owners[0])

    def work(shards: list[int]) -> int:
        store = open_sharded(dynamodb_local_url, table_name)
        report = run_sweep(store, {"email": channel}, now, shards=shards, plan=False, settle=False,
                           deliver=shards == owners[0], clock=lambda: now)
        return report.marked_missed

    with ThreadPoolExecutor(len(owners)) as pool:
        marked = sum(pool.map(work, owners))
    # ... and the next round (shard 0's worker delivers) sends what this round recorded
    last = run_sweep(writer, {"email": channel}, now, shards=list(range(SHARDS)), plan=False, settle=False,
                     clock=lambda: now)

    # THEN every overdue dose was marked missed exactly once, across all workers
    assert marked == len(overdue)
    assert last.marked_missed == 0
    for dose in overdue:
        view = writer.load_recipient_view(dose.recipient_id, now - timedelta(days=1))
        assert view is not None
        statuses = {d.id: d.status for d in view.doses}
        assert statuses[dose.id] is DoseStatus.MISSED
    # ... doses still in their grace window stay pending, for the next round
    for dose in in_grace:
        view = writer.load_recipient_view(dose.recipient_id, now - timedelta(days=1))
        assert view is not None
        assert {d.id: d.status for d in view.doses}[dose.id] is DoseStatus.PENDING
    # ... every carer's alert was recorded once and delivered once
    recorded = [a for rid in {d.recipient_id for d in overdue} for a in writer.list_alerts(rid)]
    assert sorted(a.subject_id for a in recorded) == sorted(d.id for d in overdue)
    assert len(channel.sent) == len(overdue)
    assert set(Counter(channel.sent).values()) == {1}
    # ... and no shard was skipped: each has its own checkpoint, at the oldest dose still in grace or now
    checkpoints = [writer.shard_checkpoint(s) for s in range(SHARDS)]
    assert all(c is not None and now - timedelta(minutes=10) <= c <= now for c in checkpoints)


def test_a_round_sends_one_task_per_shard_and_a_worker_reads_its_message_back() -> None:
    # GIVEN a round of 8 shards
    at = datetime.now(UTC).replace(microsecond=0)
    tasks = round_tasks(SHARDS, at)

    # THEN every shard is in it once, and only shard 0 carries the once-a-round work
    assert [t.shard for t in tasks] == list(range(SHARDS))
    assert [t.housekeeping for t in tasks] == [True] + [False] * (SHARDS - 1)
    # ... and each message reads back as the same task
    assert [ShardTask.from_message(t.to_message()) for t in tasks] == tasks


@pytest.mark.parametrize("body", ["", "{}", '{"shard": 8, "shards": 8, "at": "2026-01-01T00:00:00+00:00"}',
                                  '{"shard": "x", "shards": 8, "at": "soon"}'])
def test_a_message_that_is_not_a_shard_task_is_refused(body: str) -> None:
    with pytest.raises(ValueError, match="shard"):
        ShardTask.from_message(body)


def test_a_worker_refuses_a_shard_the_table_does_not_have(dynamodb_local_url: str, table_name: str) -> None:
    store = open_sharded(dynamodb_local_url, table_name)
    now = datetime.now(UTC)
    with pytest.raises(ValueError, match="outside"):
        run_sweep(store, {}, now, shards=[SHARDS], plan=False, settle=False, clock=lambda: now)


def test_the_self_hosted_store_keeps_the_single_sweeper(tmp_path: object) -> None:
    store = SqliteStore(f"{tmp_path}/dk.db")
    store.init()
    now = datetime.now(UTC)
    with pytest.raises(TypeError, match="whole"):
        run_sweep(store, {}, now, shards=[0], plan=False, settle=False, clock=lambda: now)


def test_shards_are_stable_and_spread() -> None:
    # The shard must not change between processes or releases (Python's own hash is salted per process).
    assert due_shard("rec_0000001", 16) == due_shard("rec_0000001", 16)
    assert due_shard("anything", 1) == 0
    spread = Counter(due_shard(f"rec_{i:07d}", 16) for i in range(16_000))
    assert len(spread) == 16
    assert max(spread.values()) < 1.2 * 1000  # within 20% of an even share
