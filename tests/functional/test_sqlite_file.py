"""The embedded store's file: WAL, versioned migrations, and many threads at once."""

from __future__ import annotations

import json
import sqlite3
import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from skill.domain.models import Dose, DoseStatus, LogSource
from skill.doses import expected_doses
from skill.store import codec
from skill.store.sqlite import SqliteStore, core
from skill.store.sqlite.connection import SqliteBase
from tests.factories import medication, recipient

DAY = datetime(2026, 11, 25, tzinfo=UTC)


def test_file_uses_wal_and_migrations_apply_once_per_area(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "a.db")
    store.init()
    first = store.schema_versions()
    store.init()
    assert store.schema_versions() == first
    assert {"core", "alerts", "voice", "accounts", "feeds"} <= set(first)
    mode = sqlite3.connect(tmp_path / "a.db").execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"


def test_an_older_file_is_upgraded_in_place_keeping_its_data(tmp_path: Path) -> None:
    # GIVEN a file made by the first release: only the core schema, version 1, with a dose logged in it
    class FirstRelease(SqliteBase):
        migrations = (("core", core.MIGRATIONS[:1]),)

    old = FirstRelease(tmp_path / "old.db")
    old.init()
    edith = recipient()
    dose = replace(expected_doses(edith, medication(edith.id), DAY, DAY + timedelta(days=1))[0],
                   status=DoseStatus.TAKEN, logged_at=DAY + timedelta(hours=8, minutes=5), source=LogSource.VOICE)
    data = codec.dose_to_dict(dose)
    with old.transaction() as conn:  # exactly what version 1 wrote
        conn.execute("INSERT INTO recipients (id, organisation, name_key, data) VALUES (?, ?, ?, ?)",
                     (edith.id, edith.organisation, "edith", json.dumps(codec.recipient_to_dict(edith))))
        conn.execute("INSERT INTO doses (recipient_id, id, medication_id, due_utc, status, logged_at, source, data)"
                     " VALUES (?, ?, ?, ?, ?, ?, ?, ?)", (edith.id, dose.id, dose.medication_id, data["due_utc"],
                                                          "taken", data["logged_at"], "voice", json.dumps(data)))
    old.close()
    # WHEN the current release opens it
    store = SqliteStore(tmp_path / "old.db")
    store.init()
    # THEN every area's schema is there, and the data survived the column migration unchanged
    assert store.schema_versions()["core"] == len(core.MIGRATIONS)
    assert set(store.schema_versions()) >= {"core", "alerts", "voice", "accounts", "feeds"}
    assert store.get_recipient(edith.id) == edith
    assert store.list_doses(edith.id, DAY, DAY + timedelta(days=1)) == [dose]


def test_web_threads_and_the_sweeper_write_at_once_without_errors(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "busy.db")
    store.init()
    day = datetime(2026, 11, 25, tzinfo=UTC)
    people = [recipient(display_name=f"P{i}") for i in range(8)]
    doses = []
    for p in people:
        store.put_recipient(p)
        med = medication(p.id)
        store.put_medication(med)
        doses.extend(expected_doses(p, med, day, day + timedelta(days=1)))
    store.put_doses(doses)
    errors: list[BaseException] = []

    def logger(part: list[Dose]) -> None:
        try:
            for d in part:
                store.record_dose(d, DoseStatus.TAKEN, d.scheduled_utc, LogSource.WEB)
        except BaseException as exc:
            errors.append(exc)

    def sweeper() -> None:
        try:
            for d in store.due_doses(day, day + timedelta(days=1)):
                store.mark_missed(d)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=logger, args=(doses[i::4],)) for i in range(4)]
    threads.append(threading.Thread(target=sweeper))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    final = [d for p in people for d in store.list_doses(p.id, day, day + timedelta(days=1))]
    # every dose was logged exactly once, whether or not the sweeper marked it missed first
    assert len(final) == len(doses)
    assert {d.status for d in final} == {DoseStatus.TAKEN}
