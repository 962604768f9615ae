"""One rule, every edge: the same scenario through voice, the web pages, `/api/v1` and the CLI, one decision.

Each edge once had its own copy of these rules, and they drifted (issue 9): voice refused an as-needed dose
the web page logged, the web form stored any contact address, only the CLI and voice refused a second
"Metformin", the CLI and voice audited nothing, and the coordinator page and the API ranked people
differently.
Each test here runs one scenario through every edge that offers it, on a real SQLite file, and reads the
store back. The edges are driven the way people use them: the skill with real request envelopes, the pages
and the API through Flask's test client, the `dosekeeper` command through click's runner.

Time: the skill, the pages and the API read an injected clock, set relative to now; the CLI reads the real
clock, so its times are given with `--at`, also relative to now.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from ask_sdk_core.skill import CustomSkill
from click.testing import CliRunner, Result
from flask import Flask
from flask.testing import FlaskClient

from skill import settings
from skill.accounts.passwords import hash_password
from skill.accounts.tokens import issue_token
from skill.alexa.skill_builder import build_skill
from skill.cli.main import cli
from skill.domain.accounts import Role, User
from skill.domain.alerts import AlertKind
from skill.domain.events import EventKind
from skill.domain.models import Contact, DoseStatus, LogSource, Medication, Recipient, Schedule, new_id
from skill.domain.voice import AlexaLink
from skill.doses import expected_doses
from skill.reports.rollups import rebuild as rebuild_rollups
from skill.store.sqlite import SqliteStore
from skill.sweep import run_sweep
from skill.web.app import WebConfig, create_app
from tests import factories
from tests.support.envelopes import Conversation, FixedClock, Speaker, intent_request

LONDON = ZoneInfo("Europe/London")
PASSWORD = "correct horse battery"
CARER = "ann@example.org"
COORDINATOR = "cora@example.org"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@cache
def password_hash() -> str:
    return hash_password(PASSWORD)  # argon2 is slow on purpose: once per run is enough


def minute_now() -> datetime:
    return datetime.now(UTC).replace(second=0, microsecond=0)


def medicine(recipient_id: str, name: str, entered: datetime, **kw: Any) -> Medication:
    """Entered `entered` (long enough ago that nothing about its start is in play), daily at 08:00 by default."""
    kw.setdefault("schedule", Schedule(times=(time(8, 0),), start=entered.date()))
    return Medication(id=new_id("med"), recipient_id=recipient_id, name=name, created_at=entered, **kw)


@dataclass(frozen=True, slots=True)
class Reply:
    """What the edge showed after "I took it": whether it said the dose was recorded, and its words."""

    recorded: bool
    text: str


# -- the world: one person, her carer, and every edge on one SQLite file ---------------------------------
@dataclass
class World:
    path: Path
    store: SqliteStore
    clock: FixedClock
    app: Flask
    skill: CustomSkill
    edith: Recipient  # en-GB, London; cared for by CARER
    users: dict[str, User] = field(default_factory=dict)

    def add_user(self, email: str, role: Role, recipients: frozenset[str] = frozenset()) -> User:
        user = User(id=new_id("usr"), email=email, role=role, organisation="north", password_hash=password_hash(),
                    recipient_ids=recipients, created_at=self.clock() - timedelta(days=100))
        self.store.create_user(user)
        self.users[email] = user
        return user

    def medication(self, name: str, **kw: Any) -> Medication:
        """One of Edith's medicines, set up directly (a GIVEN, not the edge under test)."""
        med = medicine(self.edith.id, name, self.clock() - timedelta(days=40), **kw)
        self.store.put_medication(med)
        return med

    def tick(self) -> None:
        """A minute passes between one thing a person does and the next (the CLI's real clock moves itself)."""
        self.clock.set(self.clock() + timedelta(minutes=1))

    def medicines(self) -> list[Medication]:
        return self.store.list_medications(self.edith.id, include_stopped=True)


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    monkeypatch.delenv(settings.WEBHOOK_ALLOW_HOSTS, raising=False)  # loopback webhooks stay refused
    path = tmp_path / "edges.db"
    store = SqliteStore(path)
    store.init()
    clock = FixedClock(minute_now())
    edith = factories.recipient(display_name="Edith", organisation="north", locale="en-GB",
                                timezone="Europe/London", created_at=clock() - timedelta(days=100))
    store.put_recipient(edith)
    app = create_app(store, WebConfig(secret_key="test-secret", secure_cookies=False, clock=clock,
                                      login_rate_limit="1000 per minute"))
    app.testing = True
    world = World(path, store, clock, app, build_skill(store, skill_id=None, clock=clock), edith)
    world.add_user(CARER, Role.CARER, frozenset({edith.id}))
    yield world
    store.close()


# -- the edges, each driven as its users drive it ----------------------------------------------------------
class Voice:
    """Edith herself, on her linked speaker."""

    who = "the person (voice)"
    too_soon = "4 hours"  # she hears the limit her carer set

    def __init__(self, world: World) -> None:
        self.world = world
        self.speaker = Speaker()
        world.store.put_alexa_link(AlexaLink(self.speaker.user_id, world.edith.id, world.clock()))
        world.store.mark_disclaimer_heard(world.edith.id, world.clock())

    def chat(self) -> Conversation:
        return Conversation(self.world.skill, self.speaker, self.world.clock)

    def took(self, med: Medication, at: datetime) -> Reply:
        self.world.clock.set(at)
        said = self.chat().intent("LogDoseIntent", medication=med.name.lower()).text
        return Reply(f"noted your {med.name}" in said, said)

    def add_medication(self, name: str) -> str:
        """ "Add a medicine": Alexa's dialog has collected the slots and Edith said yes."""
        slots = {"medication": name, "doseAmount": "5", "doseUnit": "milligrams", "time": "21:00"}
        return self.chat().send(intent_request("AddMedicationIntent", slots, dialogState="COMPLETED",
                                               confirmation="CONFIRMED")).text


class Web:
    """Edith's carer, signed in to the pages."""

    who = CARER
    too_soon = "this is inside the minimum gap you set; the contacts have been alerted"

    def __init__(self, world: World, email: str = CARER) -> None:
        self.world = world
        self.client: FlaskClient = world.app.test_client()
        token = self.csrf(self.client.get("/login").text)
        signed_in = self.client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
        assert signed_in.status_code == 302, signed_in.text
        self.token = self.csrf(self.client.get("/account").text)

    @staticmethod
    def csrf(html: str) -> str:
        match = _CSRF.search(html)
        assert match, "the page has no form with a CSRF token"
        return match.group(1)

    def post(self, path: str, **form: Any) -> Any:
        return self.client.post(path, data={**form, "csrf_token": self.token})

    def took(self, med: Medication, at: datetime) -> Reply:
        """The "Taken" button beside an as-needed medicine on the Today page; the page then says what happened."""
        self.world.clock.set(at)
        pressed = self.post(f"/recipients/{self.world.edith.id}/medications/{med.id}/take")
        assert pressed.status_code == 303, pressed.text
        page = self.client.get("/today").text
        return Reply(f"{med.name} at {at.astimezone(LONDON):%H:%M}: taken." in page, page)

    def add_medication(self, name: str, also_called: tuple[str, ...] = ()) -> int:
        return int(self.post(f"/recipients/{self.world.edith.id}/medications", name=name, time="09:00",
                             also_called=", ".join(also_called)).status_code)

    def change_time(self, med: Medication, at: str) -> int:
        return int(self.post(f"/recipients/{self.world.edith.id}/medications/{med.id}", name=med.name,
                             time=at, start=med.schedule.start.isoformat()).status_code)

    def stop(self, med: Medication) -> int:
        """Stop, then yes on the page that asks "are you sure?" (one tap never stops a medicine)."""
        return int(self.post(f"/recipients/{self.world.edith.id}/medications/{med.id}/stop",
                             confirm="yes").status_code)

    def add_contact(self, channel: str, address: str) -> int:
        return int(self.post(f"/recipients/{self.world.edith.id}/contacts", name="Sam", channel=channel,
                             address=address).status_code)


class Api:
    """Edith's carer's app, with a personal access token."""

    who = CARER
    too_soon = '"too_soon"'

    def __init__(self, world: World, email: str = CARER) -> None:
        self.world = world
        self.client: FlaskClient = world.app.test_client()
        secret, token = issue_token(world.users[email].id, "tests", world.clock())
        world.store.put_token(token)
        self.headers = {"Authorization": f"Bearer {secret}"}
        self.base = f"/api/v1/recipients/{world.edith.id}"

    def took(self, med: Medication, at: datetime) -> Reply:
        self.world.clock.set(at)
        response = self.client.post(f"{self.base}/medications/{med.id}/log", json={}, headers=self.headers)
        body = response.get_json()
        return Reply(response.status_code == 201 and bool(body.get("applied")), response.text)

    @staticmethod
    def medication_body(name: str, also_called: tuple[str, ...], at: str, start: date) -> dict[str, Any]:
        return {"name": name, "also_called": list(also_called), "schedule": {"times": [at], "start": start.isoformat()}}

    def add_medication(self, name: str, also_called: tuple[str, ...] = ()) -> int:
        body = self.medication_body(name, also_called, "09:00", self.world.clock().date())
        return int(self.client.post(f"{self.base}/medications", json=body, headers=self.headers).status_code)

    def change_time(self, med: Medication, at: str) -> int:
        body = self.medication_body(med.name, med.also_called, at, med.schedule.start)
        return int(self.client.put(f"{self.base}/medications/{med.id}", json=body, headers=self.headers).status_code)

    def stop(self, med: Medication) -> int:
        return int(self.client.delete(f"{self.base}/medications/{med.id}", headers=self.headers).status_code)

    def add_contact(self, channel: str, address: str) -> int:
        body = {"name": "Sam", "channel": channel, "address": address}
        return int(self.client.post(f"{self.base}/contacts", json=body, headers=self.headers).status_code)


class Cli:
    """The operator at the host, running `dosekeeper` against the same file (with the real clock)."""

    who = "operator (command line)"
    too_soon = "warning: inside the minimum interval the carer set; the contacts were alerted"

    def __init__(self, world: World) -> None:
        self.world = world

    def run(self, *args: str) -> Result:
        return CliRunner().invoke(cli, ["--store", f"sqlite:///{self.world.path}", *args], catch_exceptions=False)

    def took(self, med: Medication, at: datetime) -> Reply:
        result = self.run("log", self.world.edith.id, "--medication", med.name, "--at", at.isoformat())
        return Reply(result.exit_code == 0 and result.stdout.startswith("taken:"), result.output)

    def add_medication(self, name: str, also_called: tuple[str, ...] = ()) -> int:
        nicknames = [arg for nick in also_called for arg in ("--also-called", nick)]
        return self.run("med", "add", self.world.edith.id, "--name", name, "--at", "09:00", *nicknames).exit_code

    def stop(self, med: Medication) -> int:
        return self.run("med", "stop", self.world.edith.id, med.name).exit_code

    def add_contact(self, channel: str, address: str) -> int:
        return self.run("contact", "add", self.world.edith.id, "--name", "Sam", f"--{channel}", address).exit_code


Edge = Voice | Web | Api | Cli
CarerEdge = Web | Api | Cli  # the edges where a carer (or the operator) manages the care plan
EDGES: dict[str, type[Voice] | type[Web] | type[Api] | type[Cli]] = {"voice": Voice, "web": Web, "api": Api,
                                                                      "cli": Cli}
# How each edge answers: HTTP status codes, or the command's exit code.
REFUSED = {"web": 422, "api": 422, "cli": 2}  # that input breaks a rule
ADDED = {"web": 303, "api": 201, "cli": 0}
CHANGED = {"web": 303, "api": 200, "cli": 0}


def edge_for(world: World, name: str) -> Edge:
    return EDGES[name](world)


def carer_edge(world: World, name: str) -> CarerEdge:
    driver = edge_for(world, name)
    assert not isinstance(driver, Voice)
    return driver


# -- 1. as-needed minimum interval across midnight ---------------------------------------------------------
def last_half_past_midnight() -> datetime:
    """The latest 00:30 in London that is safely past, so the CLI (real clock) may record it too."""
    now = datetime.now(UTC) - timedelta(minutes=5)
    local = now.astimezone(LONDON)
    day = local.date() if local.time() >= time(0, 30) else local.date() - timedelta(days=1)
    return datetime.combine(day, time(0, 30), LONDON).astimezone(UTC)


@pytest.mark.parametrize("edge", ["voice", "web", "api", "cli"])
def test_an_as_needed_dose_inside_the_interval_across_midnight_is_recorded_and_alerts_the_carer(
        world: World, edge: str) -> None:
    # GIVEN paracetamol as needed, at least 4 hours apart, and a carer who hears about safety moments
    after_midnight = last_half_past_midnight()
    evening = datetime.combine(after_midnight.astimezone(LONDON).date() - timedelta(days=1), time(23, 0),
                               LONDON).astimezone(UTC)
    paracetamol = world.medication("Paracetamol", schedule=Schedule(
        as_needed=True, min_interval_minutes=240, max_per_day=8, start=evening.date() - timedelta(days=30)))
    world.store.put_contact(Contact(id=new_id("con"), recipient_id=world.edith.id, name="Sam", channel="email",
                                    address="sam@example.org"))
    driver = edge_for(world, edge)
    # WHEN a dose is reported at 23:00 and another at 00:30, an hour and a half later but on a new day
    first = driver.took(paracetamol, evening)
    second = driver.took(paracetamol, after_midnight)
    # THEN both are recorded (the truth is kept, whatever the midnight between them), and only the second
    # is called too soon, in the edge's own words
    assert first.recorded and driver.too_soon not in first.text, first.text
    assert second.recorded and driver.too_soon in second.text, second.text
    logged = world.store.list_doses(world.edith.id, evening - timedelta(hours=1), after_midnight + timedelta(hours=1))
    assert [(d.medication_id, d.logged_at, d.status) for d in logged] == [
        (paracetamol.id, evening, DoseStatus.TAKEN), (paracetamol.id, after_midnight, DoseStatus.TAKEN)]
    # AND one over-limit safety event is kept, about the second dose, measured from the first
    events = world.store.list_events(world.edith.id, evening - timedelta(days=1), minute_now() + timedelta(days=1))
    assert [(e.kind, e.dose_id) for e in events] == [(EventKind.OVER_LIMIT, logged[1].id)]
    assert events[0].detail.startswith("90 min after the last, limit 240 min")
    # AND the carer's safety alert is in the outbox, once
    alerts = world.store.list_alerts(world.edith.id)
    assert [(a.kind, a.message.address) for a in alerts] == [(AlertKind.SAFETY, "sam@example.org")]


# -- 2. contact addresses ----------------------------------------------------------------------------------
BAD_ADDRESSES = [("email", "sam@example"), ("email", "sam example.org"), ("sms", "call me"),
                 ("webhook", "not a url"), ("webhook", "http://127.0.0.1/x")]


@pytest.mark.parametrize("edge", ["web", "api", "cli"])
@pytest.mark.parametrize(("channel", "address"), BAD_ADDRESSES)
def test_an_address_that_cannot_work_is_refused_everywhere(
        world: World, edge: str, channel: str, address: str) -> None:
    driver = carer_edge(world, edge)
    # WHEN the carer saves a contact whose address can never deliver an alert
    status = driver.add_contact(channel, address)
    # THEN the edge refuses it as bad input, and nothing is stored (no carer silently gets no alerts)
    assert status == REFUSED[edge]
    assert world.store.list_contacts(world.edith.id) == []
    assert world.store.list_audit(world.edith.id) == []


@pytest.mark.parametrize("edge", ["web", "api", "cli"])
def test_a_national_phone_number_is_read_in_the_persons_country_everywhere(world: World, edge: str) -> None:
    driver = carer_edge(world, edge)
    # WHEN Edith's carer (she lives in the UK) gives a mobile number the way it is written in the UK
    # (not Ofcom's drama range 07700 900xxx: libphonenumber rightly calls those numbers invalid)
    status = driver.add_contact("sms", "07911 123456")
    # THEN it is stored in international form, so the SMS can be sent
    assert status == ADDED[edge]
    assert [(c.channel, c.address) for c in world.store.list_contacts(world.edith.id)] == [("sms", "+447911123456")]


# -- 3. duplicate medicine names ---------------------------------------------------------------------------
@pytest.mark.parametrize("edge", ["voice", "web", "api", "cli"])
@pytest.mark.parametrize("name", ["METFORMIN", "Heart Pill"])
def test_a_second_medicine_by_a_name_already_used_is_refused_everywhere(world: World, edge: str, name: str) -> None:
    # GIVEN Metformin, and Ramipril that Edith calls her "heart pill"
    world.medication("Metformin")
    world.medication("Ramipril", also_called=("heart pill",))
    before = world.medicines()
    driver = edge_for(world, edge)
    # WHEN a medicine is added under the same name in other letters, or under the other's nickname
    answer = driver.add_medication(name)
    # THEN it is refused ("I took my metformin" must name one medicine), and the list is unchanged
    if isinstance(driver, Voice):
        assert isinstance(answer, str) and "already on your list" in answer
    else:
        assert answer == REFUSED[edge]
    assert world.medicines() == before
    assert world.store.list_audit(world.edith.id) == []


@pytest.mark.parametrize("edge", ["web", "api", "cli"])
def test_a_nickname_that_is_another_medicines_name_is_refused_everywhere(world: World, edge: str) -> None:
    # GIVEN Metformin
    world.medication("Metformin")
    before = world.medicines()
    # WHEN Amlodipine is added with "metformin" as what Edith calls it
    status = carer_edge(world, edge).add_medication("Amlodipine", ("metformin",))
    # THEN it is refused: "I took my metformin" would name two medicines
    assert status == REFUSED[edge]
    assert world.medicines() == before


# -- 4. the audit log --------------------------------------------------------------------------------------
def audit_trail(world: World) -> list[tuple[str, str, str]]:
    """(who, what, action), oldest first."""
    return [(e.who, e.entity, e.action) for e in reversed(world.store.list_audit(world.edith.id))]


@pytest.mark.parametrize("edge", ["web", "api", "cli"])
def test_every_change_to_medicines_and_contacts_is_audited_with_who_made_it(world: World, edge: str) -> None:
    driver = carer_edge(world, edge)
    # WHEN the carer adds a medicine, moves its time (where the edge can), stops it, and adds a contact
    assert driver.add_medication("Ramipril") == ADDED[edge]
    [ramipril] = world.medicines()
    expected = [(driver.who, "medication", "create")]
    if not isinstance(driver, Cli):  # the command line has no "change" command
        world.tick()
        assert driver.change_time(ramipril, "10:30") == CHANGED[edge]
        expected.append((driver.who, "medication", "update"))
    world.tick()
    assert driver.stop(ramipril) == CHANGED[edge]
    world.tick()
    assert driver.add_contact("email", "sam@example.org") == ADDED[edge]
    # THEN each change is in the audit log, naming who made it, in the order made
    assert audit_trail(world) == [*expected, (driver.who, "medication", "stop"), (driver.who, "contact", "create")]


def test_a_medicine_added_by_voice_is_audited_as_the_person(world: World) -> None:
    # WHEN Edith adds a medicine by voice and confirms it
    said = Voice(world).add_medication("simvastatin")
    # THEN it is added, and the audit log says she added it herself
    assert said.startswith("I've added simvastatin")
    assert [m.name for m in world.medicines()] == ["simvastatin"]
    assert audit_trail(world) == [(Voice.who, "medication", "create")]


# -- 5. the cohort report ----------------------------------------------------------------------------------
@pytest.fixture
def cohort(world: World) -> World:
    """Five more people in Edith's organisation: 30-day adherence 100%, 70%, 50% and 0%, and Dora with no
    figure (nothing has been due; nor has anything for Edith), entered in an order that is none of the sorts."""
    now = world.clock()
    entered = now - timedelta(days=40)
    for name, share in (("Cleo", 0.0), ("Alma", 1.0), ("Dora", None), ("Bert", 0.5), ("Evan", 0.7)):
        person = factories.recipient(display_name=name, organisation="north", created_at=entered)
        world.store.put_recipient(person)
        if share is None:
            continue
        med = medicine(person.id, "Aspirin", entered)
        world.store.put_medication(med)
        due = expected_doses(person, med, now - timedelta(days=30), now)
        world.store.put_doses(due)
        for dose in due[:round(len(due) * share)]:
            world.store.record_dose(dose, DoseStatus.TAKEN, dose.scheduled_utc, LogSource.WEB)
    # The sweep has run all month: a dose not taken counts as missed once the sweep marks it (the rollup rule)
    for days_ago in range(30, -1, -1):
        at = now - timedelta(days=days_ago)
        run_sweep(world.store, {}, at, plan=False, clock=lambda at=at: at)  # type: ignore[misc]
    # The doses above were written behind the use cases' back, as an import is: the operator's rebuild
    for person in world.store.list_recipients():
        rebuild_rollups(world.store, person, now)
    world.add_user(COORDINATOR, Role.COORDINATOR)
    return world


PAGE_ROW = re.compile(r'<th scope="row"><a href="/recipients/[^"]+">([^<]+)</a>')
PAGE_SORTS = {"name": "name", "adherence_30": "a30", "adherence_7": "a7", "missed_30": "missed"}


@pytest.mark.parametrize(("sort", "descending", "below"), [
    ("adherence_30", False, None), ("adherence_30", True, None), ("adherence_30", False, 80),
    ("adherence_30", True, 80), ("name", False, 60), ("name", True, None), ("adherence_7", True, 60),
    ("missed_30", False, None)])
def test_the_cohort_page_and_the_api_show_the_same_people_in_the_same_order(
        cohort: World, sort: str, descending: bool, below: int | None) -> None:
    page = Web(cohort, COORDINATOR)
    api = Api(cohort, COORDINATOR)
    # WHEN the coordinator sorts and filters the table on the page, and asks the API the same
    args = {"sort": PAGE_SORTS[sort], "dir": "desc" if descending else "asc"}
    query = {"sort": sort, "descending": str(descending).lower()}
    if below is not None:
        args["below"] = query["below"] = str(below)
    html = page.client.get("/coordinator", query_string=args)
    answer = api.client.get("/api/v1/reports/cohort", query_string=query, headers=api.headers)
    assert html.status_code == 200 and answer.status_code == 200, answer.text
    # THEN both list the same people in the same order
    on_page = PAGE_ROW.findall(html.text)
    from_api = [row["display_name"] for row in answer.get_json()["items"]]
    assert on_page == from_api
    assert answer.get_json()["total"] == len(on_page)
    # AND the filter keeps the people with no figure, and a sort by adherence puts them last, either way
    if sort.startswith("adherence"):
        assert on_page[-2:] == ["Dora", "Edith"]
    if below is not None:
        assert {"Dora", "Edith"} <= set(on_page) and "Alma" not in on_page


def test_the_cohort_order_is_the_one_a_coordinator_expects(cohort: World) -> None:
    """The shared order pinned down once, so "the same" cannot mean "the same mistake"."""
    api = Api(cohort, COORDINATOR)
    answer = api.client.get("/api/v1/reports/cohort", query_string={"sort": "adherence_30", "below": "80"},
                            headers=api.headers).get_json()
    assert [(r["display_name"], r["adherence_30"]) for r in answer["items"]] == [
        ("Cleo", 0.0), ("Bert", pytest.approx(0.5, abs=0.05)), ("Evan", pytest.approx(0.7, abs=0.05)),
        ("Dora", None), ("Edith", None)]
