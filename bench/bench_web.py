"""The person's exports and History page through the real web app: FHIR 30 days and History 90 days against
the CSV export of the same days, measured in the same run (issue 12 asks for each within 2x of CSV).

One person with four medicines (eight doses a day) and 90 days of logged history plus a few care events,
on a SQLite file; a signed-in carer's test client; the median of N requests each. `--profile` prints the
top functions of the FHIR export and the History page under cProfile.

    .venv/bin/python bench/bench_web.py [--repeat 15] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import random
import re
import statistics
import sys
import tempfile
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from time import perf_counter

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flask.testing import FlaskClient

from skill.accounts.passwords import hash_password
from skill.domain.accounts import Role, User
from skill.domain.events import CareEvent, EventKind
from skill.domain.models import DoseStatus, LogSource, Medication, Recipient, Schedule, new_id
from skill.doses import expected_doses
from skill.store.sqlite import SqliteStore
from skill.web.app import WebConfig, create_app

NOW = datetime.now(UTC).replace(second=0, microsecond=0)
PASSWORD = "bench bench bench"
TIMES = ((time(8), time(20)), (time(9),), (time(13), time(18)), (time(7), time(12), time(22)))


def seed(store: SqliteStore) -> Recipient:
    rng = random.Random(12)
    person = Recipient(id=new_id("rec"), display_name="Bench", timezone="Europe/London", organisation="bench",
                       created_at=NOW - timedelta(days=100))
    store.put_recipient(person)
    start = NOW - timedelta(days=95)
    for i, times in enumerate(TIMES):
        med = Medication(id=new_id("med"), recipient_id=person.id, name=f"Medicine {i}",
                         schedule=Schedule(times=times, start=start.date()), created_at=start)
        store.put_medication(med)
        doses = []
        for dose in expected_doses(person, med, start, NOW - timedelta(hours=2)):
            roll = rng.random()
            if roll < 0.85:
                doses.append(replace(dose, status=DoseStatus.TAKEN, logged_at=dose.scheduled_utc,
                                     source=LogSource.VOICE))
            elif roll < 0.9:
                doses.append(replace(dose, status=DoseStatus.SKIPPED, logged_at=dose.scheduled_utc,
                                     source=LogSource.WEB))
        store.put_doses(doses)
    for day in range(0, 90, 9):
        store.append_event(CareEvent(id=new_id("evt"), recipient_id=person.id, kind=EventKind.DOUBLE_DOSE,
                                     at=NOW - timedelta(days=day, hours=3), source=LogSource.VOICE, who="person",
                                     detail="2 taken, 1 planned"))
    store.create_user(User(id=new_id("usr"), email="carer@bench.example", role=Role.CARER, organisation="bench",
                           password_hash=hash_password(PASSWORD), recipient_ids=frozenset({person.id}),
                           created_at=NOW))
    return person


def signed_in(client: FlaskClient) -> None:
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert token is not None
    response = client.post("/login", data={"email": "carer@bench.example", "password": PASSWORD,
                                           "csrf_token": token.group(1)})
    assert response.status_code == 302, response.status_code


def median_ms(client: FlaskClient, url: str, repeat: int) -> float:
    assert client.get(url).status_code == 200, url  # warm: templates compiled, pages cached by the OS
    times = []
    for _ in range(repeat):
        began = perf_counter()
        response = client.get(url)
        times.append((perf_counter() - began) * 1000)
        assert response.status_code == 200, url
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = SqliteStore(Path(tmp) / "bench.db")
        store.init()
        person = seed(store)
        app = create_app(store, WebConfig(secret_key="bench", secure_cookies=False, clock=lambda: NOW,
                                          login_rate_limit="1000 per minute"))
        client = app.test_client()
        signed_in(client)
        today = NOW.astimezone(person.tz).date()

        def export(fmt: str, days: int) -> str:
            start: date = today - timedelta(days=days - 1)
            return f"/recipients/{person.id}/export?format={fmt}&start={start}&end={today}"

        urls = {"CSV 30 days": export("csv", 30), "FHIR 30 days": export("fhir", 30),
                "CSV 90 days": export("csv", 90), "History 90 days": f"/recipients/{person.id}/history?days=90"}
        figures = {name: median_ms(client, url, args.repeat) for name, url in urls.items()}
        print(f"median of {args.repeat} requests, one person, 8 doses a day, {NOW:%Y-%m-%d}")
        for name, ms in figures.items():
            print(f"  {name:<16} {ms:8.1f} ms")
        print(f"  FHIR 30 / CSV 30      {figures['FHIR 30 days'] / figures['CSV 30 days']:.2f}x  (goal <= 2x)")
        print(f"  History 90 / CSV 90   {figures['History 90 days'] / figures['CSV 90 days']:.2f}x  (goal <= 2x)")
        if args.profile:
            for name in ("FHIR 30 days", "History 90 days"):
                profiler = cProfile.Profile()
                profiler.enable()
                for _ in range(5):
                    client.get(urls[name])
                profiler.disable()
                print(f"\n-- {name}: top 12 by cumulative time")
                pstats.Stats(profiler).sort_stats("cumulative").print_stats(12)
        store.close()


if __name__ == "__main__":
    main()
