"""Backing up and restoring the SQLite file with SQLite's online backup API, never a file copy.

A plain copy of a file in WAL mode misses what is still in the `-wal` file (a copy taken while serving
restored none of the last dozen logs) and can catch pages half-written. `Connection.backup` reads one
consistent snapshot through SQLite itself, WAL contents included. It copies in one step: in WAL mode a
reader never blocks writers, so the server goes on logging doses while the snapshot is read, and the copy
holds everything committed before it began. The copy is written beside the target under a temporary name,
checked with `PRAGMA integrity_check`, and only then moved into place, so a failed backup never leaves a
half-written file where the last good one was.

Restoring writes into the store file through the same API, after checking the backup. A file that another
process has open (a running `dosekeeper serve`) is refused unless forced: SQLite can only leave WAL mode
when no other connection is open, which is how "in use" is told. The file being replaced is first backed
up beside itself (`<name>.pre-restore`), so a restore can be undone.
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from skill.domain.errors import DoseKeeperError

PRE_RESTORE_SUFFIX = ".pre-restore"


class BackupError(DoseKeeperError):
    """A backup or restore that cannot go ahead; the message says what to do."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    bytes: int
    schema_versions: dict[str, int]


def _connect(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path, isolation_level=None, timeout=10)


def _reader(path: Path) -> sqlite3.Connection:
    """For checks: never creates a file, never writes."""
    if not path.is_file():
        raise sqlite3.DatabaseError(f"no file at {path}")
    conn = _connect(path)
    conn.execute("PRAGMA query_only = ON")
    return conn


def integrity_problems(path: Path) -> list[str]:
    """What `PRAGMA integrity_check` finds wrong (empty when the file is sound)."""
    try:
        with closing(_reader(path)) as conn:
            rows = [str(r[0]) for r in conn.execute("PRAGMA integrity_check")]
    except sqlite3.DatabaseError as exc:
        return [str(exc)]
    return [] if rows == ["ok"] else rows


def schema_versions(path: Path) -> dict[str, int]:
    """The migrations a DoseKeeper file has applied, per area; empty for a file that is not DoseKeeper's."""
    try:
        with closing(_reader(path)) as conn:
            rows = conn.execute("SELECT area, MAX(version) FROM schema_migrations GROUP BY area").fetchall()
    except sqlite3.DatabaseError:
        return {}
    return {str(area): int(version) for area, version in rows}


def _copy(source: Path, target: Path) -> None:
    """Online backup of `source` into `target` (created or overwritten through SQLite, not the file system)."""
    with closing(_connect(source)) as src, closing(_connect(target)) as dst:
        src.backup(dst)


def backup_file(source: Path, target: Path) -> BackupResult:
    """A consistent, checked copy of the store file `source` at `target`."""
    if not source.is_file():
        raise BackupError(f"there is no store file at {source}")
    if target.resolve() == source.resolve():
        raise BackupError("the backup must go to a different file than the store")
    if not schema_versions(source):
        raise BackupError(f"{source} is not a DoseKeeper store file")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    try:
        _copy(source, partial)
        problems = integrity_problems(partial)
        if problems:
            raise BackupError(f"the copy failed its integrity check ({problems[0]}); the store was not changed")
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return BackupResult(target, target.stat().st_size, schema_versions(target))


def in_use(path: Path) -> bool:
    """Another connection has the file open: SQLite refuses to leave WAL mode while one does."""
    if not path.exists():
        return False
    with closing(sqlite3.connect(path, isolation_level=None, timeout=0)) as conn:
        try:
            mode = str(conn.execute("PRAGMA journal_mode").fetchone()[0]).lower()
            if mode != "wal":
                return False
            conn.execute("PRAGMA journal_mode = DELETE")
        except sqlite3.OperationalError:
            return True
        conn.execute("PRAGMA journal_mode = WAL")
    return False


def restore_file(backup: Path, target: Path, *, force: bool = False) -> BackupResult:
    """Replace the store at `target` with the backup at `backup`, after checking the backup is sound."""
    if not backup.is_file():
        raise BackupError(f"there is no backup file at {backup}")
    problems = integrity_problems(backup)
    if problems:
        raise BackupError(f"the backup is damaged ({problems[0]}); nothing was restored")
    if not schema_versions(backup):
        raise BackupError(f"{backup} is not a DoseKeeper backup")
    if target.exists() and target.stat().st_size > 0:
        if in_use(target) and not force:
            raise BackupError(f"{target} is in use (is `dosekeeper serve` running?): stop it first, or pass "
                              "--force to restore into the open file")
        if schema_versions(target):
            backup_file(target, target.with_name(target.name + PRE_RESTORE_SUFFIX))
        elif not force:
            raise BackupError(f"{target} is not a DoseKeeper store file: pass --force to overwrite it")
    target.parent.mkdir(parents=True, exist_ok=True)
    _copy(backup, target)
    problems = integrity_problems(target)
    if problems:
        raise BackupError(f"the restored file failed its integrity check ({problems[0]}); the previous file "
                          f"is at {target.name}{PRE_RESTORE_SUFFIX}")
    return BackupResult(target, target.stat().st_size, schema_versions(target))
