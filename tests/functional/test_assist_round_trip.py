"""The full Home Assistant round trip over real HTTP: a sentence -> hassil over the exported sentences -> the
intent script's REST call, rendered from the exported package -> `dosekeeper serve` (a real process on
loopback) -> the spoken answer -> the store read back. The token and the export come from the real command.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from skill.assist.ha_config import REST_COMMAND
from skill.domain.models import LogSource, Schedule
from skill.store.sqlite import SqliteStore
from tests import factories
from tests.functional.test_assist_support import HomeAssistant
from tests.support.serve_process import dosekeeper_serve

ROOT = Path(__file__).resolve().parents[2]
COMMAND = [sys.executable, "-c", "from skill.cli.main import cli; cli()"]


def daytime_zone(now: datetime) -> str:
    """A zone where it is well inside the day right now, so "today" cannot roll over mid-test."""
    for zone in ("Europe/London", "Asia/Tokyo", "America/Los_Angeles"):
        if 3 <= now.astimezone(ZoneInfo(zone)).hour <= 20:
            return zone
    raise AssertionError("unreachable: one of the zones is always in daytime")


def dosekeeper(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([*COMMAND, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
                          check=True)
    return done.stdout


def post(ha: HomeAssistant, secret: str, text: str) -> dict[str, Any]:
    """What Home Assistant does with a sentence: match it, run the intent script's rest_command."""
    body = ha.body_for(text)
    assert body is not None, f"Home Assistant would not understand {text!r}"
    command = ha.package["rest_command"][REST_COMMAND]
    request = urllib.request.Request(command["url"], data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": command["content_type"],
                                              "Authorization": f"Bearer {secret}"})
    with urllib.request.urlopen(request, timeout=command["timeout"]) as reply:
        assert reply.status == 200
        answer: dict[str, Any] = json.loads(reply.read())
        return answer


def test_a_sentence_said_to_home_assistant_is_recorded_and_asked_about_over_http(tmp_path: Path) -> None:
    # GIVEN Edith, whose Metformin was due two minutes ago, in a store `dosekeeper serve` uses
    now = datetime.now(UTC)
    zone = daytime_zone(now)
    local = now.astimezone(ZoneInfo(zone)) - timedelta(minutes=2)
    db = tmp_path / "dosekeeper.db"
    store = SqliteStore(db)
    store.init()
    person = factories.recipient(display_name="Edith", timezone=zone)
    store.put_recipient(person)
    metformin = factories.medication(person.id, "Metformin", dose_text="500 mg", schedule=Schedule(
        times=(time(local.hour, local.minute),), start=local.date()))
    store.put_medication(metformin)
    env = {**os.environ, "DOSEKEEPER_STORE": f"sqlite:///{db}", "DOSEKEEPER_SKILL_ID": "amzn1.ask.skill.unused"}
    # AND a token for her, made with the command a carer's operator runs
    line = dosekeeper(env, "assist", "token", person.id)
    secret = line.split("Bearer ")[1].strip().strip('"')
    with dosekeeper_serve(COMMAND, ["--no-sweep"], env=env, cwd=ROOT, stderr_path=tmp_path / "serve.log") as served:
        # AND Home Assistant configured from `dosekeeper assist export --recipient`
        out = tmp_path / "ha"
        dosekeeper(env, "assist", "export", "--out", str(out), "--locale", "en-GB", "--base-url", served.base_url,
                   "--recipient", person.id)
        ha = HomeAssistant({str(p.relative_to(out)): p.read_text(encoding="utf-8")
                            for p in out.rglob("*") if p.is_file()})
        # WHEN she says she took it
        said = post(ha, secret, "I took my metformin")
        # THEN she hears it noted, and the store holds that dose as taken by voice
        assert said["speech"].startswith("Thanks, I've noted your Metformin"), said
        assert said["end"] is True
        taken = [d for d in store.list_doses(person.id, now - timedelta(hours=1), now + timedelta(hours=1))
                 if d.is_logged]
        assert [(d.medication_id, d.source) for d in taken] == [(metformin.id, LogSource.VOICE)]
        # AND asking afterwards says it is taken, and a second report records nothing twice
        assert post(ha, secret, "did I take my metformin")["speech"].startswith("Yes, you took your Metformin")
        assert "already" in post(ha, secret, "I took my metformin")["speech"]
        logged = [d for d in store.list_doses(person.id, now - timedelta(hours=1), now + timedelta(hours=1))
                  if d.is_logged]
        assert len(logged) == 1
        log_lines = served.stop()
    # AND the server's log names no one and no medicine
    assert "assist turn" in log_lines
    assert "Edith" not in log_lines and "Metformin" not in log_lines and secret not in log_lines
