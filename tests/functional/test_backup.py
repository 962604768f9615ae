"""`dosekeeper backup` and `restore` on a real SQLite file that another thread keeps writing to."""

from __future__ import annotations

import sqlite3
import threading
from contextlib import closing
from datetime import timedelta
from pathlib import Path

from click.testing import CliRunner

from skill.cli.main import cli
from skill.domain.models import Dose, DoseStatus, LogSource, utcnow
from skill.doses import expected_doses
from skill.store.sqlite import SqliteStore
from tests.factories import medication, recipient

NOW = utcnow().replace(second=0, microsecond=0)
LOGGED_BEFORE_BACKUP = 25


def run(store_path: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--store", f"sqlite:///{store_path}", *args], env={})
    return result.exit_code, result.output


def person_with_history(store: SqliteStore) -> tuple[str, list[Dose]]:
    """Someone with four doses a day over the last 60 days, none logged yet."""
    edith = recipient(timezone="UTC")
    store.put_recipient(edith)
    med = medication(edith.id, at=("08:00", "12:00", "16:00", "20:00"), start=(NOW - timedelta(days=61)).date())
    store.put_medication(med)
    return edith.id, expected_doses(edith, med, NOW - timedelta(days=60), NOW)


def logged_ids(path: Path, recipient_id: str) -> set[str]:
    store = SqliteStore(path)
    try:
        doses = store.list_doses(recipient_id, NOW - timedelta(days=61), NOW)
    finally:
        store.close()
    return {d.id for d in doses if d.status is DoseStatus.TAKEN}


def integrity(path: Path) -> str:
    with closing(sqlite3.connect(path)) as conn:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])


def test_a_backup_taken_while_doses_are_logged_restores_every_log_committed_before_it(tmp_path: Path) -> None:
    live, copy, restored = tmp_path / "live.db", tmp_path / "backups" / "dk.db", tmp_path / "restored.db"
    store = SqliteStore(live)
    store.init()
    rid, doses = person_with_history(store)
    committed: list[str] = []  # log ids in commit order, appended once each write has returned
    enough, stop = threading.Event(), threading.Event()

    def keep_logging() -> None:
        for dose in doses:
            if stop.is_set():
                return
            store.record_dose(dose, DoseStatus.TAKEN, dose.scheduled_utc + timedelta(minutes=3), LogSource.VOICE)
            committed.append(dose.id)
            if len(committed) == LOGGED_BEFORE_BACKUP:
                enough.set()

    writer = threading.Thread(target=keep_logging)
    writer.start()
    try:
        # GIVEN the server keeps logging doses (into the WAL file, as it does while serving)
        assert enough.wait(timeout=60)
        before = list(committed)
        # WHEN the operator takes a backup in the middle of it
        code, out = run(live, "backup", str(copy))
        after = list(committed)
    finally:
        stop.set()
        writer.join()
    assert code == 0, out
    assert "integrity check ok" in out
    # THEN restoring it (into a fresh file) keeps every log committed before the backup began, and what it
    # holds is the store as it was at one instant: a prefix of the commit order, nothing half-written
    code, out = run(restored, "restore", str(copy))
    assert code == 0, out
    kept = logged_ids(restored, rid)
    assert set(before) <= kept <= set(after)
    assert kept == set(after[:len(kept)])
    assert integrity(restored) == "ok"


def test_restore_refuses_a_store_in_use_and_a_damaged_backup(tmp_path: Path) -> None:
    live, copy = tmp_path / "live.db", tmp_path / "copy.db"
    source = SqliteStore(live)
    source.init()
    rid, doses = person_with_history(source)
    source.record_dose(doses[0], DoseStatus.TAKEN, doses[0].scheduled_utc, LogSource.WEB)
    assert run(live, "backup", str(copy))[0] == 0
    source.record_dose(doses[1], DoseStatus.TAKEN, doses[1].scheduled_utc, LogSource.WEB)
    # WHEN the store is open in another process (here: an open store object) and a restore is asked for
    code, out = run(live, "restore", str(copy))
    # THEN it is refused, with a way forward, and nothing changed
    assert code == 2 and "in use" in out and "--force" in out
    assert logged_ids(live, rid) == {doses[0].id, doses[1].id}
    # WHEN forced, the open store sees the restored state at once, and the replaced file is kept aside
    code, out = run(live, "restore", str(copy), "--force")
    assert code == 0, out
    assert {d.id for d in source.list_doses(rid, NOW - timedelta(days=61), NOW)
            if d.status is DoseStatus.TAKEN} == {doses[0].id}
    assert logged_ids(live.with_name("live.db.pre-restore"), rid) == {doses[0].id, doses[1].id}
    source.close()
    # AND a damaged backup is refused before anything is touched
    damaged = tmp_path / "damaged.db"
    damaged.write_bytes(copy.read_bytes()[:4096] + b"\x00garbage" * 2000)
    code, out = run(live, "restore", str(damaged))
    assert code == 2 and "Traceback" not in out
    assert logged_ids(live, rid) == {doses[0].id}


def test_a_dynamodb_store_is_pointed_to_aws_backups() -> None:
    result = CliRunner().invoke(cli, ["--store", "dynamodb://dosekeeper-prod", "backup", "x.db"], env={})
    assert result.exit_code == 2
    assert "point-in-time recovery" in result.output.lower() and "dosekeeper-prod" in result.output
