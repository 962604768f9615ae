"""Bad input is a clear 4xx, exit code 2 or kind answer on every edge: never a 500 or a traceback.

Each case here was a 500 or a traceback once (issue 11, item 7): deeply nested JSON, days in year 1 or 9999,
a dose id in year 9999, `at` in year 1, a weekday of "²", a pill count of 10^30 on SQLite, and a store file
that cannot be written. A NUL in a medicine name, sent through the API, the web form or the CLI, must never
reach speech: the next launch is valid SSML.
"""

from __future__ import annotations

import os
import resource
import signal
import sqlite3
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from skill.alexa.skill_builder import build_skill
from skill.cli.common import store_failure
from skill.domain.models import MAX_PILLS
from skill.domain.voice import AlexaLink
from skill.store.sqlite import SqliteStore
from tests.functional.test_api import World as ApiWorld
from tests.functional.test_api import build_world
from tests.functional.web_fixtures import World, client, login, world
from tests.support.envelopes import Conversation, FixedClock, Speaker

__all__ = ["client", "world"]

DOSEKEEPER = [str(Path(sys.executable).parent / "dosekeeper")]
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def api(tmp_path: Path) -> Iterator[ApiWorld]:
    w = build_world(tmp_path / "api.db")
    w.client.application.testing = False  # a bug must show as the 500 a client would get, not as a raise
    yield w
    w.store.close()


def assert_error_body(response: Any, status: int = 422) -> None:
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    assert response.is_json and response.get_json()["error"] in ("invalid_input", "not_found")


# -- the REST API ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["doses", "exports/doses.csv", "exports/fhir"])
@pytest.mark.parametrize(("start", "end"), [("0001-01-01", "0001-01-02"), ("9999-12-30", "9999-12-31"),
                                            ("0001-01-01", "0001-01-01"), ("9999-12-31", "9999-12-31")])
def test_days_far_outside_the_calendar_are_a_422(api: ApiWorld, kind: str, start: str, end: str) -> None:
    # WHEN a client asks for doses or an export of days in year 1 or 9999
    response = api.get(f"/recipients/{api.edith.id}/{kind}?start={start}&end={end}")
    # THEN it is told which field is out of range, and why
    assert_error_body(response)
    assert {f["field"] for f in response.get_json()["fields"]} <= {"start", "end"}


@pytest.mark.parametrize("body", [
    "[" * 50_000 + "]" * 50_000,
    '{"a":' * 20_000 + "1" + "}" * 20_000,
    '{"name": "Ramipril", "schedule": ' + "[" * 5_000 + "]" * 5_000 + "}",
])
@pytest.mark.parametrize("route", ["medications", "doses/{med}@20260310T0800/log", "medications/{med}/log"])
def test_deeply_nested_json_is_a_422(api: ApiWorld, body: str, route: str) -> None:
    path = f"/api/v1/recipients/{api.edith.id}/" + route.format(med=api.med_id)
    # WHEN a client posts JSON nested thousands deep
    response = api.client.post(path, data=body, content_type="application/json", headers=api.auth("carer-a"))
    # THEN it is an invalid body, and nothing was written
    assert_error_body(response)
    assert [m.name for m in api.store.list_medications(api.edith.id)] == ["Metformin"]


@pytest.mark.parametrize("dose", ["{med}@99991231T2359", "{med}@00010101T0000", "@99991231T2359",
                                  "{med}@99999999T9999", "{med}@"])
def test_a_dose_id_in_an_impossible_year_is_not_found(api: ApiWorld, dose: str) -> None:
    response = api.post(f"/recipients/{api.edith.id}/doses/{dose.format(med=api.med_id)}/log", {})
    assert_error_body(response, 404)


@pytest.mark.parametrize("at", ["0001-01-01T00:00:00+00:00", "0001-01-01T00:00:00-23:59", "0001-01-01T00:00:00+23:59",
                                "9999-12-31T23:59:59+23:59", "9999-12-31T23:59:59.999999-23:59"])
@pytest.mark.parametrize("route", ["doses/{med}@20260310T0800/log", "medications/{med}/log"])
def test_a_log_at_a_moment_in_year_1_or_9999_is_a_422(api: ApiWorld, at: str, route: str) -> None:
    response = api.post(f"/recipients/{api.edith.id}/" + route.format(med=api.med_id), {"at": at, "confirm": True})
    assert_error_body(response)
    assert not [d for d in api.store.list_doses(api.edith.id, datetime(2026, 3, 1, tzinfo=UTC),
                                                datetime(2026, 3, 20, tzinfo=UTC)) if d.is_logged]


@pytest.mark.parametrize("schedule", [{"times": ["08:00"], "start": "0001-01-01"},
                                      {"times": ["08:00"], "start": "2026-01-01", "end": "9999-12-31"}])
def test_a_schedule_in_year_1_or_9999_is_a_422(api: ApiWorld, schedule: dict[str, Any]) -> None:
    response = api.post(f"/recipients/{api.edith.id}/medications", {"name": "Ramipril", "schedule": schedule})
    assert_error_body(response)


def test_a_pill_count_of_ten_to_the_thirty_is_a_422(api: ApiWorld) -> None:
    response = api.post(f"/recipients/{api.edith.id}/medications", {
        "name": "Ramipril", "schedule": {"times": ["08:00"], "start": "2026-01-01"}, "pill_count": 10**30})
    assert_error_body(response)


# -- a NUL in a medicine name never reaches speech --------------------------------------------------------
def spoken_after(store: SqliteStore, recipient_id: str, now: datetime) -> list[str]:
    """The SSML of a launch, then of "I took my ramipril": what Alexa says once the name is stored."""
    speaker = Speaker()
    store.put_alexa_link(AlexaLink(speaker.user_id, recipient_id, now))
    store.mark_disclaimer_heard(recipient_id, now)
    clock = FixedClock(now)
    chat = Conversation(build_skill(store, skill_id=None, clock=clock), speaker, clock)
    return [chat.launch().ssml, chat.intent("LogDoseIntent", medication="ramipril").ssml]


def assert_speakable(answers: list[str], name: str) -> None:
    for ssml_text in answers:
        assert "\x00" not in ssml_text
        ET.fromstring(ssml_text)  # THEN every answer is well-formed SSML ...
    assert name in "".join(ET.fromstring(answers[-1]).itertext())  # ... and names the medicine as meant


def test_a_nul_in_a_medicine_name_sent_to_the_api_never_reaches_speech(api: ApiWorld) -> None:
    # GIVEN a carer's script sends a medicine name with a NUL and a bell inside it
    response = api.post(f"/recipients/{api.edith.id}/medications", {
        "name": "Ram\x00ip\x07ril", "schedule": {"times": ["12:30"], "start": "2026-03-01"}})
    # THEN it is stored without them ...
    assert response.status_code == 201 and response.get_json()["name"] == "Ramipril"
    # ... and the next launch says it in valid SSML
    assert_speakable(spoken_after(api.store, api.edith.id, datetime(2026, 3, 10, 12, 0, tzinfo=UTC)), "Ramipril")


def test_a_nul_in_a_medicine_name_typed_in_the_web_form_never_reaches_speech(client: FlaskClient,
                                                                             world: World) -> None:
    csrf = login(client, "ann@example.org")
    response = client.post(f"/recipients/{world.edith.id}/medications", data={
        "csrf_token": csrf, "name": "Ram\x00ipril\u200b", "time": ["12:30"], "pills_per_dose": "1"})
    assert response.status_code == 303
    assert "Ramipril" in [m.name for m in world.store.list_medications(world.edith.id)]
    assert_speakable(spoken_after(world.store, world.edith.id, datetime(2026, 11, 25, 12, 0, tzinfo=UTC)), "Ramipril")


# -- the web forms ------------------------------------------------------------------------------------------
ODD_NUMBERS = ["²", "٣", "３", "１２", "1_000", "+5", "-1", "0", "10" + "0" * 29, "9" * 5000, "1e3", "\x00", "½",
               " 7 ", "𝟕", "Ⅻ", "NaN", "٠٠"]


@pytest.mark.parametrize("field", ["weekday", "pill_count", "refill_threshold", "pills_per_dose", "every_n_days"])
def test_odd_numbers_in_the_medicine_form_are_refused_or_saved_in_range(client: FlaskClient, world: World,
                                                                       field: str) -> None:
    csrf = login(client, "ann@example.org")
    for value in ODD_NUMBERS:
        data: dict[str, Any] = {"csrf_token": csrf, "name": "Ramipril", "time": ["21:00"], "pills_per_dose": "1",
                                field: value}
        # WHEN a carer (or a fuzzer) submits an odd number in a numeric field, adding and then editing a medicine
        added = client.post(f"/recipients/{world.edith.id}/medications", data=data)
        edited = client.post(f"/recipients/{world.edith.id}/medications/{world.metformin.id}",
                             data={**data, "name": "Metformin"})
        # THEN each is saved or refused with the form shown again and a reason, never a server error
        for response in (added, edited):
            assert response.status_code in (303, 422), (value, response.status_code)
            if response.status_code == 422:
                assert "must" in response.text or "between" in response.text, value
    # AND whatever was saved fits the store
    for med in world.store.list_medications(world.edith.id, include_stopped=True):
        assert med.pill_count is None or 0 <= med.pill_count <= MAX_PILLS
        assert 1 <= med.pills_per_dose <= 20


@pytest.mark.parametrize(("route", "field"), [("contacts", "priority"), ("contacts", "escalate_after_minutes"),
                                              ("settings", "grace_minutes"), ("settings", "followup_minutes")])
def test_odd_numbers_in_the_contact_and_settings_forms_are_refused_or_saved(client: FlaskClient, world: World,
                                                                           route: str, field: str) -> None:
    csrf = login(client, "ann@example.org")
    base = ({"name": "Anna", "channel": "email", "address": "anna@example.org"} if route == "contacts"
            else {"grace_minutes": "60", "speech_rate": "medium"})
    for value in ODD_NUMBERS:
        response = client.post(f"/recipients/{world.edith.id}/{route}",
                               data={"csrf_token": csrf, **base, field: value})
        assert response.status_code in (302, 303, 422), (value, response.status_code)


# -- the command line ---------------------------------------------------------------------------------------
def run_cli(store_path: Path, *args: str, limit_file_bytes: int | None = None) -> subprocess.CompletedProcess[str]:
    def limit() -> None:  # pragma: no cover - runs in the child
        if limit_file_bytes is not None:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails (EFBIG), as on a full disk
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit_file_bytes, limit_file_bytes))

    env = {**os.environ, "DOSEKEEPER_STORE": f"sqlite:///{store_path}", "PYTHONPATH": str(ROOT)}
    return subprocess.run([*DOSEKEEPER, *args], env=env, capture_output=True, text=True, timeout=120,
                          preexec_fn=limit, check=False)


def assert_one_line_exit_2(result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode == 2, (result.returncode, result.stderr[-2000:])
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr


@pytest.fixture
def cli_store(tmp_path: Path) -> tuple[Path, str]:
    """A store file with Edith and her Metformin, made through the CLI; returns (path, recipient id)."""
    path = tmp_path / "cli.db"
    added = run_cli(path, "recipient", "add", "--name", "Edith", "--timezone", "Europe/London")
    assert added.returncode == 0, added.stderr
    rid = added.stdout.split()[1]
    assert run_cli(path, "med", "add", rid, "--name", "Metformin", "--at", "08:00").returncode == 0
    return path, rid


@pytest.mark.parametrize("args", [
    ["doses", "{rid}", "--date", "0001-01-01"], ["doses", "{rid}", "--date", "9999-12-31", "--json"],
    ["log", "{rid}", "--medication", "metformin", "--at", "0001-01-01T00:00:00+00:00"],
    ["med", "add", "{rid}", "--name", "Ramipril", "--at", "08:00", "--start", "0001-01-01"],
    ["med", "add", "{rid}", "--name", "Ramipril", "--at", "08:00", "--pills", str(10**30)],
    ["med", "add", "{rid}", "--name", "Ramipril", "--at", "08:00", "--pills", "5", "--refill-at", str(10**30)],
])
def test_impossible_dates_and_numbers_on_the_command_line_exit_2(cli_store: tuple[Path, str], args: list[str]) -> None:
    path, rid = cli_store
    result = run_cli(path, *(a.format(rid=rid) for a in args))
    assert_one_line_exit_2(result)
    assert [m.name for m in SqliteStore(path).list_medications(rid)] == ["Metformin"]


def test_a_store_that_cannot_be_written_exits_2_and_changes_nothing(cli_store: tuple[Path, str]) -> None:
    # GIVEN the store's files may not grow past 4 KiB (as when the disk is full)
    path, rid = cli_store
    # WHEN a medicine is added
    result = run_cli(path, "med", "add", rid, "--name", "Ramipril", "--at", "08:00", limit_file_bytes=4096)
    # THEN one line says the store could not be written, and nothing was added
    assert_one_line_exit_2(result)
    assert "disk" in result.stderr
    assert [m.name for m in SqliteStore(path).list_medications(rid)] == ["Metformin"]


def test_a_file_that_is_not_a_database_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "not.db"
    path.write_bytes(b"this is not a SQLite file, but something else entirely" * 100)
    assert_one_line_exit_2(run_cli(path, "recipient", "list"))


def test_a_nul_in_a_medicine_name_on_the_command_line_never_reaches_speech(cli_store: tuple[Path, str]) -> None:
    path, rid = cli_store
    # GIVEN an as-needed medicine added with control characters in its name (so "I took it" is always a log)
    assert run_cli(path, "med", "add", rid, "--name", "Ram\x01ipril\x7f", "--as-needed").returncode == 0
    now = datetime.now(UTC)  # the command line reads the real clock, so the skill is given the same one
    store = SqliteStore(path)
    assert "Ramipril" in [m.name for m in store.list_medications(rid)]
    assert_speakable(spoken_after(store, rid, now), "Ramipril")


def test_sqlites_own_read_only_and_full_messages_become_advice() -> None:
    # GIVEN the errors SQLite itself raises for a read-only file and a full database
    with sqlite3.connect(":memory:") as probe:
        probe.execute("CREATE TABLE t (x)")
    readonly = sqlite3.connect("file::memory:?mode=ro", uri=True)
    with pytest.raises(sqlite3.OperationalError) as ro:
        readonly.execute("CREATE TABLE t (x)")
    full = sqlite3.connect(":memory:")
    full.execute("CREATE TABLE t (x)")
    full.execute("PRAGMA max_page_count = 2")
    with pytest.raises(sqlite3.OperationalError) as no_room:
        full.execute("INSERT INTO t VALUES (?)", ("x" * 100_000,))
    # THEN the operator is told what to fix
    assert "read-only" in store_failure(ro.value)
    assert "disk is full" in store_failure(no_room.value)

