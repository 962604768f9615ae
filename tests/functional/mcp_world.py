"""The people, medicines and accounts the MCP and OAuth tests share, placed around the real time of the run.

`dosekeeper serve` reads the real clock, so every time here is relative to the moment the world is built:
Edith's scheduled medicine falls due a few minutes before it, whatever the day or hour of the run.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

from skill.accounts.passwords import hash_password
from skill.accounts.tokens import issue_token
from skill.domain.accounts import Role, TokenScope, User
from skill.domain.models import Contact, Medication, Recipient, Schedule, new_id
from skill.store.sqlite import SqliteStore
from tests.support.serve_process import Served, dosekeeper_serve

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery staple"


@dataclass(frozen=True)
class World:
    db: Path
    edith: Recipient  # Anne's; Europe/London
    walter: Recipient  # Bob's
    metformin: Medication  # Edith's, due a few minutes before the world was built
    paracetamol: Medication  # Edith's, as needed: at least 4 hours apart, at most 2 a day
    anne: User  # carer of Edith
    bob: User  # carer of Walter
    anne_token: str  # Anne's personal access token (read and write)
    anne_read_token: str  # read only
    bob_token: str


def _medication(recipient: Recipient, name: str, schedule: Schedule, now: datetime, **kw: object) -> Medication:
    return Medication(id=new_id("med"), recipient_id=recipient.id, name=name, schedule=schedule,
                      created_at=now - timedelta(days=30), **kw)  # type: ignore[arg-type]


def build_world(db: Path, now: datetime) -> World:
    store = SqliteStore(db)
    store.init()
    edith = Recipient(id=new_id("rec"), display_name="Edith", timezone="Europe/London",
                      created_at=now - timedelta(days=30))
    walter = Recipient(id=new_id("rec"), display_name="Walter", timezone="America/New_York",
                       created_at=now - timedelta(days=30))
    local = (now - timedelta(minutes=5)).astimezone(edith.tz)
    due = time(local.hour, local.minute)
    started = (now - timedelta(days=30)).date()
    metformin = _medication(edith, "Metformin", Schedule(times=(due,), start=started), now, pill_count=30)
    paracetamol = _medication(edith, "Paracetamol", Schedule(as_needed=True, start=started, min_interval_minutes=240,
                                                             max_per_day=2), now)
    lisinopril = _medication(walter, "Lisinopril", Schedule(times=(time(9, 0),), start=started), now)
    for r in (edith, walter):
        store.put_recipient(r)
    for m in (metformin, paracetamol, lisinopril):
        store.put_medication(m)
    store.put_contact(Contact(id=new_id("con"), recipient_id=edith.id, name="Anne", channel="email",
                              address="anne@example.org"))
    hashed = hash_password(PASSWORD)
    anne = User(id=new_id("usr"), email="anne@example.org", role=Role.CARER, organisation="default",
                password_hash=hashed, recipient_ids=frozenset({edith.id}), created_at=now)
    bob = User(id=new_id("usr"), email="bob@example.org", role=Role.CARER, organisation="default",
               password_hash=hashed, recipient_ids=frozenset({walter.id}), created_at=now)
    tokens = []
    for user, scope in ((anne, TokenScope.READ_WRITE), (anne, TokenScope.READ), (bob, TokenScope.READ_WRITE)):
        if store.get_user(user.id) is None:
            store.create_user(user)
        secret, record = issue_token(user.id, "assistant", now, scope=scope)
        store.put_token(record)
        tokens.append(secret)
    store.close()
    return World(db, edith, walter, metformin, paracetamol, anne, bob, *tokens)


@contextmanager
def serving(world: World, log: Path) -> Iterator[Served]:
    """A real `dosekeeper serve` on the world's SQLite file (loopback, port picked by the OS)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"} | {"DOSEKEEPER_STORE": f"sqlite:///{world.db}"}
    command = [sys.executable, "-c", "from skill.cli.main import cli; cli()"]
    with dosekeeper_serve(command, ["--allow-unsigned", "--no-sweep"], env=env, cwd=ROOT, stderr_path=log) as served:
        yield served


def now_utc() -> datetime:
    return datetime.now(UTC)
