"""A care home under load: `dosekeeper serve` on SQLite while carers refresh Today and residents talk at once.

Seeded straight into the SQLite file: `--people` residents (UTC), each with one medicine four times a day
(one dose three hours overdue, one due ten minutes ago, two later), one carer contact, and for the first
`--speakers` of them a linked Alexa account. `--carers` web accounts share the residents between them.
Then `dosekeeper serve --allow-unsigned` runs (its sweeper sweeps at start and every minute), and at once:

- each carer signs in through the form (from its own loopback address, 127.0.0.N, as carers on their own
  phones would: sign-in is rate-limited per address) and refreshes Today `--refreshes` times;
- each speaker says "I took my metformin" once, then asks "did I take my metformin?" `--turns` - 1 times,
  as real envelopes (tests/support/envelopes.py) posted to /alexa.

Bounded in count and in time (`--deadline` seconds), loopback only. Printed: requests, errors and p50/p99
per path. Then the server stops and the store is read back: nothing lost means every resident has exactly
the doses planned, every speaker's "I took it" is one logged dose, no overdue dose is still pending (the
sweep marked it missed, or it was logged), and every missed dose has its carer's alert in the outbox.

    .venv/bin/python bench/load_care_home.py                  # 500 people, 20 carers, 50 speakers
    .venv/bin/python bench/load_care_home.py --people 20 --carers 5 --speakers 5   # tiny (the test's size)
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from datetime import time as wall_time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from skill.accounts.passwords import hash_password
from skill.domain.accounts import Role, User
from skill.domain.models import Contact, DoseStatus, LogSource, Medication, Recipient, Schedule, new_id
from skill.domain.voice import AlexaLink
from skill.store.sqlite import SqliteStore
from skill.usecases.planning import plan_medication
from tests.support.envelopes import SKILL_ID, Speaker, envelope, intent_request
from tests.support.serve_process import dosekeeper_serve

ROOT = Path(__file__).resolve().parents[1]
COMMAND = [sys.executable, "-c", "from skill.cli.main import cli; cli()"]
PASSWORD = "care-home-load-1"
ORGANISATION = "load-home"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Home:
    """What was seeded, to drive the load and to check the store against afterwards."""

    now: datetime
    residents: list[Recipient]
    carers: list[User]
    speakers: list[tuple[Speaker, Recipient]]
    overdue: dict[str, str]  # resident id -> the id of the dose three hours overdue
    doses_per_resident: dict[str, int]


@dataclass
class Timings:
    """Latencies per path and errors, filled by many threads."""

    seconds: dict[str, list[float]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def timed(self, path: str, call: Callable[[], tuple[int, str]], ok: Callable[[int, str], bool]) -> str:
        started = time.perf_counter()
        try:
            status, body = call()
        except (OSError, http.client.HTTPException) as exc:
            status, body = 0, type(exc).__name__
        elapsed = time.perf_counter() - started
        with self._lock:
            self.seconds.setdefault(path, []).append(elapsed)
            if not ok(status, body):
                self.errors.append(f"{path}: {status} {body[:120]}")
        return body

    def percentile(self, path: str, q: float) -> float:
        values = sorted(self.seconds.get(path, []))
        return values[min(len(values) - 1, int(q * len(values)))] if values else 0.0


def seed(db: Path, people: int, carers: int, speakers: int, now: datetime) -> Home:
    store = SqliteStore(db)
    store.init()
    moments = [now - timedelta(hours=3), now - timedelta(minutes=10), now + timedelta(hours=3),
               now + timedelta(hours=7)]
    times = tuple(sorted(wall_time(m.hour, m.minute) for m in moments))
    residents: list[Recipient] = []
    overdue: dict[str, str] = {}
    planned: dict[str, int] = {}
    for i in range(people):
        resident = Recipient(id=new_id("rec"), display_name=f"Resident {i}", timezone="UTC",
                             organisation=ORGANISATION, created_at=now - timedelta(days=30))
        store.put_recipient(resident)
        medicine = Medication(id=new_id("med"), recipient_id=resident.id, name="Metformin",
                              schedule=Schedule(times=times, start=(now - timedelta(days=2)).date()),
                              dose_text="500 mg", created_at=now - timedelta(days=30))
        store.put_medication(medicine)
        plan_medication(store, resident, medicine, now - timedelta(hours=4))
        store.put_contact(Contact(id=new_id("con"), recipient_id=resident.id, name="Family", channel="email",
                                  address=f"family{i}@example.org", created_at=now - timedelta(days=30)))
        doses = store.list_doses(resident.id, now - timedelta(days=3), now + timedelta(days=30))
        planned[resident.id] = len(doses)
        late = min(doses, key=lambda d: abs(d.scheduled_utc - moments[0]))
        overdue[resident.id] = late.id
        residents.append(resident)
    hashed = hash_password(PASSWORD)
    users = []
    for c in range(carers):
        user = User(id=new_id("usr"), email=f"carer{c}@example.org", role=Role.CARER, organisation=ORGANISATION,
                    password_hash=hashed, recipient_ids=frozenset(r.id for r in residents[c::carers]),
                    created_at=now - timedelta(days=30))
        store.create_user(user)
        users.append(user)
    linked = []
    for resident in residents[:speakers]:
        speaker = Speaker()
        store.put_alexa_link(AlexaLink(alexa_id=speaker.user_id, recipient_id=resident.id, linked_at=now))
        linked.append((speaker, resident))
    store.close()
    return Home(now, residents, users, linked, overdue, planned)


class Browser:
    """One carer's phone: its own loopback source address and cookie, over one kept-alive connection."""

    def __init__(self, port: int, source: str) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30, source_address=(source, 0))
        self.cookie = ""

    def request(self, method: str, path: str, form: dict[str, str] | None = None) -> tuple[int, str]:
        headers = {"Cookie": self.cookie} if self.cookie else {}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.conn.request(method, path, body=body, headers=headers)
        reply = self.conn.getresponse()
        text = reply.read().decode("utf-8", "replace")
        for value in reply.headers.get_all("Set-Cookie") or []:
            self.cookie = value.split(";", 1)[0]
        return reply.status, text


def carer_session(port: int, index: int, user: User, refreshes: int, timings: Timings, deadline: float) -> None:
    browser = Browser(port, f"127.0.0.{2 + index}")
    page = timings.timed("GET /login", lambda: browser.request("GET", "/login"), lambda s, _: s == 200)
    token = _CSRF.search(page)
    if token is None:
        timings.errors.append("GET /login: no CSRF token")
        return
    timings.timed("POST /login", lambda: browser.request(
        "POST", "/login", {"email": user.email, "password": PASSWORD, "csrf_token": token.group(1)}),
        lambda s, _: s == 302)
    for _ in range(refreshes):
        if time.monotonic() > deadline:
            break
        timings.timed("GET /today", lambda: browser.request("GET", "/today"),
                      lambda s, b: s == 200 and "Metformin" in b)


def speaker_session(port: int, speaker: Speaker, turns: int, timings: Timings, deadline: float) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def say(intent: str) -> tuple[int, str]:
        import json

        body = envelope(speaker, intent_request(intent, {"medication": "metformin"}), now=datetime.now(UTC))
        conn.request("POST", "/alexa", body=json.dumps(body), headers={"Content-Type": "application/json"})
        reply = conn.getresponse()
        return reply.status, reply.read().decode("utf-8", "replace")

    spoke = lambda s, b: s == 200 and '"outputSpeech"' in b  # noqa: E731 - a one-line check
    timings.timed("POST /alexa log", lambda: say("LogDoseIntent"), spoke)
    for _ in range(turns - 1):
        if time.monotonic() > deadline:
            break
        timings.timed("POST /alexa check", lambda: say("CheckDoseIntent"), spoke)


def read_back(db: Path, home: Home) -> list[str]:
    """What was lost or doubled, in words (ids only); empty when nothing was."""
    problems: list[str] = []
    store = SqliteStore(db)
    try:
        voiced = {r.id for _, r in home.speakers}
        for resident in home.residents:
            doses = store.list_doses(resident.id, home.now - timedelta(days=3), home.now + timedelta(days=30))
            if len(doses) != home.doses_per_resident[resident.id]:
                problems.append(f"{resident.id}: {len(doses)} doses, {home.doses_per_resident[resident.id]} planned")
            by_voice = [d for d in doses if d.status is DoseStatus.TAKEN and d.source is LogSource.VOICE]
            if len(by_voice) != (1 if resident.id in voiced else 0):
                problems.append(f"{resident.id}: {len(by_voice)} doses logged by voice")
            late = next(d for d in doses if d.id == home.overdue[resident.id])
            if late.status is DoseStatus.PENDING:
                problems.append(f"{resident.id}: overdue dose {late.id} still pending")
            if late.status is DoseStatus.MISSED:
                alerts = [a for a in store.alerts_about(resident.id, late.id)]
                if len(alerts) != 1:
                    problems.append(f"{resident.id}: {len(alerts)} alerts for missed dose {late.id}")
    finally:
        store.close()
    return problems


@dataclass
class LoadResult:
    timings: Timings
    problems: list[str]
    wall_s: float


def run_load(workdir: Path, *, people: int, carers: int, speakers: int, refreshes: int, turns: int,
             deadline_s: float) -> LoadResult:
    db = workdir / "care-home.db"
    home = seed(db, people, carers, speakers, datetime.now(UTC))
    env = {**os.environ, "DOSEKEEPER_STORE": f"sqlite:///{db}", "DOSEKEEPER_SECRET_KEY": "load-test-only"}
    timings = Timings()
    with dosekeeper_serve(COMMAND, ["--allow-unsigned", "--skill-id", SKILL_ID], env=env, cwd=ROOT,
                          stderr_path=workdir / "serve.log") as served:
        port = int(served.base_url.rsplit(":", 1)[1])
        started = time.perf_counter()
        deadline = time.monotonic() + deadline_s
        with ThreadPoolExecutor(carers + speakers) as pool:
            jobs = [pool.submit(carer_session, port, i, user, refreshes, timings, deadline)
                    for i, user in enumerate(home.carers)]
            jobs += [pool.submit(speaker_session, port, speaker, turns, timings, deadline)
                     for speaker, _ in home.speakers]
            for job in jobs:
                job.result()
        wall = time.perf_counter() - started
        # the sweeper sweeps as serve starts; wait (bounded) until it has, so the read-back can hold it to it
        sweep_deadline = time.monotonic() + 60
        while "sweep: " not in served.stderr_path.read_text(encoding="utf-8") and time.monotonic() < sweep_deadline:
            time.sleep(0.2)
    return LoadResult(timings, read_back(db, home), wall)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=500)
    parser.add_argument("--carers", type=int, default=20)
    parser.add_argument("--speakers", type=int, default=50)
    parser.add_argument("--refreshes", type=int, default=10)
    parser.add_argument("--turns", type=int, default=4)
    parser.add_argument("--deadline", type=float, default=120.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        result = run_load(Path(work), people=args.people, carers=args.carers, speakers=args.speakers,
                          refreshes=args.refreshes, turns=args.turns, deadline_s=args.deadline)
    t = result.timings
    print(f"care home: {args.people} people, {args.carers} carers, {args.speakers} speakers, "
          f"{sum(len(v) for v in t.seconds.values())} requests in {result.wall_s:.1f}s (cpus: {os.cpu_count()})")
    for path in sorted(t.seconds):
        print(f"  {path:20} n={len(t.seconds[path]):4}  p50 {t.percentile(path, 0.5) * 1000:6.0f} ms"
              f"  p99 {t.percentile(path, 0.99) * 1000:6.0f} ms")
    print(f"  errors: {len(t.errors)}" + "".join(f"\n    {e}" for e in t.errors[:10]))
    print(f"  store read back: {'nothing lost' if not result.problems else result.problems[:10]}")
    if t.errors or result.problems:
        sys.exit(1)


if __name__ == "__main__":
    main()
