"""Rollups in SQLite: one row per person, their day counts packed in one text column, indexed by rank.

One row per person rather than one per person and day: the page reads 100 rows, not 9,000, and splitting
one string is cheaper than decoding ninety rows.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date, datetime

from skill.domain.models import Recipient
from skill.store import codec
from skill.store.rollups import (
    DayCounts,
    PersonRollup,
    RankPage,
    RollupChange,
    RollupStore,
    apply_changes,
    decode_days,
    encode_days,
    later,
    oldest_kept,
    rank_value,
)
from skill.store.sqlite.connection import SqliteBase

MIGRATIONS: list[str] = [
    """
    CREATE TABLE rollups (
        recipient_id TEXT PRIMARY KEY, organisation TEXT NOT NULL, adherence_30 REAL, as_of TEXT NOT NULL,
        last_activity TEXT, days TEXT NOT NULL);
    CREATE INDEX rollups_by_org_rank ON rollups (organisation, adherence_30, recipient_id);
    CREATE INDEX rollups_by_rank ON rollups (adherence_30, recipient_id)
    """,
    # Ties (and everyone without a figure) in name order, as the coordinator reads the table
    """
    ALTER TABLE rollups ADD COLUMN sort_name TEXT NOT NULL DEFAULT '';
    DROP INDEX rollups_by_org_rank;
    DROP INDEX rollups_by_rank;
    CREATE INDEX rollups_by_org_rank ON rollups (organisation, adherence_30, sort_name, recipient_id);
    CREATE INDEX rollups_by_rank ON rollups (adherence_30, sort_name, recipient_id)
    """,
]

_CHUNK = 500


def _rollup(row: tuple[str, str | None, str]) -> PersonRollup:
    rid, last, days = row
    return PersonRollup(rid, decode_days(days), datetime.fromisoformat(last) if last else None)


class SqliteRollups(SqliteBase, RollupStore):
    def _stored_rollup(self, recipient_id: str) -> PersonRollup | None:
        row = self._conn().execute("SELECT recipient_id, last_activity, days FROM rollups WHERE recipient_id = ?",
                                   (recipient_id,)).fetchone()
        return _rollup(tuple(row)) if row else None

    def _write_rollup(self, recipient: Recipient, days: Mapping[date, DayCounts], now: datetime,
                      activity: datetime | None) -> None:
        rank = rank_value(days, now.astimezone(recipient.tz).date())
        self._conn().execute(
            "INSERT INTO rollups (recipient_id, organisation, adherence_30, as_of, last_activity, days, sort_name)"
            " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (recipient_id) DO UPDATE SET"
            " organisation = excluded.organisation, adherence_30 = excluded.adherence_30, as_of = excluded.as_of,"
            " last_activity = excluded.last_activity, days = excluded.days, sort_name = excluded.sort_name",
            (recipient.id, recipient.organisation, rank, now.isoformat(),
             activity.isoformat() if activity else None, encode_days(days), recipient.display_name.casefold()))

    def apply_rollup_changes(self, recipient: Recipient, changes: Sequence[RollupChange], now: datetime,
                             activity: datetime | None = None) -> None:
        with self.transaction():
            stored = self._stored_rollup(recipient.id)
            if stored is not None and not changes and activity is None:
                return
            days = apply_changes(stored.days if stored else {}, changes, oldest_kept(now, recipient))
            self._write_rollup(recipient, days, now, later(stored.last_activity if stored else None, activity))

    def replace_rollups(self, recipient: Recipient, days: Mapping[date, DayCounts], now: datetime,
                        activity: datetime | None = None) -> None:
        with self.transaction():
            self._write_rollup(recipient, apply_changes(days, (), oldest_kept(now, recipient)), now, activity)

    def read_rollups(self, recipient_ids: Sequence[str]) -> dict[str, PersonRollup]:
        ids = list(dict.fromkeys(recipient_ids))
        found: dict[str, PersonRollup] = {}
        with self.snapshot() as conn:
            for i in range(0, len(ids), _CHUNK):
                chunk = ids[i:i + _CHUNK]
                marks = ",".join("?" * len(chunk))
                for row in conn.execute(
                        f"SELECT recipient_id, last_activity, days FROM rollups WHERE recipient_id IN ({marks})",  # noqa: S608
                        chunk):
                    rollup = _rollup(tuple(row))
                    found[rollup.recipient_id] = rollup
        return found

    def read_cohort_people(self, recipient_ids: Sequence[str]) -> dict[str, tuple[Recipient, PersonRollup | None]]:
        ids = list(dict.fromkeys(recipient_ids))
        people: dict[str, Recipient] = {}
        with self.snapshot() as conn:
            for i in range(0, len(ids), _CHUNK):
                chunk = ids[i:i + _CHUNK]
                marks = ",".join("?" * len(chunk))
                for row in conn.execute(f"SELECT data FROM recipients WHERE id IN ({marks})", chunk):  # noqa: S608
                    person = codec.recipient_from_dict(json.loads(row[0]))
                    people[person.id] = person
            rollups = self.read_rollups(list(people))
        return {rid: (person, rollups.get(rid)) for rid, person in people.items()}

    def ranked_recipients(self, organisation: str | None, *, offset: int, limit: int, below: float | None = None,
                          descending: bool = False) -> RankPage:
        where, params = ("organisation = ?", [organisation]) if organisation is not None else ("1 = 1", [])
        order = "DESC" if descending else "ASC"
        present_filter = " AND adherence_30 < ?" if below is not None else ""
        present_params: list[object] = [*params, below] if below is not None else list(params)
        with self.snapshot() as conn:
            present = conn.execute(
                f"SELECT COUNT(*) FROM rollups WHERE {where} AND adherence_30 IS NOT NULL{present_filter}",  # noqa: S608
                present_params).fetchone()[0]
            absent = conn.execute(f"SELECT COUNT(*) FROM rollups WHERE {where} AND adherence_30 IS NULL",  # noqa: S608
                                  params).fetchone()[0]
            ids: list[str] = []
            if offset < present:
                ids = [r[0] for r in conn.execute(
                    f"SELECT recipient_id FROM rollups WHERE {where} AND adherence_30 IS NOT NULL"  # noqa: S608
                    f"{present_filter} ORDER BY adherence_30 {order}, sort_name {order}, recipient_id {order}"
                    " LIMIT ? OFFSET ?",
                    [*present_params, limit, offset])]
            if len(ids) < limit:
                skip = max(offset - present, 0)
                ids += [r[0] for r in conn.execute(
                    f"SELECT recipient_id FROM rollups WHERE {where} AND adherence_30 IS NULL"  # noqa: S608
                    " ORDER BY sort_name, recipient_id LIMIT ? OFFSET ?", [*params, limit - len(ids), skip])]
        return RankPage(total=present + absent, recipient_ids=ids)
