"""`dosekeeper backup PATH` and `dosekeeper restore PATH`: the SQLite store, copied safely while serving.

The work is in `skill.store.sqlite.backup` (SQLite's online backup API). A DynamoDB store is backed up by
AWS itself, so for one the commands explain point-in-time recovery and on-demand backups and exit 2
without doing anything (docs/backup.md has the operator's steps).
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

import click

from skill.cli.common import echo_json, fail, friendly_errors
from skill.store.sqlite.backup import BackupResult, backup_file, restore_file

DYNAMODB_ADVICE = """\
This store is a DynamoDB table ({table}); AWS keeps its backups, so there is nothing to copy here.
- Point-in-time recovery (on in the template) restores the table as it was at any second of the last
  35 days: aws dynamodb restore-table-to-point-in-time --source-table-name {table} \\
      --target-table-name {table}-restored --restore-date-time 2026-11-25T09:00:00Z
- On-demand backups keep a copy until you delete it:
      aws dynamodb create-backup --table-name {table} --backup-name {table}-before-upgrade
A restore always creates a new table; docs/backup.md has every step, including turning TTL, point-in-time
recovery and deletion protection back on and pointing the stack at the restored table."""


def _sqlite_path(ctx: click.Context) -> Path:
    url = str(ctx.find_root().ensure_object(dict)["store_url"])
    scheme = urlparse(url).scheme
    if scheme == "dynamodb":
        table = urlparse(url).netloc or urlparse(url).path.strip("/")
        click.echo(DYNAMODB_ADVICE.format(table=table))
        ctx.exit(2)
    if scheme != "sqlite" or len(url) <= len("sqlite://"):
        fail(f"unknown store URL {url!r}: use sqlite:///path.db")
    return Path(url[len("sqlite://"):])


def _report(verb: str, result: BackupResult, as_json: bool) -> None:
    if as_json:
        echo_json({"path": str(result.path), "bytes": result.bytes, "schema_versions": result.schema_versions})
    else:
        click.echo(f"{verb} {result.path} ({result.bytes:,} bytes); integrity check ok")


@click.command()
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
@friendly_errors
def backup(ctx: click.Context, path: Path, as_json: bool) -> None:
    """Copy the store to PATH while it is in use (SQLite's online backup, WAL included), then check it."""
    _report("backed up to", backup_file(_sqlite_path(ctx), path), as_json)


@click.command()
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Restore even though another process has the store open.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
@friendly_errors
def restore(ctx: click.Context, path: Path, force: bool, as_json: bool) -> None:
    """Replace the store with the backup at PATH, after checking it (the old file is kept as *.pre-restore)."""
    _report("restored", restore_file(path, _sqlite_path(ctx), force=force), as_json)
