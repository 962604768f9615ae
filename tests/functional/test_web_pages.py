"""What carers and coordinators do on the pages: log doses, change medicines, contacts and settings."""

from __future__ import annotations

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

from flask.testing import FlaskClient

from skill.domain.models import DoseStatus, LogSource
from skill.usecases.reading import doses_on
from tests.functional.web_fixtures import NOW, World, client, csrf_of, login, world

__all__ = ["client", "world"]


def today_dose(world: World, hhmm: str) -> str:
    return f"{world.metformin.id}@20261125T{hhmm.replace(':', '')}"


def test_today_shows_each_dose_with_its_status_and_logs_one_once(client: FlaskClient, world: World) -> None:
    # GIVEN ann, whose Edith has Metformin due at 11:30 (it is noon) and 20:00
    csrf = login(client, "ann@example.org")
    page = client.get("/today").text
    assert "Due now" in page and "Upcoming" in page
    # WHEN she marks the 11:30 dose taken
    response = client.post(f"/recipients/{world.edith.id}/doses/log",
                           data={"csrf_token": csrf, "dose_id": today_dose(world, "11:30"), "action": "taken"})
    # THEN it is recorded once, as on time, from the web
    assert response.status_code == 303
    dose = next(d for d in doses_on(world.store, world.edith, NOW) if d.id == today_dose(world, "11:30"))
    assert dose.status is DoseStatus.TAKEN and dose.source is LogSource.WEB and dose.logged_at == NOW
    assert "Taken on time at 12:00" in client.get("/today").text
    # AND a second press (a double click) logs nothing more
    again = client.post(f"/recipients/{world.edith.id}/doses/log",
                        data={"csrf_token": csrf, "dose_id": today_dose(world, "11:30"), "action": "skipped"},
                        follow_redirects=True)
    assert "already logged" in again.text
    assert next(d for d in doses_on(world.store, world.edith, NOW)
                if d.id == today_dose(world, "11:30")).status is DoseStatus.TAKEN


def test_a_dose_hours_away_cannot_be_logged_yet(client: FlaskClient, world: World) -> None:
    csrf = login(client, "ann@example.org")
    response = client.post(f"/recipients/{world.edith.id}/doses/log",
                           data={"csrf_token": csrf, "dose_id": today_dose(world, "20:00"), "action": "taken"},
                           follow_redirects=True)
    assert "not due yet" in response.text
    assert all(not d.is_logged for d in doses_on(world.store, world.edith, NOW))


def test_live_status_json_follows_a_log_made_elsewhere(client: FlaskClient, world: World) -> None:
    # GIVEN the page's JSON before and after the dose is logged by voice
    login(client, "ann@example.org")
    before = client.get("/today.json").get_json()["recipients"][0]["doses"][0]
    assert before == {"id": today_dose(world, "11:30"), "status": "due", "label": "Due now", "logged_at": "",
                      "can_log": True}
    dose = doses_on(world.store, world.edith, NOW)[0]
    world.store.record_dose(dose, DoseStatus.TAKEN, NOW - timedelta(minutes=5), LogSource.VOICE)
    after = client.get("/today.json").get_json()["recipients"][0]["doses"][0]
    assert after["status"] == "taken" and after["logged_at"] == "11:55" and not after["can_log"]


def test_adding_a_medicine_with_two_times_plans_its_doses_and_is_audited(client: FlaskClient,
                                                                         world: World) -> None:
    # GIVEN ann on Edith's page
    csrf = login(client, "ann@example.org")
    # WHEN she adds Ramipril at 13:00 and 21:00
    response = client.post(f"/recipients/{world.edith.id}/medications", data={
        "csrf_token": csrf, "name": "Ramipril", "dose_text": "5 mg", "time": ["13:00", "21:00", "", ""],
        "every_n_days": "1", "pills_per_dose": "1"})
    assert response.status_code == 303
    # THEN today shows both doses, and the sweep's doses are stored ahead
    page = client.get("/today").text
    assert page.count('<th scope="row">Ramipril</th>') == 2
    ramipril = next(m for m in world.store.list_medications(world.edith.id) if m.name == "Ramipril")
    stored = world.store.list_doses(world.edith.id, NOW, NOW + timedelta(days=2))
    assert len([d for d in stored if d.medication_id == ramipril.id]) == 4
    # AND the change is in the audit log with who made it
    entry = world.store.list_audit(world.edith.id)[0]
    assert (entry.who, entry.entity, entry.action, entry.before) == ("ann@example.org", "medication", "create", None)
    assert entry.after is not None and entry.after["times"] == "13:00, 21:00"
    assert "ann@example.org" in client.get(f"/recipients/{world.edith.id}").text


def test_a_bad_medicine_form_says_what_is_wrong_and_keeps_what_was_typed(client: FlaskClient,
                                                                         world: World) -> None:
    csrf = login(client, "ann@example.org")
    response = client.post(f"/recipients/{world.edith.id}/medications", data={
        "csrf_token": csrf, "name": "Ramipril", "time": ["25:00"]})
    assert response.status_code == 422
    assert "is not a time" in response.text and 'value="Ramipril"' in response.text
    none = client.post(f"/recipients/{world.edith.id}/medications", data={"csrf_token": csrf, "name": "X"})
    assert none.status_code == 422 and "at least one time" in none.text
    assert [m.name for m in world.store.list_medications(world.edith.id)] == ["Metformin"]


def test_editing_a_schedule_replans_and_records_before_and_after(client: FlaskClient, world: World) -> None:
    csrf = login(client, "ann@example.org")
    url = f"/recipients/{world.edith.id}/medications/{world.metformin.id}"
    form = client.get(url).text
    assert 'value="11:30"' in form and 'value="20:00"' in form
    response = client.post(url, data={"csrf_token": csrf, "name": "Metformin", "dose_text": "500 mg",
                                      "time": ["11:30", "18:00"], "start": "2026-11-01"})
    assert response.status_code == 303
    times = {d.scheduled_local.strftime("%H:%M") for d in doses_on(world.store, world.edith, NOW)}
    assert times == {"11:30", "18:00"}
    pending = world.store.list_doses(world.edith.id, NOW, NOW + timedelta(days=1))
    assert {d.scheduled_local.strftime("%H:%M") for d in pending} == {"18:00", "11:30"}
    entry = world.store.list_audit(world.edith.id)[0]
    assert entry.action == "update"
    assert entry.changes() == [("times", "11:30, 20:00", "11:30, 18:00")]


def test_stopping_a_medicine_keeps_its_history(client: FlaskClient, world: World) -> None:
    # GIVEN a logged dose this morning
    dose = doses_on(world.store, world.edith, NOW)[0]
    world.store.record_dose(dose, DoseStatus.TAKEN, NOW, LogSource.VOICE)
    csrf = login(client, "ann@example.org")
    # WHEN Stop is pressed, it only asks first (one tap never stops a medicine) ...
    stop = f"/recipients/{world.edith.id}/medications/{world.metformin.id}/stop"
    asked = client.post(stop, data={"csrf_token": csrf}, follow_redirects=True)
    assert "Stop Metformin?" in asked.text and "Yes, stop Metformin" in asked.text
    assert [m.name for m in world.store.list_medications(world.edith.id)] == ["Metformin"]
    # ... and the confirmation stops it
    client.post(stop, data={"csrf_token": csrf, "confirm": "yes"})
    # THEN no doses are expected ahead, the logged one stays, and the page says Stopped
    assert world.store.list_medications(world.edith.id) == []
    assert world.store.list_doses(world.edith.id, NOW + timedelta(hours=1), NOW + timedelta(days=3)) == []
    assert [d.status for d in world.store.list_doses(world.edith.id, NOW - timedelta(hours=1), NOW)] == \
        [DoseStatus.TAKEN]
    assert "Stopped" in client.get(f"/recipients/{world.edith.id}").text
    assert world.store.list_audit(world.edith.id)[0].action == "stop"


def test_contacts_are_added_and_removed_with_alert_settings(client: FlaskClient, world: World) -> None:
    csrf = login(client, "ann@example.org")
    client.post(f"/recipients/{world.edith.id}/contacts", data={
        "csrf_token": csrf, "name": "Jo", "channel": "email", "address": "jo@example.org",
        "quiet_from": "22:00", "quiet_to": "07:00", "escalate_after_minutes": "30"})
    [contact] = world.store.list_contacts(world.edith.id)
    assert contact.quiet_hours is not None and contact.quiet_hours[0].hour == 22
    assert contact.escalate_after_minutes == 30
    bad = client.post(f"/recipients/{world.edith.id}/contacts", data={
        "csrf_token": csrf, "name": "Jo", "channel": "pigeon", "address": "x"})
    assert bad.status_code == 422 and "channel must be one of" in bad.text
    remove = f"/recipients/{world.edith.id}/contacts/{contact.id}/delete"
    asked = client.post(remove, data={"csrf_token": csrf}, follow_redirects=True)
    assert "Remove Jo?" in asked.text and "Nobody else will be told about missed doses." in asked.text
    assert world.store.list_contacts(world.edith.id) == [contact]
    client.post(remove, data={"csrf_token": csrf, "confirm": "yes"})
    assert world.store.list_contacts(world.edith.id) == []
    assert sorted(e.action for e in world.store.list_audit(world.edith.id)) == ["create", "delete"]


def test_speech_and_grace_settings_are_saved(client: FlaskClient, world: World) -> None:
    csrf = login(client, "ann@example.org")
    client.post(f"/recipients/{world.edith.id}/settings",
                data={"csrf_token": csrf, "speech_rate": "x-slow", "grace_minutes": "90"})
    saved = world.store.get_recipient(world.edith.id)
    assert saved is not None and saved.speech.rate == "x-slow" and saved.grace_minutes == 90
    bad = client.post(f"/recipients/{world.edith.id}/settings",
                      data={"csrf_token": csrf, "speech_rate": "fast", "grace_minutes": "90"})
    assert bad.status_code == 422


def test_a_carer_moves_a_person_to_another_time_zone_and_doses_stay_at_the_same_clock_time(
        client: FlaskClient, world: World) -> None:
    # GIVEN Edith in London with her medicines planned ahead
    csrf = login(client, "ann@example.org")
    before = world.store.get_recipient(world.edith.id)
    assert before is not None and before.timezone == "Europe/London"
    # WHEN her carer sets New York on the page
    response = client.post(f"/recipients/{world.edith.id}/settings", data={
        "csrf_token": csrf, "speech_rate": "medium", "grace_minutes": "60", "timezone": "America/New_York"})
    # THEN she is in New York, every dose still to come is at the same local clock time there, and it is audited
    assert response.status_code == 303
    upcoming = world.store.list_doses(world.edith.id, NOW, NOW + timedelta(days=3))
    assert upcoming
    assert all(d.scheduled_local.tzinfo == ZoneInfo("America/New_York") for d in upcoming)
    assert {d.scheduled_local.strftime("%H:%M") for d in upcoming} <= {
        t.strftime("%H:%M") for m in world.store.list_medications(world.edith.id) for t in m.schedule.times}
    assert ("time zone", "Europe/London", "America/New_York") in world.store.list_audit(world.edith.id)[0].changes()
    # AND a zone that does not exist is refused with the reason, changing nothing
    bad = client.post(f"/recipients/{world.edith.id}/settings", data={
        "csrf_token": csrf, "speech_rate": "medium", "grace_minutes": "60", "timezone": "Mars/Base"})
    assert bad.status_code == 422 and "unknown time zone" in bad.text


def test_a_new_link_code_is_shown_and_works_once(client: FlaskClient, world: World) -> None:
    csrf = login(client, "ann@example.org")
    page = client.post(f"/recipients/{world.edith.id}/link-code", data={"csrf_token": csrf}).text
    code = re.search(r'class="code">(\d{6})<', page)
    assert code is not None
    # Claimed a minute later by the app's clock (NOW), never the real one: the code expires relative to NOW
    claimed = world.store.claim_link_code(code.group(1), NOW + timedelta(minutes=1))
    assert claimed is not None and claimed.recipient_id == world.edith.id
    assert world.store.claim_link_code(code.group(1), NOW + timedelta(minutes=2)) is None


def test_the_device_time_zone_flag_says_plainly_what_differs(client: FlaskClient, world: World) -> None:
    # GIVEN Edith (Europe/London) talks to a device set to Madrid time
    world.store.set_device_timezone(world.edith.id, "Europe/Madrid")
    login(client, "ann@example.org")
    # WHEN ann opens Edith's page at noon
    page = client.get(f"/recipients/{world.edith.id}").text
    # THEN the flag names both zones and both clocks, and what to do
    flag = page[page.index('id="device-timezone"'):page.index("</div>", page.index('id="device-timezone"'))]
    assert "The device is set to Europe/Madrid" in flag and "scheduled in Europe/London time" in flag
    assert "it is 12:00 here and 13:00 on the device" in flag
    assert "wrong hour" in flag
    # AND a device in Edith's own zone raises no flag
    world.store.set_device_timezone(world.edith.id, "Europe/London")
    assert 'id="device-timezone"' not in client.get(f"/recipients/{world.edith.id}").text


def test_a_medicine_also_called_by_other_names_is_saved_shown_and_audited(client: FlaskClient,
                                                                         world: World) -> None:
    # GIVEN ann on Edith's page
    csrf = login(client, "ann@example.org")
    # WHEN she adds Ramipril, also called "heart pill" (typed twice) and "the white one"
    response = client.post(f"/recipients/{world.edith.id}/medications", data={
        "csrf_token": csrf, "name": "Ramipril", "time": ["13:00"],
        "also_called": " heart pill, Heart Pill ,, the white one "})
    assert response.status_code == 303
    # THEN each name is kept once, the page and the edit form show them, and the audit log has them
    ramipril = next(m for m in world.store.list_medications(world.edith.id) if m.name == "Ramipril")
    assert ramipril.also_called == ("heart pill", "the white one")
    assert "also called “heart pill”, “the white one”" in client.get(f"/recipients/{world.edith.id}").text
    form = client.get(f"/recipients/{world.edith.id}/medications/{ramipril.id}").text
    assert 'value="heart pill, the white one"' in form
    entry = world.store.list_audit(world.edith.id)[0]
    assert entry.after is not None and entry.after["also_called"] == "heart pill, the white one"
    # AND dropping one is recorded as a change
    edited = client.post(f"/recipients/{world.edith.id}/medications/{ramipril.id}", data={
        "csrf_token": csrf, "name": "Ramipril", "time": ["13:00"], "also_called": "heart pill",
        "start": ramipril.schedule.start.isoformat()})
    assert edited.status_code == 303, edited.text
    update = next(e for e in world.store.list_audit(world.edith.id) if e.action == "update")
    assert update.changes() == [("also_called", "heart pill, the white one", "heart pill")]


def test_more_than_five_other_names_is_refused_and_the_form_kept(client: FlaskClient, world: World) -> None:
    csrf = login(client, "ann@example.org")
    names = "a1, a2, a3, a4, a5, a6"
    response = client.post(f"/recipients/{world.edith.id}/medications", data={
        "csrf_token": csrf, "name": "Ramipril", "time": ["13:00"], "also_called": names})
    assert response.status_code == 422
    assert "at most 5 other names" in response.text and f'value="{names}"' in response.text
    assert [m.name for m in world.store.list_medications(world.edith.id)] == ["Metformin"]


def test_the_second_reminder_delay_is_set_on_the_page_and_audited(client: FlaskClient, world: World) -> None:
    # GIVEN ann on Edith's page, where the second reminder comes 30 minutes after a dose time
    csrf = login(client, "ann@example.org")
    assert 'name="followup_minutes" type="number" min="5" max="240" required value="30"' in \
        client.get(f"/recipients/{world.edith.id}").text
    settings = {"csrf_token": csrf, "speech_rate": "medium", "grace_minutes": "60"}
    # WHEN she sets it to 45 minutes
    response = client.post(f"/recipients/{world.edith.id}/settings", data={**settings, "followup_minutes": "45"})
    # THEN the voice skill will use 45, and the change is in the audit log
    assert response.status_code == 303
    assert world.store.get_voice_state(world.edith.id).followup_minutes == 45
    entry = world.store.list_audit(world.edith.id)[0]
    assert (entry.who, entry.entity, entry.changes()) == ("ann@example.org", "recipient",
                                                          [("follow-up reminder after", "30 minutes", "45 minutes")])
    # AND 4 hours and a bit is refused with the range, changing nothing
    bad = client.post(f"/recipients/{world.edith.id}/settings", data={**settings, "followup_minutes": "241",
                                                                      "grace_minutes": "90"})
    assert bad.status_code == 422 and "5 to 240 minutes" in bad.text
    assert world.store.get_voice_state(world.edith.id).followup_minutes == 45
    saved = world.store.get_recipient(world.edith.id)
    assert saved is not None and saved.grace_minutes == 60


def test_an_invited_carer_signs_up_once_and_sees_the_same_person(world: World) -> None:
    # GIVEN ann makes an invitation link for Edith
    ann = world.app.test_client()
    csrf = login(ann, "ann@example.org")
    page = ann.post(f"/recipients/{world.edith.id}/invite", data={"csrf_token": csrf}).text
    link = re.search(r'id="invite-url" class="wide" readonly value="http://localhost(/invite/[^"]+)"', page)
    assert link is not None
    # WHEN a new carer opens it and makes an account
    newcomer = world.app.test_client()
    token = csrf_of(newcomer.get(link.group(1)).text)
    response = newcomer.post(link.group(1), data={"csrf_token": token, "email": "kim@example.org",
                                                  "password": "a long password", "password_again": "a long password"})
    # THEN they are asked to sign in (the same answer as for a taken email), and then see Edith
    assert response.status_code == 303 and response.location == "/login"
    login(newcomer, "kim@example.org", "a long password")
    assert "Edith" in newcomer.get("/today").text
    # AND the link does not work a second time
    assert world.app.test_client().get(link.group(1)).status_code == 404


def test_a_signed_in_carer_accepts_an_invitation_of_their_own_organisation_only(world: World) -> None:
    # GIVEN ann's invitation to care for Edith
    ann = world.app.test_client()
    page = ann.post(f"/recipients/{world.edith.id}/invite", data={"csrf_token": login(ann, "ann@example.org")}).text
    link = re.search(r'readonly value="http://localhost(/invite/[^"]+)"', page)
    assert link is not None
    # WHEN sue, of another organisation, opens it signed in, she is refused
    sue = world.app.test_client()
    assert sue.post(link.group(1), data={"csrf_token": login(sue, "sue@example.org")}).status_code == 403
    # WHEN bob, of the same organisation, accepts it, he now cares for Edith too
    bob = world.app.test_client()
    assert bob.post(link.group(1), data={"csrf_token": login(bob, "bob@example.org")}).status_code == 303
    assert world.store.get_user(world.users["bob"].id).recipient_ids == {  # type: ignore[union-attr]
        world.bert.id, world.edith.id}
    assert world.store.get_user(world.users["sue"].id).recipient_ids == set()  # type: ignore[union-attr]


def test_history_draws_the_heatmap_with_a_text_table(client: FlaskClient, world: World) -> None:
    dose = doses_on(world.store, world.edith, NOW)[0]
    world.store.record_dose(dose, DoseStatus.TAKEN_LATE, NOW, LogSource.VOICE)
    login(client, "ann@example.org")
    page = client.get(f"/recipients/{world.edith.id}/history?days=7").text
    assert "<svg" in page and 'role="img"' in page
    assert "<th scope=\"row\">Wed 25 Nov</th>" in page and "Taken late" in page
    assert "Last 90 days" in page and "Adherence" in page


def test_coordinator_table_sorts_and_filters(client: FlaskClient, world: World) -> None:
    login(client, "cora@example.org")
    page = client.get("/coordinator?sort=name&dir=desc").text
    assert page.index("Edith") < page.index("Bert")
    assert 'aria-sort="descending"' in page
    assert "proportion of days covered" in page.lower()

