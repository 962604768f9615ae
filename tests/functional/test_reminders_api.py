"""Spoken reminders and device settings through ask-sdk's own service clients, against a local fake API."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta

import pytest
from ask_sdk_core.skill import CustomSkill

from skill.alexa.api_client import TimeoutApiClient
from skill.alexa.reminders import fetch_reminder
from skill.alexa.skill_builder import build_skill
from skill.domain.actors import Actor
from skill.domain.models import Recipient, Schedule
from skill.domain.voice import AlexaLink
from skill.store.base import Store
from skill.usecases.recipients import change_recipient
from tests.factories import medication, recipient
from tests.support.alexa_apis import FakeAlexaApis, fake_alexa_apis
from tests.support.envelopes import Conversation, FixedClock, Speaker, envelope, invoke

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


def test_logging_a_dose_moves_todays_follow_up_to_tomorrow(
        sqlite_store: Store, skill: CustomSkill, clock: FixedClock, edith: Recipient, apis: FakeAlexaApis) -> None:
    sqlite_store.put_medication(medication(edith.id, "Metformin", at=("08:00",)))
    speaker = speaker_for(sqlite_store, edith, apis)
    Conversation(skill, speaker, clock).launch()
    follow_up = next(k for k in sqlite_store.get_voice_state(edith.id).reminders if k.endswith("+f"))
    token = sqlite_store.get_voice_state(edith.id).reminders[follow_up].token
    # WHEN she logs the 8 o'clock dose at 8:05
    clock.set(datetime(2026, 11, 25, 8, 5, tzinfo=UTC))
    said = Conversation(skill, speaker, clock).intent("LogDoseIntent", medication="metformin")
    # THEN the follow-up reminder starts again tomorrow (it will not nag today)
    assert said.text == "Thanks, I've noted your Metformin."
    [moved] = apis.calls("PUT")
    assert moved.path.endswith(token) and moved.body is not None
    assert moved.body["trigger"]["recurrence"]["startDateTime"].startswith("2026-11-26T08:30")


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
    # AND back home the flag clears
    apis.time_zone = "Europe/London"
    Conversation(skill, speaker, clock).launch()
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
