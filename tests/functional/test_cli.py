"""The `dosekeeper` CLI against a real SQLite file, as a carer would use it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from click.testing import CliRunner, Result

from skill.cli.main import cli
from skill.store.sqlite import SqliteStore

LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'cli.db'}"


@dataclass
class Clock:
    """The clock the CLI reads (it takes no clock argument), moved by time-machine on a recent day in London."""

    day: date
    traveller: time_machine.Traveller

    def at(self, hhmm: str) -> str:
        return datetime.combine(self.day, time.fromisoformat(hhmm), LONDON).isoformat()

    def move_to(self, hhmm: str) -> None:
        self.traveller.move_to(datetime.fromisoformat(self.at(hhmm)).astimezone(UTC))


@pytest.fixture
def clock() -> Iterator[Clock]:
    """Three days ago (relative to today), at 07:00 in London: before that day's doses."""
    day = datetime.now(LONDON).date() - timedelta(days=3)
    with time_machine.travel(datetime.combine(day, time(7), LONDON).astimezone(UTC)) as traveller:
        yield Clock(day, traveller)


def run(db: str, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--store", db, *args], catch_exceptions=False)


def add_edith(db: str) -> str:
    result = run(db, "recipient", "add", "--name", "Edith", "--timezone", "Europe/London", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert len(data["link_code"]) == 6 and data["link_code"].isdigit()
    return str(data["id"])


def test_store_init_is_idempotent(db: str) -> None:
    assert run(db, "store", "init").exit_code == 0
    assert run(db, "store", "init").exit_code == 0


def test_a_carer_adds_a_person_and_a_medication_and_sees_todays_doses(db: str) -> None:
    # GIVEN Edith with metformin at 08:00 and 20:00
    rid = add_edith(db)
    assert run(db, "med", "add", rid, "--name", "Metformin", "--dose", "500 mg", "--instructions", "with food",
               "--at", "08:00", "--at", "20:00").exit_code == 0
    # WHEN the carer lists today's doses
    result = run(db, "doses", rid, "--json")
    # THEN both doses are there, pending, with offsets in ISO 8601
    doses = json.loads(result.output)
    assert [(d["medication"], d["scheduled_at"][11:16], d["status"]) for d in doses] == [
        ("Metformin", "08:00", "pending"), ("Metformin", "20:00", "pending")]
    assert all(datetime.fromisoformat(d["scheduled_at"]).utcoffset() is not None for d in doses)
    assert set(doses[0]) >= {"dose_id", "medication", "scheduled_at", "status", "logged_at", "source"}
    listed = json.loads(run(db, "med", "list", rid, "--json").output)
    assert listed[0]["dose"] == "500 mg" and listed[0]["schedule"]["times"] == ["08:00", "20:00"]
    people = json.loads(run(db, "recipient", "list", "--json").output)
    assert [p["name"] for p in people] == ["Edith"]


def test_logging_twice_records_one_dose_and_says_when(db: str, clock: Clock) -> None:
    rid = add_edith(db)
    start = (clock.day - timedelta(days=19)).isoformat()
    run(db, "med", "add", rid, "--name", "Metformin", "--at", "08:00", "--at", "20:00", "--start", start)
    clock.move_to("12:00")
    first = run(db, "log", rid, "--medication", "METFORMIN", "--at", clock.at("08:05"), "--json")
    assert first.exit_code == 0, first.output
    assert json.loads(first.output)["status"] == "taken"
    second = run(db, "log", rid, "--medication", "metformin", "--at", clock.at("08:10"))
    assert second.exit_code == 2
    assert "already taken at 08:05" in second.output
    doses = json.loads(run(db, "doses", rid, "--date", clock.day.isoformat(), "--json").output)
    assert [(d["status"], d["source"]) for d in doses] == [("taken", "cli"), ("pending", None)]


def test_late_and_skipped_logs(db: str, clock: Clock) -> None:
    rid = add_edith(db)
    start = (clock.day - timedelta(days=19)).isoformat()
    run(db, "med", "add", rid, "--name", "Aspirin", "--at", "09:00", "--start", start)
    run(db, "med", "add", rid, "--name", "Ramipril", "--at", "09:00", "--start", start)
    clock.move_to("12:00")
    late = run(db, "log", rid, "--medication", "aspirin", "--at", clock.at("11:30"), "--json")
    assert json.loads(late.output)["status"] == "taken_late"
    skipped = run(db, "log", rid, "--medication", "ramipril", "--skip", "--at", clock.at("09:00"), "--json")
    assert json.loads(skipped.output)["status"] == "skipped"


def test_as_needed_limits_are_recorded_with_a_warning_never_refused(db: str) -> None:
    # GIVEN paracetamol as needed, 4 hours apart, at most 3 a day; times from yesterday 06:00 (all past)
    rid = add_edith(db)
    assert run(db, "med", "add", rid, "--name", "Paracetamol", "--as-needed", "--min-interval", "4h",
               "--max-per-day", "3").exit_code == 0
    london = ZoneInfo("Europe/London")
    t0 = (datetime.now(london) - timedelta(days=1)).replace(hour=6, minute=0, second=0, microsecond=0)
    # WHEN doses are reported at 06:00, 08:00 (too soon), 13:00 and 18:00 (beyond the daily maximum)
    first = run(db, "log", rid, "--medication", "paracetamol", "--at", t0.isoformat())
    too_soon = run(db, "log", rid, "--medication", "paracetamol", "--at", (t0 + timedelta(hours=2)).isoformat())
    later = run(db, "log", rid, "--medication", "paracetamol", "--at", (t0 + timedelta(hours=7)).isoformat())
    over = run(db, "log", rid, "--medication", "paracetamol", "--at", (t0 + timedelta(hours=12)).isoformat())
    # THEN every one is recorded (the truth is kept); the ones beyond the carer's limits say so
    assert [r.exit_code for r in (first, too_soon, later, over)] == [0, 0, 0, 0]
    assert "warning" not in first.output and "warning" not in later.output
    assert "minimum interval" in too_soon.output and "daily maximum" in over.output
    day = run(db, "doses", rid, "--date", t0.date().isoformat(), "--json")
    assert len([d for d in json.loads(day.output) if d["medication"] == "Paracetamol"]) == 4


def test_stopping_a_medication_keeps_history_and_drops_future_doses(db: str, tmp_path: Path) -> None:
    rid = add_edith(db)
    run(db, "med", "add", rid, "--name", "Aspirin", "--at", "09:00")
    assert run(db, "med", "stop", rid, "aspirin").exit_code == 0
    assert run(db, "med", "list", rid, "--json").output.strip() == "[]"
    assert json.loads(run(db, "med", "list", rid, "--all", "--json").output)[0]["active"] is False
    store = SqliteStore(tmp_path / "cli.db")
    now = datetime.now(UTC)
    assert [d for d in store.list_doses(rid, now, now + timedelta(days=30)) if d.status.value == "pending"] == []


@pytest.mark.parametrize(("args", "message"), [
    (["recipient", "add", "--name", "Edith", "--timezone", "Mars/Olympus"], "unknown time zone"),
    (["recipient", "add", "--name", "Edith", "--timezone", "+01:00"], "unknown time zone"),
    (["recipient", "add", "--name", "   ", "--timezone", "Europe/London"], "name must not be empty"),
    (["med", "add", "{rid}", "--name", "X", "--at", "25:00"], "invalid time '25:00'"),
    (["med", "add", "{rid}", "--name", "X", "--at", "08:00", "--start", "2026-02-30"], "invalid date"),
    (["med", "add", "{rid}", "--name", "X", "--at", "08:00", "--start", "2026-05-02", "--end", "2026-05-01"],
     "end date is before the start"),
    (["med", "add", "{rid}", "--name", "", "--at", "08:00"], "must not be empty"),
    (["med", "add", "{rid}", "--name", "X"], "at least one time"),
    (["med", "add", "{rid}", "--name", "X", "--at", "08:00", "--days", "mon,funday"], "unknown weekday"),
    (["med", "add", "rec_nobody", "--name", "X", "--at", "08:00"], "unknown recipient"),
    (["med", "add", "{rid}", "--name", "X", "--as-needed", "--min-interval", "soon"], "invalid interval"),
    (["doses", "rec_nobody"], "unknown recipient"),
    (["doses", "{rid}", "--date", "2026-13-01"], "invalid date"),
    (["log", "{rid}", "--medication", "nothing"], "no medication named"),
    (["log", "{rid}", "--medication", "Aspirin", "--at", "yesterday"], "invalid time"),
    (["log", "{rid}", "--medication", "Aspirin", "--at", "2026-11-20T09:00:00"], "UTC offset"),
])
def test_bad_input_exits_2_with_one_line_and_leaves_the_store_unchanged(db: str, tmp_path: Path, args: list[str],
                                                                      message: str) -> None:
    rid = add_edith(db)
    run(db, "med", "add", rid, "--name", "Aspirin", "--at", "09:00")
    before = (tmp_path / "cli.db").read_bytes()
    store = SqliteStore(tmp_path / "cli.db")
    snapshot = (store.list_recipients(), store.list_medications(rid, include_stopped=True))
    result = CliRunner().invoke(cli, ["--store", db, *[a.replace("{rid}", rid) for a in args]])
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert ("Traceback" not in result.output and result.exception is None) or isinstance(result.exception, SystemExit)
    assert len([line for line in result.output.splitlines() if line.strip()]) == 1
    assert (store.list_recipients(), store.list_medications(rid, include_stopped=True)) == snapshot
    assert before  # the file existed before the failed command


def test_store_url_from_environment_and_bad_urls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOSEKEEPER_STORE", f"sqlite:///{tmp_path / 'env.db'}")
    assert CliRunner().invoke(cli, ["store", "init"]).exit_code == 0
    assert (tmp_path / "env.db").exists()
    bad = CliRunner().invoke(cli, ["--store", "postgres://x", "recipient", "list"])
    assert bad.exit_code == 2 and "unknown store URL" in bad.output


def test_the_cli_works_on_a_real_dynamodb_compatible_server(dynalite_url: str, clock: Clock,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN the standard AWS settings pointing at a local server (dynalite), and a dynamodb:// store URL
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", dynalite_url)
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    db = "dynamodb://dosekeeper-cli"
    # WHEN a carer sets up a person and logs a dose
    assert run(db, "store", "init").exit_code == 0
    assert run(db, "store", "init").exit_code == 0
    rid = add_edith(db)
    start = (clock.day - timedelta(days=19)).isoformat()
    assert run(db, "med", "add", rid, "--name", "Metformin", "--at", "08:00", "--start", start).exit_code == 0
    clock.move_to("12:00")
    assert run(db, "log", rid, "--medication", "metformin", "--at", clock.at("08:05")).exit_code == 0
    again = run(db, "log", rid, "--medication", "metformin", "--at", clock.at("08:06"))
    # THEN the table holds exactly one log, and the second attempt says when the first was
    assert again.exit_code == 2 and "already taken at 08:05" in again.output
    doses = json.loads(run(db, "doses", rid, "--date", clock.day.isoformat(), "--json").output)
    assert [(d["status"], datetime.fromisoformat(d["logged_at"])) for d in doses] == [
        ("taken", datetime.fromisoformat(clock.at("08:05")))]


def test_moving_a_recipient_to_another_zone_keeps_dose_times_local(db: str) -> None:
    # GIVEN Edith in London with an 08:00 medicine
    rid = add_edith(db)
    run(db, "med", "add", rid, "--name", "Metformin", "--at", "08:00")
    tomorrow = (datetime.now(ZoneInfo("America/New_York")) + timedelta(days=1)).date().isoformat()
    # WHEN the carer moves her to New York
    result = run(db, "recipient", "set", rid, "--timezone", "America/New_York")
    assert result.exit_code == 0 and "re-planned" in result.output
    # THEN tomorrow's dose is at 08:00 New York time (13:00 UTC), and only one is expected
    doses = json.loads(run(db, "doses", rid, "--date", tomorrow, "--json").output)
    assert [(d["scheduled_at"][11:16], d["scheduled_utc"][11:13]) for d in doses] == [("08:00", "13")]
    people = json.loads(run(db, "recipient", "list", "--json").output)
    assert people[0]["timezone"] == "America/New_York"
    bad = CliRunner().invoke(cli, ["--store", db, "recipient", "set", rid, "--timezone", "Mars/Base"])
    assert bad.exit_code == 2 and "unknown time zone" in bad.output
    nothing = CliRunner().invoke(cli, ["--store", db, "recipient", "set", rid])
    assert nothing.exit_code == 2
