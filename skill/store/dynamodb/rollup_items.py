"""The rollup's day-counts item as a dose write sees it: one Update that adds, never reads.

    day counts   PK=ROLLUP#<rid>   SK=DAYS   d<YYYY-MM-DD> (a day's counts packed in one number), v, last, tz
                                             GSI2 while its rank is stale: RERANK / <rid>

A day's four counts are packed into one number (on time + late x 1000 + missed x 1000^2 + skipped x 1000^3),
so a change is `ADD d2026-12-01 :delta` and needs no read: the dose write and the rollup change travel in
one TransactWriteItems, and a voice log stays one Query and one write. A decrement only ever takes back a
count the same dose put there (the dose write's condition pins the status it leaves), so no field borrows
from the next. The rank cannot be added to, so the Update marks the item stale (GSI2 `RERANK`) and the
sweep re-ranks stale people each run (`DynamoRollups.refresh_ranks`): a coordinator's order lags a log by
at most one sweep, the same lag as a missed dose, and the figures on the row are always current.

Lives apart from rollups.py so the core's dose writes can use it without importing the rollup mixin.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from skill.store.dynamodb.table import to_value
from skill.store.rollups import FIELDS, DayCounts, RollupChange

DAYS = "DAYS"
RANK = "RANK"
RERANK = "RERANK"
CONTACTS_FLAG = "has_contacts"  # on the day-counts item: False lets the sweep skip reading contacts
CONTACT_IDS = "contact_ids"  # every contact's id, so the sweep reads them in batches; absent = not known
CONTACTS_VERSION = "contacts_v"  # bumped by every contact added; a removal rewrites the flag only if unchanged
DAY_PREFIX = "d"
_BASE = 1000
_WEIGHT = {field: _BASE ** i for i, field in enumerate(FIELDS)}


def rollup_pk(recipient_id: str) -> str:
    return f"ROLLUP#{recipient_id}"


def day_attribute(day: date) -> str:
    return f"{DAY_PREFIX}{day.isoformat()}"


def pack(counts: DayCounts) -> int:
    return sum(getattr(counts, f) * w for f, w in _WEIGHT.items())


def unpack(value: int) -> DayCounts:
    parts = []
    for _ in FIELDS:
        value, part = divmod(value, _BASE)
        parts.append(part)
    return DayCounts(*parts)


def days_of(item: Mapping[str, Any]) -> dict[date, DayCounts]:
    """The day counts of a typed (low-level) item; days whose counts went back to zero are left out."""
    days: dict[date, DayCounts] = {}
    for name, value in item.items():
        if name[:1] == DAY_PREFIX and name[1:2].isdigit():
            packed = int(value["N"])
            if packed:
                days[date.fromisoformat(name[1:])] = unpack(packed)
    return days


def day_deltas(changes: Iterable[RollupChange]) -> dict[str, int]:
    deltas: dict[str, int] = {}
    for change in changes:
        name = day_attribute(change.day)
        deltas[name] = deltas.get(name, 0) + change.delta * _WEIGHT[change.field]
    return {n: d for n, d in deltas.items() if d}


def counts_update(table_name: str, key: dict[str, Any], recipient_id: str, changes: Sequence[RollupChange],
                  activity: datetime | None, tz: str | None, *, stale: bool = True,
                  organisation: str | None = None, name: str | None = None) -> dict[str, Any]:
    """One Update of the day-counts item (alone, or an item of the dose write's transaction)."""
    deltas = day_deltas(changes)
    names = {f"#d{i}": n for i, n in enumerate(deltas)}
    values: dict[str, Any] = {f":d{i}": to_value(d) for i, d in enumerate(deltas.values())}
    values[":one"] = to_value(1)
    adds = [f"#d{i} :d{i}" for i in range(len(deltas))] + ["v :one"]
    sets = ["#t = if_not_exists(#t, :type)"]
    names["#t"] = "type"
    values[":type"] = to_value("rollup_days")
    if activity is not None:
        sets.append("#last = :last")
        names["#last"] = "last"
        values[":last"] = to_value(activity.isoformat())
    if tz is not None:
        sets.append("tz = if_not_exists(tz, :tz)")
        values[":tz"] = to_value(tz)
    if organisation is not None:
        sets.append("org = :org")
        values[":org"] = to_value(organisation)
    if name is not None:
        sets.append("#name = :name")
        names["#name"] = "name"
        values[":name"] = to_value(name)
    if stale:
        sets += ["GSI2PK = :rerank", "GSI2SK = :rid"]
        values.update({":rerank": to_value(RERANK), ":rid": to_value(recipient_id)})
    return {"TableName": table_name, "Key": key, "UpdateExpression": "SET " + ", ".join(sets) + " ADD "
            + ", ".join(adds), "ExpressionAttributeNames": names, "ExpressionAttributeValues": values}


def rank_sort_key(rank: float | None, recipient_id: str, name: str = "") -> str:
    """By figure (none last), then name, then id: the order the coordinator reads the table in."""
    return f"A#{rank:.6f}#{name}#{recipient_id}" if rank is not None else f"Z#{name}#{recipient_id}"


def tz_name(when: datetime) -> str | None:
    key = getattr(when.tzinfo, "key", None)
    return str(key) if key else None
