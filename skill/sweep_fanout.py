"""The sweep fanned out over shards of the due index, so it keeps up when one process cannot.

The DynamoDB due index is split into `due_shards` partitions per UTC hour (`DUE#<hour>#<shard>`, the shard a
stable hash of the person's id). Every five minutes a dispatcher sends one message per shard; a worker that
receives one sweeps that shard alone (`run_sweep(..., shards=[shard])`), with that shard's own checkpoint.
Marking a dose missed and recording its alerts is still one conditional write, so two workers on one shard
(an SQS redelivery, a slow run overlapping the next) change each dose once.

The work that is not per shard (planning doses ahead, settling watched doses, delivering the outbox) rides on
shard 0's message, so it runs once per round and the dispatcher needs no access to the table. Delivery is
not sharded yet: every worker would read the same first due alerts and race to claim them (measured: 2.2x
the requests per dose with 4 workers, no more alerts sent), so alerts recorded in a round leave with shard
0's run of the next round, at most five minutes later (see docs/scale.md for what delivery needs at scale).

The self-hosted process (`dosekeeper serve`, SQLite) keeps the single sweeper over the whole index.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol, runtime_checkable

from skill.domain.models import Dose


@runtime_checkable
class ShardedDueIndex(Protocol):
    """What a store offers a shard-owning sweep (the DynamoDB store; SQLite has one index and one sweeper)."""

    due_shards: int

    def due_doses_in_shards(self, start: datetime, end: datetime, shards: Iterable[int]) -> list[Dose]: ...

    def shard_checkpoint(self, shard: int) -> datetime | None: ...

    def advance_shard_checkpoint(self, shard: int, to: datetime) -> None: ...


@dataclass(frozen=True)
class ShardTask:
    """One worker's job for one round: sweep `shard` of `shards` as of `at`."""

    shard: int
    shards: int
    at: datetime

    @property
    def housekeeping(self) -> bool:
        """Planning ahead, settling watches and delivering run once a round: with shard 0."""
        return self.shard == 0

    def to_message(self) -> str:
        return json.dumps({"shard": self.shard, "shards": self.shards, "at": self.at.astimezone(UTC).isoformat()})

    @classmethod
    def from_message(cls, body: str) -> ShardTask:
        """A task from a queue message; ValueError for anything else (the message then goes to the DLQ)."""
        try:
            data = json.loads(body)
            task = cls(shard=int(data["shard"]), shards=int(data["shards"]),
                       at=datetime.fromisoformat(str(data["at"])).astimezone(UTC))
        except (TypeError, KeyError, ValueError) as exc:  # JSONDecodeError is a ValueError
            raise ValueError("not a sweep shard message") from exc
        if not 0 <= task.shard < task.shards:
            raise ValueError("shard outside the shard count")
        return task


def round_instant(stamp: object) -> datetime:
    """The instant EventBridge scheduled the round for (its event's `time`), so a retried dispatch sweeps
    the same window; a hand-made event without a readable one means now."""
    if isinstance(stamp, str):
        try:
            return datetime.fromisoformat(stamp).astimezone(UTC)
        except ValueError:
            pass
    return datetime.now(UTC)


def round_tasks(shards: int, at: datetime) -> list[ShardTask]:
    """One round of the fan-out: a task per shard, all as of the same instant."""
    if shards < 1:
        raise ValueError("shards must be at least 1")
    return [ShardTask(shard=s, shards=shards, at=at) for s in range(shards)]


def assign(shards: int, workers: int) -> list[list[int]]:
    """Shards dealt round-robin to `workers` owners (every shard exactly once); for threads and tests."""
    owned: list[list[int]] = [[] for _ in range(workers)]
    for shard in range(shards):
        owned[shard % workers].append(shard)
    return owned


def check_shards(store: object, shards: Sequence[int]) -> ShardedDueIndex:
    """The store as a sharded index, refusing shards it does not have (a dispatcher and a table that
    disagree on the count would otherwise leave shards unswept without a word)."""
    if not isinstance(store, ShardedDueIndex):
        raise TypeError("this store has one due index: sweep it whole (shards=None)")
    for shard in shards:
        if not 0 <= shard < store.due_shards:
            raise ValueError(f"shard {shard} is outside the store's {store.due_shards} shards")
    return store
