"""The "done when" of the voice skill: a simulator that reads the interaction model talks to
`dosekeeper serve --allow-unsigned` over real HTTP: link, ask, log, ask again.

The simulator is the console's Alexa side (sample utterances -> request envelopes) with an HTTP transport,
so every request is exactly what the console would send, and the server is the real process.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from skill.domain.models import DoseStatus, LinkCode, LogSource, Schedule
from skill.store.sqlite import SqliteStore
from skill.voice_console.conversation import Conversation
from skill.voice_console.envelopes import Caller
from skill.voice_console.model import load_model
from skill.voice_console.transport import over_http
from tests import factories
from tests.support.servers import free_port

ROOT = Path(__file__).resolve().parents[2]
SKILL_ID = "amzn1.ask.skill.simulated"
SPOKEN_DIGITS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


def daytime_zone(now: datetime) -> str:
    """A zone where it is well inside the day right now, so "today" cannot roll over mid-test."""
    for zone in ("Europe/London", "Asia/Tokyo", "America/Los_Angeles"):
        if 3 <= now.astimezone(ZoneInfo(zone)).hour <= 20:
            return zone
    raise AssertionError("unreachable: one of the zones is always in daytime")


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "dosekeeper.db"


@pytest.fixture
def server(db: Path) -> Iterator[str]:
    """The real `dosekeeper serve` process on a free loopback port; yields its /alexa URL."""
    env = {**os.environ, "DOSEKEEPER_STORE": f"sqlite:///{db}", "DOSEKEEPER_SKILL_ID": SKILL_ID,
           "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-c", "from skill.cli.main import cli; cli()", "serve", "--host", "127.0.0.1",
         "--port", "0", "--allow-unsigned", "--no-sweep"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert proc.stdout is not None
        banner = proc.stdout.readline()  # printed once the socket is listening
        assert "http://127.0.0.1:" in banner, banner
        base = banner.split()[2]
        yield f"{base}/alexa"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=30)


def test_link_ask_log_and_ask_again_over_http(db: Path, server: str) -> None:
    # GIVEN Edith, whose Metformin was due two minutes ago, and a link code her carer was given
    now = datetime.now(UTC)
    zone = daytime_zone(now)
    local = now.astimezone(ZoneInfo(zone)) - timedelta(minutes=2)
    store = SqliteStore(db)
    store.init()
    person = factories.recipient(display_name="Edith", timezone=zone)
    store.put_recipient(person)
    metformin = factories.medication(person.id, "Metformin", dose_text="500 mg", schedule=Schedule(
        times=(time(local.hour, local.minute),), start=local.date()))
    store.put_medication(metformin)
    code = LinkCode.issue(person.id, now)
    store.put_link_code(code)
    store.close()
    # AND a simulator speaking for a new Alexa user (its APIs point at a closed loopback port)
    caller = Caller(skill_id=SKILL_ID, user_id="amzn1.ask.account.SIMULATED", locale="en-GB",
                    api_endpoint=f"http://127.0.0.1:{free_port()}")
    # (a generous bound per turn: on a loaded 2-core machine the server's first turn can take many seconds)
    alexa = Conversation(load_model("en-GB"), over_http(server, timeout=60), caller)

    # WHEN she opens the skill THEN she is asked for her code
    assert "six-digit code" in alexa.start().speech
    # WHEN she says her code digit by digit THEN she is linked, greeted, and asked about the due dose
    linked = alexa.say("my code is " + " ".join(SPOKEN_DIGITS[int(d)] for d in code.code))
    assert linked.speech.startswith("Thank you, Edith. You're all set.")
    assert "Metformin, 500 milligrams is due now. Have you taken it?" in linked.speech
    # WHEN she asks whether she took it THEN the answer is no
    before = alexa.say("did I take my metformin?")
    assert before.speech.startswith("Not yet. Your Metformin from") and before.speech.endswith("Have you taken it?")
    # WHEN she says she took it THEN it is noted
    assert "noted your Metformin" in alexa.say("Alexa, tell Dose Keeper I took my metformin").speech
    # WHEN she asks again THEN the answer is yes, and saying it again logs nothing more
    assert alexa.say("did I take my metformin").speech.startswith("Yes, you took your Metformin at")
    assert alexa.say("I've taken my metformin").speech.startswith("You already took your Metformin at")

    # THEN the store holds the link, one voice log of today's dose, and a used code
    store = SqliteStore(db)
    link = store.get_alexa_link("amzn1.ask.account.SIMULATED")
    start = now - timedelta(days=1)
    logged = [d for d in store.list_doses(person.id, start, now + timedelta(days=1)) if d.is_logged]
    reused = store.claim_link_code(code.code, datetime.now(UTC))
    store.close()
    assert link is not None and link.recipient_id == person.id
    assert [(d.medication_id, d.status, d.source, d.scheduled_local.time()) for d in logged] == [
        (metformin.id, DoseStatus.TAKEN, LogSource.VOICE, time(local.hour, local.minute))]
    assert reused is None


SLOT_WORDS = {"MORNING": "morning", "MIDDAY": "lunchtime", "AFTERNOON": "afternoon", "EVENING": "evening",
              "NIGHT": "night"}


def test_a_time_of_day_log_a_safety_moment_and_an_i_dont_remember_check_in_over_http(db: Path, server: str) -> None:
    from skill.domain.models import Contact, new_id
    from skill.domain.times_of_day import slot_of
    from skill.domain.voice import AlexaLink

    # GIVEN Edith (Metformin and Ramipril) and Bert (Aspirin), each with a dose due two minutes ago, linked
    now = datetime.now(UTC)
    zone = daytime_zone(now)
    local = now.astimezone(ZoneInfo(zone)) - timedelta(minutes=2)
    due = Schedule(times=(time(local.hour, local.minute),), start=local.date())
    store = SqliteStore(db)
    store.init()
    people = {}
    for name, medicines in (("Edith", ("Metformin", "Ramipril")), ("Bert", ("Aspirin",))):
        person = factories.recipient(display_name=name, timezone=zone)
        store.put_recipient(person)
        for medicine in medicines:
            store.put_medication(factories.medication(person.id, medicine, dose_text="", schedule=due))
        store.put_contact(Contact(id=new_id("con"), recipient_id=person.id, name="Sam", channel="email",
                                  address="sam@example.org"))
        user = f"amzn1.ask.account.{name.upper()}"
        store.put_alexa_link(AlexaLink(user, person.id, now))
        store.mark_disclaimer_heard(person.id, now)
        people[name] = (person, Conversation(load_model("en-GB"), over_http(server), Caller(
            skill_id=SKILL_ID, user_id=user, locale="en-GB", api_endpoint=f"http://127.0.0.1:{free_port()}")))
    store.close()
    edith, alexa = people["Edith"]
    # WHEN Edith opens the skill and says she has had her tablets of this time of day
    assert "Metformin and Ramipril. Have you taken them?" in alexa.start().speech
    word = SLOT_WORDS[slot_of(local.time()).value]
    said = alexa.say(f"I've had my {word} tablets")
    # THEN both are noted, by name
    assert said.speech == "Thanks, I've noted your Metformin and Ramipril."
    # WHEN she then says she took two by mistake THEN it is recorded, the carer is told, and she hears a signpost
    said = alexa.say("Alexa, tell Dose Keeper I think I took two by mistake")
    assert "I've let your carer know." in said.speech and "NHS 111" in said.speech
    # WHEN Bert does not remember THEN the pill box is checked with him, and only his "yes" notes the dose
    bert, alexa = people["Bert"]
    assert "Have you taken it?" in alexa.start().speech
    assert "Look in your pill box" in alexa.say("I don't remember").speech
    assert alexa.say("no it's not there").speech == "Then it looks like you've taken it. Shall I note it as taken?"
    assert "noted your Aspirin" in alexa.say("yes dear").speech

    store = SqliteStore(db)
    window = (now - timedelta(days=1), now + timedelta(days=1))
    edith_logged = sorted(d.medication_name for d in store.list_doses(edith.id, *window) if d.is_logged)
    bert_logged = [d.medication_name for d in store.list_doses(bert.id, *window) if d.is_logged]
    edith_events = [e.kind.value for e in store.list_events(edith.id, *window)]
    safety_alerts = [a.kind.value for a in store.list_alerts(edith.id)]
    store.close()
    assert edith_logged == ["Metformin", "Ramipril"] and bert_logged == ["Aspirin"]
    assert edith_events == ["double_dose"] and safety_alerts == ["safety"]
