"""The carer's tasks of issue 12 through the real pages: no phantom missed doses, undo and corrections,
contacts that are checked and can be tested, adding a person, exports, times as people type them, the
Changes log in words, and names Alexa heard but did not recognise.

The clock is injected and moved only relative to the fixture's NOW.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest
from fhir.resources.R4B.bundle import Bundle
from flask.testing import FlaskClient

from skill.domain.actors import Actor
from skill.domain.alerts import AlertKind
from skill.domain.events import EventKind
from skill.domain.models import DoseStatus, LogSource
from skill.exports.csv_export import export_csv
from skill.reports.adherence import cohort_row, recipient_summary
from skill.usecases.reading import doses_on
from skill.usecases.safety import report_safety
from skill.web.app import WebConfig, create_app
from tests.functional.web_fixtures import NOW, World, client, csrf_of, login, world

__all__ = ["client", "world"]


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


@pytest.fixture
def timed(world: World, clock: Clock) -> FlaskClient:
    """The same world's store behind an app whose clock the test moves."""
    app = create_app(world.store, WebConfig(secret_key="test-secret", secure_cookies=False, clock=clock,
                                            login_rate_limit="100 per minute"))
    app.testing = True
    return app.test_client()


def add_medicine(client: FlaskClient, world: World, csrf: str, **fields: object) -> int:
    data: dict[str, object] = {"csrf_token": csrf, "name": "Ramipril", "dose_text": "5 mg", "as_needed": "off"}
    data.update(fields)
    return client.post(f"/recipients/{world.edith.id}/medications", data=data).status_code


def ramipril_lines(page: str) -> list[str]:
    return [row.split("</tr>")[0] for row in page.split("<tr") if "Ramipril</th>" in row.split("</tr>")[0]]


# -- 3. no phantom missed doses ----------------------------------------------------------------------------
def test_a_medicine_added_late_in_the_evening_does_not_miss_that_mornings_dose(timed: FlaskClient, world: World,
                                                                               clock: Clock) -> None:
    # GIVEN it is 23:42 in London and a carer adds Ramipril at 11:35 and 23:55
    clock.now = NOW.replace(hour=23, minute=42)
    csrf = login(timed, "ann@example.org")
    assert add_medicine(timed, world, csrf, time=["11:35", "23:55"]) == 303
    # THEN Today shows only the 23:55 dose, not this morning's as Missed
    rows = ramipril_lines(timed.get("/today").text)
    assert len(rows) == 1 and "23:55" in rows[0] and "Missed" not in rows[0]
    # AND adherence does not count it, on the page and in the coordinator's figures alike
    summary = recipient_summary(world.store, world.edith, clock.now, days=7)
    ramipril = next(m for m in summary.by_medication if m.medication_name == "Ramipril")
    assert ramipril.counts.missed == 0 and ramipril.counts.scheduled == 0
    meds = world.store.list_medications(world.edith.id, include_stopped=True)
    row = cohort_row(world.edith, meds, world.store.list_doses(world.edith.id, clock.now - timedelta(days=91),
                                                               clock.now + timedelta(days=1)), clock.now)
    assert row.windows[7] == summary.counts


def test_already_taking_shows_earlier_doses_as_not_recorded_and_leaves_them_out(timed: FlaskClient, world: World,
                                                                                 clock: Clock) -> None:
    # GIVEN the carer ticks "already taking this medicine", with a start date a week back
    clock.now = NOW.replace(hour=23, minute=42)
    csrf = login(timed, "ann@example.org")
    start = (clock.now.date() - timedelta(days=7)).isoformat()
    assert add_medicine(timed, world, csrf, time=["11:35"], start=start, taken_before_entry="on") == 303
    # THEN this morning's dose is "not recorded", apart from missed, and adherence leaves it out
    [row] = ramipril_lines(timed.get("/today").text)
    assert "Not recorded" in row and "Missed" not in row
    summary = recipient_summary(world.store, world.edith, clock.now, days=30)
    ramipril = next(m for m in summary.by_medication if m.medication_name == "Ramipril")
    assert ramipril.counts.not_recorded == 8 and ramipril.counts.missed == 0
    history = timed.get(f"/recipients/{world.edith.id}/history?days=30").text
    assert "<dt>Not recorded</dt><dd>8</dd>" in history


def test_a_past_start_date_does_not_fill_history_with_missed(timed: FlaskClient, world: World,
                                                             clock: Clock) -> None:
    # GIVEN a medicine entered now with a start date 20 days ago (not ticked "already taking")
    csrf = login(timed, "ann@example.org")
    before = recipient_summary(world.store, world.edith, clock.now, days=30).counts
    start = (clock.now.date() - timedelta(days=20)).isoformat()
    assert add_medicine(timed, world, csrf, time=["08:00", "20:00"], start=start) == 303
    # THEN History's figures are what they were: nothing before entry is expected
    after = recipient_summary(world.store, world.edith, clock.now, days=30).counts
    assert after.missed == before.missed and after.adherence == before.adherence
    csv = timed.get(f"/recipients/{world.edith.id}/export?format=csv&start={start}&end={clock.now.date()}").text
    assert not [line for line in csv.splitlines() if "Ramipril" in line and ",missed," in line]


# -- 4. undo and corrections -------------------------------------------------------------------------------
def test_taken_on_today_can_be_undone_from_the_message(client: FlaskClient, world: World) -> None:
    csrf = login(client, "ann@example.org")
    dose_id = f"{world.metformin.id}@20261125T1130"
    # WHEN the carer taps Taken
    page = client.post(f"/recipients/{world.edith.id}/doses/log", follow_redirects=True,
                       data={"csrf_token": csrf, "dose_id": dose_id, "action": "taken"}).text
    # THEN the message offers Undo for that very dose
    assert "Metformin at 11:30: taken." in page and ">Undo</button>" in page and dose_id in page
    # WHEN they press Undo
    undone = client.post(f"/recipients/{world.edith.id}/doses/undo", follow_redirects=True,
                         data={"csrf_token": csrf, "dose_id": dose_id, "back": "/today"}).text
    # THEN the dose is open again, and History keeps the story
    assert "Undone: Metformin at 11:30 is open again." in undone
    dose = next(d for d in doses_on(world.store, world.edith, NOW) if d.id == dose_id)
    assert not dose.is_logged
    [event] = world.store.list_events(world.edith.id, NOW - timedelta(hours=1), NOW + timedelta(hours=1))
    assert event.kind is EventKind.LOG_UNDONE and event.dose_id == dose_id


def test_a_logged_dose_is_corrected_from_history_and_the_change_is_kept(client: FlaskClient, world: World) -> None:
    # GIVEN yesterday's 20:00 dose was logged taken by voice
    yesterday = next(d for d in doses_on(world.store, world.edith, NOW - timedelta(days=1))
                     if d.scheduled_local.hour == 20)
    world.store.record_dose(yesterday, DoseStatus.TAKEN, yesterday.scheduled_utc, LogSource.VOICE)
    csrf = login(client, "ann@example.org")
    history = client.get(f"/recipients/{world.edith.id}/history").text
    link = re.search(r'href="([^"]*/doses/[^"]*/correct[^"]*)"', history)
    assert link is not None
    form = client.get(link.group(1).replace("&amp;", "&")).text
    assert "Recorded now: <strong>Taken at 20:00 by voice</strong>" in form
    # WHEN the carer says it was skipped
    done = client.post(f"/recipients/{world.edith.id}/doses/{yesterday.id}/correct", follow_redirects=True,
                       data={"csrf_token": csrf, "to": "skipped", "back": f"/recipients/{world.edith.id}/history"})
    # THEN it is skipped, and both History and the Changes log say so in words
    assert "is now recorded as skipped on purpose" in done.text
    stored = next(d for d in world.store.list_doses(world.edith.id, NOW - timedelta(days=2), NOW)
                  if d.id == yesterday.id)
    assert stored.status is DoseStatus.SKIPPED
    assert "taken corrected to skipped" in done.text
    entry = world.store.list_audit(world.edith.id)[0]
    assert (entry.entity, entry.action) == ("dose", "correct")
    assert "Dose corrected: Metformin" in client.get(f"/recipients/{world.edith.id}").text


# -- 5. contacts -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("channel", "address"), [("email", "sam@example"), ("email", "sam example.org"),
                                             ("sms", "call me"), ("webhook", "not a url")])
def test_a_contact_address_that_cannot_work_is_refused_at_its_field(client: FlaskClient, world: World,
                                                                    channel: str, address: str) -> None:
    csrf = login(client, "ann@example.org")
    response = client.post(f"/recipients/{world.edith.id}/contacts", data={
        "csrf_token": csrf, "name": "Sam", "channel": channel, "address": address})
    assert response.status_code == 422
    assert 'id="c-address-error"' in response.text and 'aria-invalid="true"' in response.text
    assert world.store.list_contacts(world.edith.id) == []


def test_a_national_number_is_read_in_the_persons_country_and_a_test_alert_is_queued(client: FlaskClient,
                                                                                     world: World) -> None:
    csrf = login(client, "ann@example.org")
    added = client.post(f"/recipients/{world.edith.id}/contacts", follow_redirects=True, data={
        "csrf_token": csrf, "name": "Sam", "channel": "sms", "address": "07911 123456"}).text
    assert "they will get alerts by text message at +447911123456" in added
    [contact] = world.store.list_contacts(world.edith.id)
    # WHEN the carer presses "Send a test alert" (twice, by accident)
    for _ in range(2):
        sent = client.post(f"/recipients/{world.edith.id}/contacts/{contact.id}/test", follow_redirects=True,
                           data={"csrf_token": csrf}).text
    # THEN one test alert waits in the outbox for the sweep, to that number
    assert "A test alert to +447911123456 is on its way" in sent
    tests = [a for a in world.store.list_alerts(world.edith.id) if a.kind is AlertKind.TEST]
    assert [(a.message.address, a.contact_id) for a in tests] == [("+447911123456", contact.id)]


# -- 1. add a person ---------------------------------------------------------------------------------------
def test_a_carer_adds_a_person_and_is_told_what_to_say_to_alexa(client: FlaskClient, world: World) -> None:
    login(client, "ann@example.org")
    form = client.get("/people/new", headers={"Accept-Language": "en-US,en;q=0.8"}).text
    assert '<optgroup label="Europe">' in form and 'value="America/New_York" selected' in form
    assert "IANA" not in form
    response = client.post("/people", data={"csrf_token": csrf_of(form), "name": "Mabel",
                                             "timezone": "Europe/Dublin", "locale": "en-GB"})
    assert response.status_code == 201
    code = re.search(r'<strong class="code">(\d{6})</strong>', response.text)
    assert code is not None and "Alexa, open Dose Keeper." in response.text
    assert f"My code is {' '.join(code.group(1))}." in response.text
    mabel = next(r for r in world.store.list_recipients("north") if r.display_name == "Mabel")
    assert mabel.timezone == "Europe/Dublin"
    user = world.store.get_user(world.users["ann"].id)
    assert user is not None and mabel.id in user.recipient_ids
    assert world.store.claim_link_code(code.group(1), NOW + timedelta(minutes=1)) is not None


def test_adding_a_person_checks_the_zone_and_is_not_for_coordinators(client: FlaskClient, world: World) -> None:
    csrf = login(client, "ann@example.org")
    bad = client.post("/people", data={"csrf_token": csrf, "name": "Mabel", "timezone": "Mars/Base",
                                       "locale": "en-GB"})
    assert bad.status_code == 422 and "Choose their time zone from the list." in bad.text
    other = FlaskClient(world.app, world.app.response_class, use_cookies=True)
    login(other, "cora@example.org")
    assert other.get("/people/new").status_code == 403


# -- 2. exports --------------------------------------------------------------------------------------------
def test_exports_download_from_the_person_page_and_refuse_impossible_ranges(client: FlaskClient,
                                                                            world: World) -> None:
    csrf = login(client, "ann@example.org")
    base = f"/recipients/{world.edith.id}/export"
    csv = client.get(f"{base}?format=csv&start=2026-11-20&end=2026-11-25")
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    assert "attachment" in csv.headers["Content-Disposition"] and "Metformin" in csv.text
    fhir = client.get(f"{base}?format=fhir&start=2026-11-20&end=2026-11-25")
    assert fhir.status_code == 200 and json.loads(fhir.text)["resourceType"] == "Bundle"
    for start, end in (("0001-01-01", "0001-01-02"), ("9999-12-30", "9999-12-31"), ("2026-11-25", "2026-11-01"),
                       ("yesterday", "2026-11-01")):
        refused = client.get(f"{base}?format=csv&start={start}&end={end}")
        assert refused.status_code == 422 and 'id="export-error"' in refused.text, (start, end)
    # AND the calendar link is made, works without signing in, and is stopped
    made = client.post(f"/recipients/{world.edith.id}/feed", data={"csrf_token": csrf}).text
    url = re.search(r'id="feed-url" class="wide" readonly value="([^"]+)"', made)
    assert url is not None
    feed_path = url.group(1).split("localhost", 1)[1]
    assert FlaskClient(world.app).get(feed_path).status_code == 200
    client.post(f"/recipients/{world.edith.id}/feed/revoke", data={"csrf_token": csrf})
    assert FlaskClient(world.app).get(feed_path).status_code == 404
    assert sorted(e.action for e in world.store.list_audit(world.edith.id) if e.entity == "calendar_feed") == \
        ["create", "revoke"]


# -- 6. times as people type them; the as-needed form --------------------------------------------------------
@pytest.mark.parametrize(("typed", "expected"), [("20:00", "20:00"), ("2000", "20:00"), ("8pm", "20:00"),
                                            ("8:00 PM", "20:00"), ("7.30", "07:30"), ("12am", "00:00")])
def test_times_are_read_as_people_write_them(client: FlaskClient, world: World, typed: str, expected: str) -> None:
    csrf = login(client, "ann@example.org")
    assert add_medicine(client, world, csrf, time=[typed]) == 303
    med = next(m for m in world.store.list_medications(world.edith.id) if m.name == "Ramipril")
    assert [t.strftime("%H:%M") for t in med.schedule.times] == [expected]


def test_times_are_written_back_in_the_carers_style(client: FlaskClient, world: World) -> None:
    login(client, "ann@example.org")
    us = client.get(f"/recipients/{world.edith.id}", headers={"Accept-Language": "en-US"}).text
    assert "11:30 AM, 8:00 PM" in us and "such as 8:00 PM or 8pm" in us and "24-hour" not in us
    gb = client.get(f"/recipients/{world.edith.id}", headers={"Accept-Language": "en-GB"}).text
    assert "11:30, 20:00" in gb


def test_the_as_needed_gap_is_asked_in_hours_and_minutes(client: FlaskClient, world: World) -> None:
    csrf = login(client, "ann@example.org")
    assert add_medicine(client, world, csrf, name="Paracetamol", as_needed="on", gap_hours="4", gap_minutes="30",
                        max_per_day="4", time=["08:00"]) == 303
    med = next(m for m in world.store.list_medications(world.edith.id) if m.name == "Paracetamol")
    assert med.schedule.as_needed and med.schedule.times == () and med.schedule.min_interval_minutes == 270
    edit = client.get(f"/recipients/{world.edith.id}/medications/{med.id}").text
    assert 'name="gap_hours" type="number" min="0" max="48" value="4"' in edit
    assert 'data-when="as-needed"' in edit and 'data-when="times"' in edit  # no-JS: both, each says when


# -- 8. the Changes log in words ----------------------------------------------------------------------------
def test_the_changes_log_reads_in_words(client: FlaskClient, world: World) -> None:
    csrf = login(client, "ann@example.org")
    client.post(f"/recipients/{world.edith.id}/contacts", data={
        "csrf_token": csrf, "name": "Jo", "channel": "email", "address": "jo@example.org",
        "quiet_from": "10pm", "quiet_to": "7am"})
    page = client.get(f"/recipients/{world.edith.id}").text
    changes = page[page.index('id="audit"'):]
    assert "Contact added: Jo" in changes and "quiet hours</strong>: 22:00 to 07:00" in changes
    assert "names the medicines in alerts</strong>: no" in changes
    assert "[" not in changes and "False" not in changes


# -- 9. heard but not recognised -----------------------------------------------------------------------------
def test_a_heard_name_becomes_a_nickname_or_is_dismissed(client: FlaskClient, world: World) -> None:
    for minutes in (30, 20, 10):
        world.store.note_heard_name(world.edith.id, "metmorfin", NOW - timedelta(minutes=minutes))
    world.store.note_heard_name(world.edith.id, "the blue one", NOW - timedelta(minutes=5))
    csrf = login(client, "ann@example.org")
    page = client.get(f"/recipients/{world.edith.id}").text
    assert "Alexa heard “<strong>metmorfin</strong>” 3 times" in page
    client.post(f"/recipients/{world.edith.id}/heard/nickname",
                data={"csrf_token": csrf, "heard": "metmorfin", "medication_id": world.metformin.id})
    med = next(m for m in world.store.list_medications(world.edith.id) if m.id == world.metformin.id)
    assert "metmorfin" in med.also_called
    client.post(f"/recipients/{world.edith.id}/heard/dismiss", data={"csrf_token": csrf, "heard": "the blue one"})
    assert world.store.list_heard_names(world.edith.id) == []


# -- 10. safety moments on the pages --------------------------------------------------------------------------
def test_safety_moments_show_on_the_person_page_and_in_history(client: FlaskClient, world: World,
                                                               note_safety: Callable[[], None]) -> None:
    note_safety()
    login(client, "ann@example.org")
    for url in (f"/recipients/{world.edith.id}", f"/recipients/{world.edith.id}/history"):
        page = client.get(url).text
        assert "Reported taking too much" in page and "event-safety" in page, url


@pytest.fixture
def note_safety(world: World) -> Callable[[], None]:
    def note() -> None:
        report_safety(world.store, Actor.person(world.edith.id, LogSource.VOICE), world.edith,
                      EventKind.DOUBLE_DOSE, NOW - timedelta(hours=1), medication=world.metformin,
                      detail="2 taken, 1 planned")
    return note


def test_exports_say_not_recorded_before_entry(world: World) -> None:
    # a medicine already being taken when entered: its earlier doses are "not recorded" in the CSV
    meds = world.store.list_medications(world.edith.id)
    world.store.put_medication(replace(meds[0], taken_before_entry=True, created_at=NOW - timedelta(days=1)))
    csv = export_csv(world.store, world.edith, date(2026, 11, 23), date(2026, 11, 23), NOW)
    assert ",not_recorded," in csv and ",missed," not in csv


def test_safety_moments_and_corrections_go_into_both_exports(client: FlaskClient, world: World,
                                                             note_safety: Callable[[], None]) -> None:
    # GIVEN a double dose reported by voice, and a log the carer then undid
    note_safety()
    csrf = login(client, "ann@example.org")
    dose_id = f"{world.metformin.id}@20261125T1130"
    client.post(f"/recipients/{world.edith.id}/doses/log", data={"csrf_token": csrf, "dose_id": dose_id,
                                                                  "action": "taken"})
    client.post(f"/recipients/{world.edith.id}/doses/undo", data={"csrf_token": csrf, "dose_id": dose_id})
    base = f"/recipients/{world.edith.id}/export?start=2026-11-25&end=2026-11-25&format="
    # THEN the CSV has a second section, one row per event
    csv = client.get(base + "csv").text
    events = csv.split("\r\n\r\n", 1)[1].splitlines()
    assert events[0].startswith("event,recipient_id,medication,at_local")
    assert {line.split(",")[5] for line in events[1:]} == {"double_dose", "log_undone"}
    # AND the FHIR bundle a DetectedIssue for the safety moment and an Observation for the correction
    text = client.get(base + "fhir").text
    Bundle.model_validate_json(text)  # it validates as FHIR R4(B)
    resources = [e["resource"] for e in json.loads(text)["entry"]]
    kinds = sorted(r["resourceType"] for r in resources if r["resourceType"] in ("DetectedIssue", "Observation"))
    assert kinds == ["DetectedIssue", "Observation"]
    issue = next(r for r in resources if r["resourceType"] == "DetectedIssue")
    assert issue["severity"] == "high" and issue["detail"] == "2 taken, 1 planned"
