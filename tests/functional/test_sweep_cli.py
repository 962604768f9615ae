"""`dosekeeper contact`, `sweep` and `notifications` as a carer or operator types them."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import time_machine
from click.testing import CliRunner

from skill.cli.main import cli
from skill.domain.models import utcnow
from tests.functional.channel_servers import smtp_server

LONDON = ZoneInfo("Europe/London")


def run(db: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--store", f"sqlite:///{db}", *args], env=env or {})
    return result.exit_code, result.output


def add_edith(db: Path) -> str:
    code, out = run(db, "recipient", "add", "--name", "Edith", "--timezone", "Europe/London", "--json")
    assert code == 0, out
    return str(json.loads(out)["id"])


def test_contacts_are_checked_and_listed(tmp_path: Path) -> None:
    db = tmp_path / "dk.db"
    rid = add_edith(db)
    # WHEN a carer adds contacts, with mistakes and without
    assert run(db, "contact", "add", rid, "--name", "Ann", "--sms", "07700 900123")[0] == 2
    assert run(db, "contact", "add", rid, "--name", "Ann", "--email", "ann@")[0] == 2
    assert run(db, "contact", "add", rid, "--name", "Ann", "--webhook", "http://example.org/x")[0] == 2
    code, out = run(db, "contact", "add", rid, "--name", "Ann", "--email", "a@b.org", "--sms", "+447700900123")
    assert code == 2 and "exactly one" in out
    assert run(db, "contact", "add", rid, "--name", "Ann", "--sms", "+44 7911 123456", "--quiet-hours",
               "22:00-07:00", "--escalate-after", "30m")[0] == 0
    assert run(db, "contact", "add", rid, "--name", "Bob", "--email", "bob@example.org", "--priority", "1")[0] == 0
    # THEN the list shows both, normalised, in the order they are told
    code, out = run(db, "contact", "list", rid, "--json")
    listed = json.loads(out)
    assert [(c["name"], c["address"]) for c in listed] == [("Ann", "+447911123456"), ("Bob", "bob@example.org")]
    assert listed[0]["quiet_hours"] == "22:00-07:00" and listed[0]["escalate_after_minutes"] == 30
    code, out = run(db, "contact", "add", rid, "--name", "Cy", "--email", "c@example.org", "--escalate-after", "soon")
    assert code == 2 and "Traceback" not in out


def test_sweep_and_notifications_show_the_alert_and_its_attempts(tmp_path: Path) -> None:
    # GIVEN Edith's 8 o'clock Metformin, added at 7 two days ago. The CLI plans doses from the clock it reads,
    # and refuses a sweep --now in the future, so the test moves that clock (relative to today) with time-machine.
    db = tmp_path / "dk.db"
    dose_at = datetime.combine(datetime.now(LONDON).date() - timedelta(days=2), time(8), LONDON).astimezone(UTC)
    with time_machine.travel(dose_at - timedelta(hours=1), tick=False) as clock:
        rid = add_edith(db)
        start = (dose_at.date() - timedelta(days=5)).isoformat()
        assert run(db, "med", "add", rid, "--name", "Metformin", "--at", "08:00", "--start", start)[0] == 0
        assert run(db, "contact", "add", rid, "--name", "Ann", "--email", "ann@example.org")[0] == 0
        with smtp_server() as (port, inbox):
            env = {"DOSEKEEPER_SMTP_URL": f"smtp://127.0.0.1:{port}?starttls=off"}
            # WHEN the sweep runs before the dose, and again two hours after it
            assert run(db, "sweep", "--now", (dose_at - timedelta(hours=1)).isoformat(), env=env)[0] == 0
            after = dose_at + timedelta(hours=2, minutes=5)
            clock.move_to(after)
            code, out = run(db, "sweep", "--now", after.strftime("%Y-%m-%dT%H:%M:%SZ"), "--json", env=env)
    # THEN the dose is missed, Ann was emailed once, and the outbox shows the alert with its one attempt
    assert code == 0, out
    assert json.loads(out)["marked_missed"] == 1
    assert len(inbox.messages) == 1
    code, out = run(db, "notifications", "--json")
    [alert] = json.loads(out)
    assert alert["state"] == "sent" and [a["ok"] for a in alert["attempts"]] == [True]
    code, out = run(db, "notifications")
    assert "missed" in out and "ok: sent" in out
    assert run(db, "sweep", "--now", "yesterday")[0] == 2
    code, out = run(db, "sweep", "--now", (utcnow() + timedelta(hours=1)).isoformat())
    assert code == 2 and "future" in out and "Traceback" not in out
