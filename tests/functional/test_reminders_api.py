"""Spoken reminders and device settings through ask-sdk's own service clients, against a local fake API.

Launch tests go through the whole skill; tests of what `Reminders` does alone drive it with ask-sdk's own
Reminders client, exactly as launch and the log handler call it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta

import pytest
from ask_sdk_core.skill import CustomSkill
from flask.testing import FlaskClient

from skill.alexa.api_client import TimeoutApiClient
from skill.alexa.reminders import Reminders, fetch_reminder, reminder_key, wanted_reminders
from skill.alexa.skill_builder import build_skill
from skill.domain.actors import Actor
from skill.domain.models import Dose, DoseStatus, Medication, Recipient, Schedule, dose_id
from skill.domain.voice import AlexaLink, ReminderToken
from skill.store.base import Store
from skill.usecases.recipients import change_recipient
from tests.factories import medication, recipient
from tests.functional.web_fixtures import NOW, World, client, login, world
from tests.support.alexa_apis import FakeAlexaApis, fake_alexa_apis
from tests.support.envelopes import Conversation, FixedClock, Speaker, envelope, invoke

__all__ = ["client", "world"]

MORNING = datetime(2026, 11, 25, 7, 0, tzinfo=UTC)


@pytest.fixture
def apis() -> Iterator[FakeAlexaApis]:
    with fake_alexa_apis() as fake:
        yield fake


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(MORNING)


@pytest.fixture
def skill(sqlite_store: Store, clock: FixedClock) -> CustomSkill:
    # Generous timeouts: on a loaded machine the local fake may take a while to answer, and a timeout there
    # would look like a failing API. The "hanging API" test builds its own skill with short ones.
    return build_skill(sqlite_store, skill_id=None, clock=clock,
                       api_client=TimeoutApiClient(connect_timeout=10, read_timeout=10))


@pytest.fixture
def edith(sqlite_store: Store) -> Recipient:
    person = recipient(display_name="Edith Crawley")
    sqlite_store.put_recipient(person)
    sqlite_store.mark_disclaimer_heard(person.id, MORNING)
    return person


def speaker_for(store: Store, person: Recipient, apis: FakeAlexaApis, granted: bool = True) -> Speaker:
    speaker = Speaker(api_endpoint=apis.url, reminders_granted=granted)
    store.put_alexa_link(AlexaLink(speaker.user_id, person.id, MORNING))
    return speaker


def test_launch_with_permission_creates_recurring_reminders_and_follow_ups(
        sqlite_store: Store, skill: CustomSkill, clock: FixedClock, edith: Recipient, apis: FakeAlexaApis) -> None:
    # GIVEN Metformin at 8 and 20, and reminders allowed
    med = medication(edith.id, "Metformin", at=("08:00", "20:00"))
    sqlite_store.put_medication(med)
    speaker = speaker_for(sqlite_store, edith, apis)
    # WHEN Edith opens the skill
    said = Conversation(skill, speaker, clock).launch()
    # THEN she is greeted as usual, and four reminders exist: two dose times, two follow-ups
    assert said.text.startswith("Hello Edith Crawley.")
    created = apis.calls("POST")
    assert len(created) == 4
    rules = sorted(r.body["trigger"]["recurrence"]["recurrenceRules"][0] for r in created if r.body)
    assert rules == ["FREQ=DAILY;BYHOUR=20;BYMINUTE=0;BYSECOND=0", "FREQ=DAILY;BYHOUR=20;BYMINUTE=30;BYSECOND=0",
                     "FREQ=DAILY;BYHOUR=8;BYMINUTE=0;BYSECOND=0", "FREQ=DAILY;BYHOUR=8;BYMINUTE=30;BYSECOND=0"]
    for call in created:
        assert call.body is not None and call.headers["Authorization"] == "Bearer test-api-token"
        assert call.body["trigger"]["timeZoneId"] == "Europe/London"
        text = call.body["alertInfo"]["spokenInfo"]["content"][0]["text"]
        assert "Edith" not in text and "Crawley" not in text  # no person's name goes to Amazon
    # AND the tokens are stored, so the next launch creates nothing new
    assert len(sqlite_store.get_voice_state(edith.id).reminders) == 4
    Conversation(skill, speaker, clock).launch()
    assert len(apis.calls("POST")) == 4


def test_a_changed_schedule_updates_and_a_removed_time_deletes_its_reminders(
        sqlite_store: Store, skill: CustomSkill, clock: FixedClock, edith: Recipient, apis: FakeAlexaApis) -> None:
    med = medication(edith.id, "Metformin", at=("08:00", "20:00"))
    sqlite_store.put_medication(med)
    speaker = speaker_for(sqlite_store, edith, apis)
    Conversation(skill, speaker, clock).launch()
    # WHEN the carer changes the schedule to weekdays at 8 only
    sqlite_store.put_medication(replace(med, schedule=Schedule(times=(time(8),), weekdays=(0, 1, 2, 3, 4),
                                                               start=med.schedule.start)))
    Conversation(skill, speaker, clock).launch()
    # THEN the evening reminders are deleted and the morning ones updated to the new rule
    assert len(apis.calls("DELETE")) == 2
    updated = [r.body["trigger"]["recurrence"]["recurrenceRules"][0] for r in apis.calls("PUT") if r.body]
    assert sorted(updated) == ["FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;BYHOUR=8;BYMINUTE=0;BYSECOND=0",
                               "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;BYHOUR=8;BYMINUTE=30;BYSECOND=0"]
    assert len(apis.reminders) == 2 and len(sqlite_store.get_voice_state(edith.id).reminders) == 2


def reminders_for(store: Store, person: Recipient, apis: FakeAlexaApis, now: datetime = MORNING,
                  locale: str = "en-GB", name_medicines: bool = False) -> Reminders:
    return Reminders(apis.client(), store, person, locale, now, name_medicines=name_medicines)


def sync(store: Store, person: Recipient, apis: FakeAlexaApis, now: datetime = MORNING, locale: str = "en-GB",
         name_medicines: bool = False, can_create: bool = True) -> None:
    """What launch does: the person's medicines and stored tokens, brought into line with Alexa."""
    state = store.get_voice_state(person.id)
    wanted = wanted_reminders(store.list_medications(person.id), state.followup_minutes, locale)
    reminders_for(store, person, apis, now, locale, name_medicines).sync(wanted, state.reminders, can_create)


def dose_of(med: Medication, at: datetime, status: DoseStatus = DoseStatus.PENDING) -> Dose:
    return Dose(id=dose_id(med.id, at.replace(tzinfo=None)), recipient_id=med.recipient_id, medication_id=med.id,
                medication_name=med.name, scheduled_local=at, scheduled_utc=at.astimezone(UTC), status=status)


def test_two_medicines_at_8_give_one_reminder_and_one_follow_up_without_their_names(
        sqlite_store: Store, skill: CustomSkill, clock: FixedClock, edith: Recipient, apis: FakeAlexaApis) -> None:
    # GIVEN Metformin and Ramipril both at 20:00
    for name in ("Metformin", "Ramipril"):
        sqlite_store.put_medication(medication(edith.id, name, at=("20:00",)))
    speaker = speaker_for(sqlite_store, edith, apis)
    # WHEN Edith opens the skill
    Conversation(skill, speaker, clock).launch()
    # THEN Alexa holds one reminder at 8 and one follow-up at half past, naming no medicine
    rules = sorted(r["trigger"]["recurrence"]["recurrenceRules"][0] for r in apis.reminders.values())
    assert rules == ["FREQ=DAILY;BYHOUR=20;BYMINUTE=0;BYSECOND=0", "FREQ=DAILY;BYHOUR=20;BYMINUTE=30;BYSECOND=0"]
    assert apis.spoken() == [
        "Have you taken your 8 o'clock medicines? If you have, say: Alexa, tell Dose Keeper I took them.",
        "It's time for your 8 o'clock medicines. When you've taken them, say: Alexa, tell Dose Keeper I took them."]
    assert len(sqlite_store.get_voice_state(edith.id).reminders) == 2


def test_medicine_names_are_said_only_with_the_opt_in(
        sqlite_store: Store, edith: Recipient, apis: FakeAlexaApis) -> None:
    for name in ("Ramipril", "Metformin"):
        sqlite_store.put_medication(medication(edith.id, name, at=("08:00",)))
    # GIVEN reminders made without names
    sync(sqlite_store, edith, apis)
    assert not any("Metformin" in text or "Ramipril" in text for text in apis.spoken())
    # WHEN the carer's opt-in is on at the next sync
    sync(sqlite_store, edith, apis, name_medicines=True)
    # THEN the same two reminders now name the medicines, once each, in a steady order
    assert len(apis.calls("POST")) == 2 and len(apis.calls("PUT")) == 2
    assert apis.spoken() == [
        "Have you taken your 8 o'clock Metformin and Ramipril? If you have, say: Alexa, tell Dose Keeper I took them.",
        "It's time for your Metformin and Ramipril. When you've taken them, say: Alexa, tell Dose Keeper I took them."]
    # AND nothing changes while nothing changes; turning it off again takes the names away
    sync(sqlite_store, edith, apis, name_medicines=True)
    assert len(apis.calls("PUT")) == 2
    sync(sqlite_store, edith, apis)
    assert len(apis.calls("PUT")) == 4 and not any("Metformin" in text for text in apis.spoken())


@pytest.mark.parametrize(("locale", "at", "said"), [
    ("en-GB", "08:00", "8 o'clock medicines"), ("en-GB", "20:30", "half past 8 medicines"),
    ("en-GB", "07:45", "quarter to 8 medicines"), ("en-GB", "12:00", "midday medicines"),
    ("en-US", "08:00", "8 o'clock medications"), ("en-US", "20:30", "8:30 medications"),
    ("en-US", "12:00", "noon medications")])
def test_the_follow_up_names_the_dose_time_the_way_the_locale_says_it(
        sqlite_store: Store, edith: Recipient, apis: FakeAlexaApis, locale: str, at: str, said: str) -> None:
    sqlite_store.put_medication(medication(edith.id, "Metformin", at=(at,)))
    sync(sqlite_store, edith, apis, locale=locale)
    follow_up = next(r for r in apis.reminders.values() if r["alertInfo"]["spokenInfo"]["content"][0][
        "text"].startswith("Have"))
    content = follow_up["alertInfo"]["spokenInfo"]["content"][0]
    assert content["locale"] == locale
    assert content["text"].startswith(f"Have you taken your {said}?")


def test_the_same_time_on_different_days_needs_its_own_recurrence(
        sqlite_store: Store, edith: Recipient, apis: FakeAlexaApis) -> None:
    # GIVEN two daily medicines at 8, one on weekdays at 8, and two every other day at 8 but on alternate days
    for name in ("Metformin", "Ramipril"):
        sqlite_store.put_medication(medication(edith.id, name, at=("08:00",)))
    start = MORNING.date()
    sqlite_store.put_medication(medication(edith.id, "Alendronic acid", schedule=Schedule(
        times=(time(8),), weekdays=(0, 1, 2, 3, 4), start=start)))
    sqlite_store.put_medication(medication(edith.id, "Furosemide", schedule=Schedule(
        times=(time(8),), every_n_days=2, start=start)))
    sqlite_store.put_medication(medication(edith.id, "Senna", schedule=Schedule(
        times=(time(8),), every_n_days=2, start=start + timedelta(days=1))))
    # WHEN the reminders are made
    sync(sqlite_store, edith, apis)
    # THEN there is one reminder per rule (and a follow-up each), and every-other-day keeps its own days
    due = {r["trigger"]["recurrence"]["recurrenceRules"][0]: r["trigger"]["recurrence"]["startDateTime"]
           for r in apis.reminders.values() if r["trigger"]["recurrence"]["recurrenceRules"][0].endswith(
               "BYMINUTE=0;BYSECOND=0")}
    assert len(apis.reminders) == 8 and len(due) == 3  # the two every-other-day rules read alike ...
    starts = sorted(r["trigger"]["recurrence"]["startDateTime"][:10] for r in apis.reminders.values()
                    if "INTERVAL=2;BYHOUR=8;BYMINUTE=0" in r["trigger"]["recurrence"]["recurrenceRules"][0])
    assert starts == [start.isoformat(), (start + timedelta(days=1)).isoformat()]  # ... but start a day apart
    assert due["FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;BYHOUR=8;BYMINUTE=0;BYSECOND=0"]


def test_older_per_medicine_reminders_are_replaced_once_and_their_names_leave_amazon(
        sqlite_store: Store, edith: Recipient, apis: FakeAlexaApis) -> None:
    # GIVEN an install from before grouping: a named reminder and follow-up per medicine and time
    metformin = medication(edith.id, "Metformin", at=("08:00", "20:00"))
    ramipril = medication(edith.id, "Ramipril", at=("20:00",))
    for med in (metformin, ramipril):
        sqlite_store.put_medication(med)
        for at in med.schedule.times:
            for followup in (False, True):
                token = f"old-{med.name}-{at:%H%M}{'f' if followup else ''}"
                apis.reminders[token] = {"alertToken": token, "alertInfo": {"spokenInfo": {"content": [
                    {"locale": "en-GB", "text": f"It's time for your {med.name}, 500 milligrams."}]}}}
                sqlite_store.put_reminder_token(edith.id, reminder_key(med.id, at, followup),
                                                ReminderToken(token, "FREQ=DAILY|Europe/London"))
    # WHEN the person next opens the skill
    sync(sqlite_store, edith, apis)
    # THEN one reminder and one follow-up per dose time are left, the spare ones deleted, none named
    assert len(apis.calls("DELETE")) == 2 and not apis.calls("POST")
    assert len(apis.reminders) == 4 and not any("Metformin" in t or "Ramipril" in t for t in apis.spoken())
    assert sorted(sqlite_store.get_voice_state(edith.id).reminders) == ["at0800", "at0800+f", "at2000", "at2000+f"]
    # AND it happens once: the next launch calls nothing
    before = len(apis.requests)
    sync(sqlite_store, edith, apis)
    assert len(apis.requests) == before


def test_older_reminders_are_carried_over_even_out_of_session(
        sqlite_store: Store, edith: Recipient, apis: FakeAlexaApis) -> None:
    # GIVEN an older per-medicine reminder, and only a skill message (no session: nothing can be created)
    med = medication(edith.id, "Metformin", at=("08:00",))
    sqlite_store.put_medication(med)
    for followup in (False, True):
        token = f"old-{followup}"
        apis.reminders[token] = {"alertToken": token}
        sqlite_store.put_reminder_token(edith.id, reminder_key(med.id, time(8), followup),
                                        ReminderToken(token, "FREQ=DAILY|Europe/London"))
    sync(sqlite_store, edith, apis, can_create=False)
    # THEN the reminders are updated in place, so Edith is never without one
    assert len(apis.calls("PUT")) == 2 and not apis.calls("DELETE") and len(apis.reminders) == 2
    assert sorted(sqlite_store.get_voice_state(edith.id).reminders) == ["at0800", "at0800+f"]


def test_a_reminder_deleted_in_the_alexa_app_is_made_again(
        sqlite_store: Store, edith: Recipient, apis: FakeAlexaApis) -> None:
    sqlite_store.put_medication(medication(edith.id, "Metformin", at=("08:00",)))
    sync(sqlite_store, edith, apis)
    apis.reminders.clear()  # Edith deleted them in the app
    sync(sqlite_store, edith, apis, name_medicines=True)  # a change, so they are updated: 404
    assert len(apis.reminders) == 2 and len(apis.calls("POST")) == 4


def test_logging_a_dose_time_moves_its_follow_up_to_tomorrow_once_every_medicine_of_it_is_taken(
        sqlite_store: Store, edith: Recipient, apis: FakeAlexaApis) -> None:
    # GIVEN Metformin and Ramipril at 8, one follow-up at half past
    metformin = medication(edith.id, "Metformin", at=("08:00",))
    ramipril = medication(edith.id, "Ramipril", at=("08:00",))
    for med in (metformin, ramipril):
        sqlite_store.put_medication(med)
    sync(sqlite_store, edith, apis)
    state = sqlite_store.get_voice_state(edith.id)
    wanted = wanted_reminders([metformin, ramipril], state.followup_minutes, "en-GB")
    at8 = datetime.combine(MORNING.date(), time(8), tzinfo=edith.tz)
    now = at8 + timedelta(minutes=5)
    reminders = reminders_for(sqlite_store, edith, apis, now=now)
    took_metformin = dose_of(metformin, at8, DoseStatus.TAKEN)
    # WHEN she logs only the Metformin THEN the follow-up still comes: the Ramipril is not taken
    assert reminders.quiet_followups(wanted, state.reminders, [dose_of(ramipril, at8)], [took_metformin]) == 0
    assert not apis.calls("PUT")
    # WHEN she then logs the Ramipril THEN today's follow-up is moved to start tomorrow
    took_ramipril = dose_of(ramipril, at8, DoseStatus.TAKEN)
    assert reminders.quiet_followups(wanted, state.reminders, [took_metformin], [took_ramipril]) == 1
    [moved] = apis.calls("PUT")
    assert moved.path.endswith(state.reminders["at0800+f"].token) and moved.body is not None
    tomorrow = (at8 + timedelta(days=1)).date().isoformat()
    assert moved.body["trigger"]["recurrence"]["startDateTime"].startswith(f"{tomorrow}T08:30")


def test_saying_i_took_it_moves_todays_follow_up_to_tomorrow(
        sqlite_store: Store, skill: CustomSkill, clock: FixedClock, edith: Recipient, apis: FakeAlexaApis) -> None:
    sqlite_store.put_medication(medication(edith.id, "Metformin", at=("08:00",)))
    speaker = speaker_for(sqlite_store, edith, apis)
    Conversation(skill, speaker, clock).launch()
    token = sqlite_store.get_voice_state(edith.id).reminders["at0800+f"].token
    # WHEN she logs the 8 o'clock dose at 8:05
    clock.set(datetime(2026, 11, 25, 8, 5, tzinfo=UTC))
    Conversation(skill, speaker, clock).intent("LogDoseIntent", medication="metformin")
    # THEN the follow-up reminder starts again tomorrow (it will not nag today)
    [moved] = apis.calls("PUT")
    assert moved.path.endswith(token) and moved.body is not None
    assert moved.body["trigger"]["recurrence"]["startDateTime"].startswith("2026-11-26T08:30")


def test_an_every_other_day_follow_up_moves_to_its_next_dose_day(
        sqlite_store: Store, edith: Recipient, apis: FakeAlexaApis) -> None:
    at8 = datetime.combine(MORNING.date(), time(8), tzinfo=edith.tz)
    med = medication(edith.id, "Furosemide", schedule=Schedule(times=(time(8),), every_n_days=2,
                                                               start=at8.date()))
    sqlite_store.put_medication(med)
    sync(sqlite_store, edith, apis)
    state = sqlite_store.get_voice_state(edith.id)
    wanted = wanted_reminders([med], state.followup_minutes, "en-GB")
    reminders = reminders_for(sqlite_store, edith, apis, now=at8 + timedelta(minutes=5))
    assert reminders.quiet_followups(wanted, state.reminders, [], [dose_of(med, at8, DoseStatus.TAKEN)]) == 1
    [moved] = apis.calls("PUT")
    assert moved.body is not None
    in_two_days = (at8.date() + timedelta(days=2)).isoformat()
    assert moved.body["trigger"]["recurrence"]["startDateTime"].startswith(f"{in_two_days}T08:30")


def test_the_opt_in_set_on_the_web_page_names_the_medicines_at_the_next_launch(
        client: FlaskClient, world: World, apis: FakeAlexaApis) -> None:
    # GIVEN Edith's reminders, made without names (her Metformin is at 11:30 and 20:00)
    clock = FixedClock(NOW)
    skill = build_skill(world.store, skill_id=None, clock=clock,
                        api_client=TimeoutApiClient(connect_timeout=10, read_timeout=10))
    speaker = Speaker(api_endpoint=apis.url, reminders_granted=True)
    world.store.put_alexa_link(AlexaLink(speaker.user_id, world.edith.id, NOW))
    Conversation(skill, speaker, clock).launch()
    assert len(apis.reminders) == 4 and not any("Metformin" in text for text in apis.spoken())
    csrf = login(client, "ann@example.org")
    assert 'name="name_medicines_in_reminders" value="on" ' in client.get(f"/recipients/{world.edith.id}").text
    # WHEN ann ticks "Say the medicines' names in Alexa reminders"
    response = client.post(f"/recipients/{world.edith.id}/settings", data={
        "csrf_token": csrf, "speech_rate": "medium", "grace_minutes": "60", "followup_minutes": "30",
        "timezone": "Europe/London", "name_medicines_in_reminders": ["off", "on"]})
    # THEN it is saved and audited in words
    assert response.status_code == 303
    assert world.store.get_voice_state(world.edith.id).name_medicines_in_reminders is True
    entry = world.store.list_audit(world.edith.id)[0]
    assert ("medicine names in Alexa reminders", "not said", "said") in entry.changes()
    # AND Edith's next launch updates her reminders to name the Metformin, creating none
    Conversation(skill, speaker, clock).launch()
    assert len(apis.calls("POST")) == 4 and len(apis.calls("PUT")) == 4
    assert sum("Metformin" in text for text in apis.spoken()) == 4
    # AND a form without the field (an older page) leaves the choice alone
    client.post(f"/recipients/{world.edith.id}/settings", data={
        "csrf_token": csrf, "speech_rate": "slow", "grace_minutes": "60", "followup_minutes": "30",
        "timezone": "Europe/London"})
    assert world.store.get_voice_state(world.edith.id).name_medicines_in_reminders is True


def test_snooze_sets_a_one_off_reminder(
        sqlite_store: Store, skill: CustomSkill, clock: FixedClock, edith: Recipient, apis: FakeAlexaApis) -> None:
    speaker = speaker_for(sqlite_store, edith, apis)
    said = Conversation(skill, speaker, clock).intent("SnoozeIntent", duration="PT15M")
    assert said.text == "OK, I'll remind you in 15 minutes."
    [call] = apis.calls("POST")
    assert call.body is not None and call.body["trigger"] == {"type": "SCHEDULED_RELATIVE", "offsetInSeconds": 900}


def test_remind_me_later_without_a_time_waits_fifteen_minutes_and_says_so(
        sqlite_store: Store, skill: CustomSkill, clock: FixedClock, edith: Recipient, apis: FakeAlexaApis) -> None:
    speaker = speaker_for(sqlite_store, edith, apis)
    # WHEN she says "remind me later" (no duration heard)
    said = Conversation(skill, speaker, clock).intent("SnoozeIntent")
    # THEN a reminder is set for 15 minutes from now, and she hears how long
    assert said.text == "OK, I'll remind you in 15 minutes."
    [call] = apis.calls("POST")
    assert call.body is not None and call.body["trigger"] == {"type": "SCHEDULED_RELATIVE", "offsetInSeconds": 900}


@pytest.mark.parametrize("mode", ["fail", "hang"])
def test_a_failing_or_slow_api_degrades_the_answer_never_the_turn(
        sqlite_store: Store, skill: CustomSkill, clock: FixedClock, edith: Recipient, apis: FakeAlexaApis,
        mode: str) -> None:
    sqlite_store.put_medication(medication(edith.id, "Metformin", at=("20:00",)))
    speaker = speaker_for(sqlite_store, edith, apis)
    apis.mode = mode
    if mode == "hang":  # short timeouts keep this quick; production uses 1 s connect / 2 s read
        skill = build_skill(sqlite_store, skill_id=None, clock=clock,
                            api_client=TimeoutApiClient(connect_timeout=0.5, read_timeout=0.5))
    # WHEN the APIs fail or hang THEN the greeting and next dose are still said, and nothing is half-stored
    said = Conversation(skill, speaker, clock).launch()
    assert said.text.startswith("Hello Edith Crawley.") and "at 8 this evening" in said.text
    assert sqlite_store.get_voice_state(edith.id).reminders == {}
    said = Conversation(skill, speaker, clock).intent("SnoozeIntent", duration="PT10M")
    assert said.text.startswith("Sorry, I couldn't set that reminder just now.")


def test_a_device_in_another_time_zone_is_flagged_for_the_carer_and_dose_times_stay(
        sqlite_store: Store, skill: CustomSkill, clock: FixedClock, edith: Recipient, apis: FakeAlexaApis) -> None:
    sqlite_store.put_medication(medication(edith.id, "Metformin", at=("20:00",)))
    apis.time_zone = "America/New_York"
    speaker = speaker_for(sqlite_store, edith, apis, granted=False)
    sqlite_store.set_permission_declined(edith.id, MORNING)
    said = Conversation(skill, speaker, clock).launch()
    assert "at 8 this evening" in said.text  # still London time, as the carer set it
    assert sqlite_store.get_voice_state(edith.id).device_timezone == "America/New_York"
    # AND the device is asked at most once a day: a second launch the same day does not call the API
    asked = len(apis.calls("GET", "/v2/devices"))
    apis.time_zone = "Europe/London"
    Conversation(skill, speaker, clock).launch()
    assert len(apis.calls("GET", "/v2/devices")) == asked == 1
    assert sqlite_store.get_voice_state(edith.id).device_timezone == "America/New_York"
    # AND back home the flag clears at the next day's check
    clock.set(clock.now + timedelta(days=1))
    Conversation(skill, speaker, clock).launch()
    assert len(apis.calls("GET", "/v2/devices")) == 2
    assert sqlite_store.get_voice_state(edith.id).device_timezone is None


def test_reminder_permission_is_asked_by_voice_and_a_no_is_respected_for_a_week(
        sqlite_store: Store, skill: CustomSkill, clock: FixedClock, edith: Recipient, apis: FakeAlexaApis) -> None:
    sqlite_store.put_medication(medication(edith.id, "Metformin", at=("20:00",)))
    speaker = speaker_for(sqlite_store, edith, apis, granted=False)
    said = Conversation(skill, speaker, clock).launch()
    [ask] = [d for d in said.directives if d["type"] == "Connections.SendRequest"]
    assert ask["name"] == "AskFor"
    assert ask["payload"]["permissionScopes"][0]["permissionScope"] == "alexa::alerts:reminders:skill:readwrite"
    assert said.raw["response"]["card"]["type"] == "AskForPermissionsConsent"
    # WHEN she says no
    answer = {"type": "Connections.Response", "name": "AskFor", "status": {"code": "200", "message": "OK"},
              "token": "reminders", "payload": {"status": "DENIED"}}
    said = invoke(skill, envelope(speaker, answer, now=clock()))
    assert said.text.startswith("All right, no reminders.")
    # THEN she is not asked again within the week, but is after it
    def asks() -> bool:
        said = Conversation(skill, speaker, clock).launch()
        return any(d["type"] == "Connections.SendRequest" for d in said.directives)

    clock.set(MORNING + timedelta(days=6))
    assert not asks()
    clock.set(MORNING + timedelta(days=7, minutes=1))
    assert asks()


def test_a_yes_to_reminder_permission_creates_the_reminders(
        sqlite_store: Store, skill: CustomSkill, clock: FixedClock, edith: Recipient, apis: FakeAlexaApis) -> None:
    sqlite_store.put_medication(medication(edith.id, "Metformin", at=("20:00",)))
    speaker = speaker_for(sqlite_store, edith, apis, granted=True)
    answer = {"type": "Connections.Response", "name": "AskFor", "status": {"code": "200", "message": "OK"},
              "token": "reminders", "payload": {"status": "ACCEPTED"}}
    said = invoke(skill, envelope(speaker, answer, now=clock()))
    assert said.text == "Thank you. I'll remind you when each medicine is due."
    assert len(apis.calls("POST")) == 2


def test_a_skill_message_out_of_session_deletes_reminders_of_a_stopped_medicine(
        sqlite_store: Store, skill: CustomSkill, clock: FixedClock, edith: Recipient, apis: FakeAlexaApis) -> None:
    med = medication(edith.id, "Metformin", at=("20:00",))
    sqlite_store.put_medication(med)
    speaker = speaker_for(sqlite_store, edith, apis)
    Conversation(skill, speaker, clock).launch()
    sqlite_store.put_medication(med.stopped())
    message = {"type": "Messaging.MessageReceived", "message": {"recipient_id": edith.id}}
    body = envelope(speaker, message, now=clock())
    del body["session"]
    invoke(skill, body)
    assert len(apis.calls("DELETE")) == 2 and apis.reminders == {}
    assert sqlite_store.get_voice_state(edith.id).reminders == {}


def test_a_reminder_is_read_back_as_raw_json_despite_the_sdk_deserialization_bug(
        apis: FakeAlexaApis) -> None:
    apis.reminders["tok-9"] = {"alertToken": "tok-9", "status": "ON",
                               "trigger": {"type": "SCHEDULED_ABSOLUTE", "recurrence": {"freq": "DAILY"}}}
    client = TimeoutApiClient()
    found = fetch_reminder(client, apis.url, "test-api-token", "tok-9")
    assert found is not None and found["trigger"]["recurrence"]["freq"] == "DAILY"
    assert fetch_reminder(client, apis.url, "test-api-token", "tok-missing") is None


def test_moving_the_person_to_another_time_zone_moves_their_reminders(
        sqlite_store: Store, skill: CustomSkill, clock: FixedClock, edith: Recipient, apis: FakeAlexaApis) -> None:
    sqlite_store.put_medication(medication(edith.id, "Metformin", at=("08:00",)))
    speaker = speaker_for(sqlite_store, edith, apis)
    Conversation(skill, speaker, clock).launch()
    assert not apis.calls("PUT")
    # WHEN the carer moves Edith to New York (she has moved house)
    change_recipient(sqlite_store, Actor.operator(), clock(), replace(edith, timezone="America/New_York"))
    Conversation(skill, speaker, clock).launch()
    # THEN both reminders now ring at 8 New York time
    zones = [r.body["trigger"]["timeZoneId"] for r in apis.calls("PUT") if r.body]
    assert zones == ["America/New_York", "America/New_York"]


def test_a_dose_time_with_too_many_names_to_follow_falls_back_to_the_plain_reminder(edith: Recipient) -> None:
    names = ("Metformin", "Ramipril", "Atorvastatin", "Amlodipine", "Bisoprolol", "Levothyroxine", "Omeprazole",
             "Lansoprazole", "Furosemide", "Paracetamol", "Alendronic acid", "Co-codamol", "Sertraline")
    meds = [medication(edith.id, name, at=("08:00",)) for name in names]
    wanted = wanted_reminders(meds, 30, "en-GB")
    assert wanted["at0800"].spoken(name_medicines=True).startswith("It's time for your 8 o'clock medicines.")
    few = wanted_reminders(meds[:2], 30, "en-GB")
    assert few["at0800"].spoken(name_medicines=True).startswith("It's time for your Metformin and Ramipril.")
