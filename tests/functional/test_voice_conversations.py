"""Conversations with the real skill, through real request envelopes, on a real store."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
from ask_sdk_core.skill import CustomSkill

from skill.alexa.skill_builder import build_skill
from skill.domain.models import DoseStatus, LinkCode, Medication, Recipient, Schedule
from skill.domain.voice import AlexaLink
from skill.store.base import Store
from tests.factories import medication, recipient
from tests.support.envelopes import Conversation, FixedClock, Speaker, intent_request, slot

MORNING = datetime(2026, 11, 25, 8, 5, tzinfo=UTC)  # London is on GMT in November


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(MORNING)


@pytest.fixture
def skill(store: Store, clock: FixedClock) -> CustomSkill:
    return build_skill(store, skill_id=None, clock=clock)


@pytest.fixture
def edith(store: Store) -> Recipient:
    person = recipient(display_name="Edith", locale="en-GB")
    store.put_recipient(person)
    return person


def linked(store: Store, person: Recipient, speaker: Speaker | None = None) -> Speaker:
    speaker = speaker or Speaker()
    store.put_alexa_link(AlexaLink(speaker.person_id or speaker.user_id, person.id, MORNING))
    store.mark_disclaimer_heard(person.id, MORNING)
    return speaker


def talk(skill: CustomSkill, speaker: Speaker, clock: FixedClock) -> Conversation:
    return Conversation(skill, speaker, clock)


def test_an_unlinked_speaker_links_with_a_code_and_is_then_greeted_with_the_next_dose(
        store: Store, skill: CustomSkill, clock: FixedClock, edith: Recipient) -> None:
    # GIVEN Edith's carer added Ramipril at 8 pm and gave her a code
    store.put_medication(medication(edith.id, "Ramipril", at=("20:00",), dose_text="5 mg"))
    code = LinkCode.issue(edith.id, MORNING)
    store.put_link_code(code)
    clock.set(datetime(2026, 11, 25, 12, 0, tzinfo=UTC))
    chat = talk(skill, Speaker(), clock)
    # WHEN she opens the skill unlinked
    said = chat.launch()
    # THEN she is asked for her code, with the microphone open
    assert "six-digit code" in said.text and said.reprompt
    # WHEN she says her code
    said = chat.intent("LinkAccountIntent", code=code.code)
    # THEN she is greeted by name, told the next dose the way people say it, and the link is stored
    assert said.text.startswith("Thank you, Edith. You're all set.")
    assert "Your next medicine is Ramipril, 5 milligrams, at 8 this evening." in said.text
    # AND a later launch in a new session greets her by name
    said = chat.new_session().launch()
    assert said.text.startswith("Hello Edith.")
    assert "Your next medicine is Ramipril, 5 milligrams, at 8 this evening." in said.text


def test_a_dose_is_logged_once_and_a_second_log_says_when_it_was_taken(
        store: Store, skill: CustomSkill, clock: FixedClock, edith: Recipient) -> None:
    # GIVEN Metformin at 8 and 8
    met = medication(edith.id, "Metformin", at=("08:00", "20:00"))
    store.put_medication(met)
    speaker = linked(store, edith)
    # WHEN she says she took it at 8:05
    said = talk(skill, speaker, clock).intent("LogDoseIntent", medication="metformin")
    # THEN it is noted
    assert said.text == "Thanks, I've noted your Metformin."
    # WHEN she says it again at 8:30
    clock.set(MORNING + timedelta(minutes=25))
    said = talk(skill, speaker, clock).intent("LogDoseIntent", medication="metformin")
    # THEN she hears when she took it, and only one dose is stored as taken
    assert said.text == "You already took your Metformin at 8:05 this morning."
    taken = [d for d in store.list_doses(edith.id, MORNING - timedelta(hours=9), MORNING + timedelta(hours=16))
             if d.is_logged]
    assert len(taken) == 1 and taken[0].status is DoseStatus.TAKEN and taken[0].logged_at == MORNING


def test_did_i_take_my_pills_today_lists_what_is_taken_and_what_is_still_due(
        store: Store, skill: CustomSkill, clock: FixedClock, edith: Recipient) -> None:
    store.put_medication(medication(edith.id, "Metformin", at=("08:00", "20:00")))
    store.put_medication(medication(edith.id, "Aspirin", at=("08:00",), dose_text="75 mg"))
    speaker = linked(store, edith)
    talk(skill, speaker, clock).intent("LogDoseIntent", medication="metformin")
    # WHEN she asks at 9 whether she took her pills today
    clock.set(datetime(2026, 11, 25, 9, 0, tzinfo=UTC))
    said = talk(skill, speaker, clock).intent("CheckDoseIntent", medication="pills")
    # THEN she hears what she took, and what is still due (so she neither misses nor doubles a dose)
    assert said.text == ("Today you've taken Metformin at 8:05 this morning. "
                         "You still need to take Aspirin, due at 8 this morning.")
    # AND asking about one medicine answers for that one
    said = talk(skill, speaker, clock).intent("CheckDoseIntent", medication="metformin")
    assert said.text == "Yes, you took your Metformin at 8:05 this morning."


def test_i_have_taken_my_pills_logs_every_dose_due_now(
        store: Store, skill: CustomSkill, clock: FixedClock, edith: Recipient) -> None:
    store.put_medication(medication(edith.id, "Metformin", at=("08:00",)))
    store.put_medication(medication(edith.id, "Aspirin", at=("08:00",)))
    store.put_medication(medication(edith.id, "Ramipril", at=("20:00",)))
    speaker = linked(store, edith)
    said = talk(skill, speaker, clock).intent("LogDoseIntent", medication="my pills")
    assert said.text == "Thanks, I've noted your Aspirin and Metformin."
    said = talk(skill, speaker, clock).intent("LogDoseIntent")
    assert said.text.startswith("You've already taken everything that was due.")


@pytest.mark.parametrize("store", ["sqlite", "moto", "dynamodb_local"], indirect=True)  # as-needed: transactions
def test_as_needed_medicine_taken_too_soon_is_recorded_and_becomes_a_safety_moment(
        store: Store, skill: CustomSkill, clock: FixedClock, edith: Recipient) -> None:
    schedule = Schedule(as_needed=True, min_interval_minutes=240, max_per_day=8,
                        start=MORNING.date() - timedelta(days=7))  # relative to the skill's clock, not today
    store.put_medication(medication(edith.id, "Paracetamol", schedule=schedule, dose_text=""))
    speaker = linked(store, edith)
    clock.set(datetime(2026, 11, 25, 10, 0, tzinfo=UTC))
    said = talk(skill, speaker, clock).intent("LogDoseIntent", medication="paracetamol", count="2")
    assert said.text == "Thanks, I've noted your Paracetamol."
    # WHEN she says she took more an hour later
    clock.set(datetime(2026, 11, 25, 11, 0, tzinfo=UTC))
    said = talk(skill, speaker, clock).intent("LogDoseIntent", medication="paracetamol")
    # THEN the truth is recorded, she hears the limit her carer set and where to get help (no advice of our
    # own), and a safety event is kept for the carer
    assert "noted" in said.text and "4 hours" in said.text and "NHS 111" in said.text
    logged = store.list_doses(edith.id, MORNING - timedelta(hours=9), MORNING + timedelta(hours=16))
    assert [d.quantity for d in logged] == [2, 1]
    events = store.list_events(edith.id, MORNING - timedelta(days=1), MORNING + timedelta(days=1))
    assert [e.kind.value for e in events] == ["over_limit"]


def test_skipping_a_dose_records_it_as_skipped(
        store: Store, skill: CustomSkill, clock: FixedClock, edith: Recipient) -> None:
    store.put_medication(medication(edith.id, "Aspirin", at=("08:00",)))
    speaker = linked(store, edith)
    said = talk(skill, speaker, clock).intent("SkipDoseIntent", medication="aspirin")
    assert said.text == "All right. I've noted that you're skipping your Aspirin."
    [dose] = store.list_doses(edith.id, MORNING - timedelta(hours=1), MORNING + timedelta(hours=1))
    assert dose.status is DoseStatus.SKIPPED


def test_snooze_without_reminder_permission_sends_the_consent_card(
        store: Store, skill: CustomSkill, clock: FixedClock, edith: Recipient) -> None:
    speaker = linked(store, edith)
    said = talk(skill, speaker, clock).intent("SnoozeIntent", duration="PT15M")
    assert "permission" in said.text
    assert said.raw["response"]["card"]["type"] == "AskForPermissionsConsent"


def test_five_wrong_codes_lock_linking_even_for_the_right_code(
        store: Store, skill: CustomSkill, clock: FixedClock, edith: Recipient) -> None:
    code = LinkCode.issue(edith.id, MORNING)
    store.put_link_code(code)
    wrong = "111111" if code.code != "111111" else "222222"
    chat = talk(skill, Speaker(), clock)
    for _ in range(4):
        said = chat.intent("LinkAccountIntent", code=wrong)
        assert said.text.startswith("Sorry, that code didn't work.") and said.reprompt
    said = chat.intent("LinkAccountIntent", code=wrong)
    assert said.text.startswith("Too many codes didn't work")
    # WHEN the right code comes while locked THEN it is refused and the code stays usable
    said = chat.intent("LinkAccountIntent", code=code.code)
    assert said.text.startswith("Too many codes didn't work")
    # AND an hour later it works
    clock.set(MORNING + timedelta(minutes=61))
    said = talk(skill, chat.speaker, clock).intent("LinkAccountIntent", code=code.code)
    assert said.text.startswith("Thank you, Edith.")


def test_two_voice_profiles_on_one_speaker_are_each_served_on_their_own(
        store: Store, skill: CustomSkill, clock: FixedClock, edith: Recipient) -> None:
    # GIVEN Edith and Bert share a speaker (one Alexa account), each with a voice profile and a code
    bert = recipient(display_name="Bert")
    store.put_recipient(bert)
    store.put_medication(medication(edith.id, "Metformin", at=("20:00",)))
    store.put_medication(medication(bert.id, "Warfarin", at=("18:00",), dose_text="3 mg"))
    account = "amzn1.ask.account.household"
    edith_voice = Speaker(user_id=account, person_id="amzn1.ask.person.edith")
    bert_voice = Speaker(user_id=account, person_id="amzn1.ask.person.bert")
    for person, voice in ((edith, edith_voice), (bert, bert_voice)):
        code = LinkCode.issue(person.id, MORNING)
        store.put_link_code(code)
        assert talk(skill, voice, clock).intent("LinkAccountIntent", code=code.code).text.startswith(
            f"Thank you, {person.display_name}.")
    # WHEN each opens the skill THEN each hears their own name and medicine
    said = talk(skill, edith_voice, clock).launch()
    assert said.text.startswith("Hello Edith.") and "Metformin" in said.text and "Warfarin" not in said.text
    said = talk(skill, bert_voice, clock).launch()
    assert said.text.startswith("Hello Bert.") and "Warfarin, 3 milligrams, at 6 this evening" in said.text


def test_slower_please_is_remembered_for_later_sessions(
        store: Store, skill: CustomSkill, clock: FixedClock, edith: Recipient) -> None:
    speaker = linked(store, edith)
    said = talk(skill, speaker, clock).intent("SlowerIntent")
    assert said.text.startswith("All right, I'll speak more slowly")
    assert '<prosody rate="slow">' in said.ssml
    stored = store.get_recipient(edith.id)
    assert stored is not None and stored.speech.rate == "slow"
    said = talk(skill, speaker, clock).launch()
    assert '<prosody rate="slow">' in said.ssml


def test_say_that_again_repeats_the_last_answer(
        store: Store, skill: CustomSkill, clock: FixedClock, edith: Recipient) -> None:
    store.put_medication(medication(edith.id, "Ramipril", at=("20:00",), dose_text="5 mg"))
    chat = talk(skill, linked(store, edith), clock)
    first = chat.launch()
    again = chat.intent("AMAZON.RepeatIntent")
    assert again.text == first.text
    assert chat.intent("AMAZON.RepeatIntent").text == first.text


def test_the_disclaimer_is_said_once(
        store: Store, skill: CustomSkill, clock: FixedClock, edith: Recipient) -> None:
    speaker = Speaker()
    store.put_alexa_link(AlexaLink(speaker.user_id, edith.id, MORNING))
    assert "not medical advice" in talk(skill, speaker, clock).launch().text
    assert "not medical advice" not in talk(skill, speaker, clock).launch().text


def test_launch_asks_about_a_due_dose_and_yes_logs_it(
        store: Store, skill: CustomSkill, clock: FixedClock, edith: Recipient) -> None:
    store.put_medication(medication(edith.id, "Metformin", at=("08:00", "20:00")))
    chat = talk(skill, linked(store, edith), clock)
    said = chat.launch()
    assert "Your Metformin, 500 milligrams is due now. Have you taken it?" in said.text
    said = chat.intent("AMAZON.YesIntent")
    assert said.text.startswith("Thanks, I've noted your Metformin.")
    # AND the skill never again says that dose is due
    clock.set(MORNING + timedelta(minutes=30))
    said = talk(skill, chat.speaker, clock).launch()
    assert "Have you taken it?" not in said.text and "at 8 this evening" in said.text


def test_a_misheard_name_is_confirmed_before_anything_is_logged(
        store: Store, skill: CustomSkill, clock: FixedClock, edith: Recipient) -> None:
    store.put_medication(medication(edith.id, "Metformin", at=("08:00",)))
    store.put_medication(medication(edith.id, "Metoprolol", at=("08:00",)))
    chat = talk(skill, linked(store, edith), clock)
    said = chat.intent("LogDoseIntent", medication="metro")
    assert said.text.startswith("Did you mean")
    assert not [d for d in store.list_doses(edith.id, MORNING - timedelta(hours=1), MORNING) if d.is_logged]
    first = said.text.removeprefix("Did you mean ").rstrip("?")
    said = chat.intent("AMAZON.NoIntent")
    second = said.text.removeprefix("Did you mean ").rstrip("?")
    assert {first, second} == {"Metformin", "Metoprolol"}
    said = chat.intent("AMAZON.YesIntent")
    assert said.text == f"Thanks, I've noted your {second}."


def test_a_name_that_matches_nothing_is_never_logged(
        store: Store, skill: CustomSkill, clock: FixedClock, edith: Recipient) -> None:
    store.put_medication(medication(edith.id, "Metformin", at=("08:00",)))
    said = talk(skill, linked(store, edith), clock).intent("LogDoseIntent", medication="banana bread")
    assert said.text.startswith("Sorry, I didn't recognise that medicine. You take Metformin.")
    assert not [d for d in store.list_doses(edith.id, MORNING - timedelta(hours=1), MORNING) if d.is_logged]


def test_an_unlinked_speaker_asking_anything_is_asked_for_the_code(
        skill: CustomSkill, clock: FixedClock) -> None:
    said = talk(skill, Speaker(), clock).intent("NextDoseIntent")
    assert said.text.startswith("To help, I need your six-digit code") and said.reprompt


def test_more_than_three_medicines_are_read_three_at_a_time(
        store: Store, skill: CustomSkill, clock: FixedClock, edith: Recipient) -> None:
    for name in ("Aspirin", "Bisoprolol", "Citalopram", "Donepezil"):
        store.put_medication(medication(edith.id, name, at=("20:00",), dose_text=""))
    chat = talk(skill, linked(store, edith), clock)
    said = chat.intent("ListMedicationsIntent")
    assert said.text == "You take Aspirin, Bisoprolol, Citalopram. Want to hear more?"
    assert chat.intent("AMAZON.YesIntent").text == "Also Donepezil."


def test_pills_left_reads_the_count(store: Store, skill: CustomSkill, clock: FixedClock, edith: Recipient) -> None:
    store.put_medication(medication(edith.id, "Metformin", at=("20:00",), pill_count=23))
    said = talk(skill, linked(store, edith), clock).intent("PillsLeftIntent", medication="metformin")
    assert said.text == "You have 23 Metformin left."


def test_adding_a_medicine_by_voice_saves_it_only_when_confirmed(
        store: Store, skill: CustomSkill, clock: FixedClock, edith: Recipient) -> None:
    chat = talk(skill, linked(store, edith), clock)
    slots = {"medication": "simvastatin", "doseAmount": "20", "doseUnit": "milligrams", "time": "21:00"}
    said = chat.send(intent_request("AddMedicationIntent", slots, dialogState="STARTED"))
    assert said.directives[0]["type"] == "Dialog.Delegate"
    said = chat.send(intent_request("AddMedicationIntent", slots, dialogState="COMPLETED", confirmation="DENIED"))
    assert store.list_medications(edith.id) == []
    said = chat.send(intent_request("AddMedicationIntent", slots, dialogState="COMPLETED",
                                    confirmation="CONFIRMED"))
    assert said.text == "I've added simvastatin, 20 milligrams, every day at 9 at night."
    [med] = store.list_medications(edith.id)
    assert med.schedule.times == (time(21, 0),) and med.dose_text == "20 milligrams"


def test_a_recipient_removed_after_linking_is_asked_to_link_again(
        store: Store, skill: CustomSkill, clock: FixedClock) -> None:
    speaker = Speaker()
    store.put_alexa_link(AlexaLink(speaker.user_id, "rec_gone", MORNING))
    said = talk(skill, speaker, clock).launch()
    assert "six-digit code" in said.text


@pytest.fixture
def us_skill(store: Store, clock: FixedClock) -> CustomSkill:
    return build_skill(store, skill_id=None, clock=clock)


def test_us_english_says_times_the_american_way(
        store: Store, us_skill: CustomSkill, clock: FixedClock) -> None:
    ann = recipient(display_name="Ann", timezone="America/New_York", locale="en-US")
    store.put_recipient(ann)
    store.put_medication(medication(ann.id, "Lisinopril", at=("20:00",), dose_text="10 mg"))
    speaker = replace(linked(store, ann), locale="en-US")
    said = talk(us_skill, speaker, clock).launch()
    assert "Your next medicine is Lisinopril, 10 milligrams, at 8 PM." in said.text


def test_a_broken_store_gets_a_kind_sentence_not_silence(
        store: Store, skill: CustomSkill, clock: FixedClock, edith: Recipient,
        monkeypatch: pytest.MonkeyPatch) -> None:
    speaker = linked(store, edith)

    def broken(*_: object) -> None:
        raise RuntimeError("database unavailable")

    monkeypatch.setattr(store, "load_voice_view", broken)
    said = talk(skill, speaker, clock).launch()
    assert said.text == "Sorry, something went wrong on my side. Please try again in a moment."
    assert said.reprompt


def test_logs_never_carry_names_of_people_or_medicines(
        store: Store, skill: CustomSkill, clock: FixedClock, edith: Recipient,
        caplog: pytest.LogCaptureFixture) -> None:
    store.put_medication(medication(edith.id, "Metformin", at=("08:00",)))
    chat = talk(skill, linked(store, edith), clock)
    with caplog.at_level("DEBUG"):
        chat.launch()
        chat.intent("LogDoseIntent", medication="metformin")
        chat.intent("CheckDoseIntent", medication="metformin")
    ours = [r for r in caplog.records if r.name.startswith("dosekeeper")]
    logged = " ".join(f"{r.getMessage()} {r.__dict__}" for r in ours)
    assert ours
    assert "Metformin" not in logged and "metformin" not in logged and "Edith" not in logged


def test_dynamodb_requests_per_turn_stay_within_budget(moto_store: Store, clock: FixedClock) -> None:
    from skill.store.dynamodb import DynamoStore
    from skill.store.dynamodb.table import RequestCounter

    assert isinstance(moto_store, DynamoStore)
    skill = build_skill(moto_store, skill_id=None, clock=clock)
    person = recipient(display_name="Edith")
    moto_store.put_recipient(person)
    moto_store.put_medication(medication(person.id, "Metformin", at=("08:00", "20:00")))
    counter = RequestCounter(moto_store.client)
    chat = talk(skill, linked(moto_store, person), clock)
    # A session's first turn reads the link, then the person's whole day in one Query
    counter.reset()
    chat.intent("AMAZON.HelpIntent")
    assert counter.counts == {"GetItem": 1, "Query": 1}
    # Later turns in the session: one read to check ...
    counter.reset()
    chat.intent("CheckDoseIntent", medication="pills")
    assert counter.counts == {"Query": 1}
    # ... and one read plus one conditional write to log: the dose and the coordinator's day count of it
    # (two items, so one TransactWriteItems is the least one request can be; no read of the rollup)
    counter.reset()
    chat.intent("LogDoseIntent", medication="metformin")
    assert counter.counts == {"Query": 1, "TransactWriteItems": 1}
    # A later session on the same warm process: the speaker's recipient is remembered and confirmed by
    # the link back-references that come back in the same Query, so a launch is one read
    counter.reset()
    said = chat.new_session().launch()
    assert counter.counts == {"Query": 1}
    assert "Edith" in said.text


def test_a_speaker_moved_to_someone_else_is_never_served_the_old_person_from_a_warm_cache(
        store: Store, clock: FixedClock) -> None:
    # GIVEN a warm skill that has served this speaker as Edith
    skill = build_skill(store, skill_id=None, clock=clock)
    edith, bert = recipient(display_name="Edith"), recipient(display_name="Bert")
    for person in (edith, bert):
        store.put_recipient(person)
    speaker = linked(store, edith)
    assert "Edith" in talk(skill, speaker, clock).launch().text
    # WHEN the speaker is linked to Bert (another code, another device) and opens the skill again
    linked(store, bert, speaker)
    said = talk(skill, speaker, clock).launch()
    # THEN Bert is greeted, not Edith
    assert "Bert" in said.text and "Edith" not in said.text


# -- what the person calls a medicine ("heart pill") ------------------------------------------------------

def kind(said: str, value: str = "heart pill", ident: str = "CATEGORY_HEART") -> dict[str, Any]:
    """The medicine slot as the model resolves a kind of medicine: "heart pill" is CATEGORY_HEART, not a medicine."""
    return slot("medication", said, resolved=(value, ident))


def logged_names(store: Store, person: Recipient) -> list[str]:
    day = store.list_doses(person.id, MORNING - timedelta(hours=9), MORNING + timedelta(hours=15))
    return sorted(d.medication_name for d in day if d.is_logged)


@pytest.fixture
def heart_pill(store: Store, edith: Recipient) -> Medication:
    """Edith's 8 o'clock medicines; her carer noted that Ramipril is what she calls her "heart pill"."""
    ramipril = medication(edith.id, "Ramipril", at=("08:00",), dose_text="5 mg", also_called=("heart pill",))
    store.put_medication(ramipril)
    store.put_medication(medication(edith.id, "Amlodipine", at=("08:00",), dose_text="5 mg"))
    store.put_medication(medication(edith.id, "Metformin", at=("08:00", "20:00")))
    return ramipril


def test_did_i_take_my_heart_pill_answers_about_the_medicine_she_calls_that(
        store: Store, skill: CustomSkill, clock: FixedClock, edith: Recipient, heart_pill: Medication) -> None:
    # GIVEN she noted her Ramipril at 8:02 (but not her Amlodipine, also due at 8)
    speaker = linked(store, edith)
    clock.set(MORNING - timedelta(minutes=3))
    assert talk(skill, speaker, clock).intent("LogDoseIntent", medication="ramipril").text == (
        "Thanks, I've noted your Ramipril.")
    # WHEN at 8:05 she asks straight out (no launch, so Alexa knows only the model's "heart pill", a kind)
    clock.set(MORNING)
    said = talk(skill, speaker, clock).intent("CheckDoseIntent", medication=kind("heart pill"))
    # THEN the answer is about Ramipril, the medicine she calls her heart pill
    assert said.text == "Yes, you took your Ramipril at 8:02 this morning."
    # AND "heart tablet", the same kind said another way, is the same medicine
    said = talk(skill, speaker, clock).intent("CheckDoseIntent", medication=kind("heart tablet"))
    assert said.text == "Yes, you took your Ramipril at 8:02 this morning."


def test_i_took_my_heart_pill_logs_the_medicine_she_calls_that_and_nothing_else(
        store: Store, skill: CustomSkill, clock: FixedClock, edith: Recipient, heart_pill: Medication) -> None:
    speaker = linked(store, edith)
    # WHEN she says she took her heart pill
    said = talk(skill, speaker, clock).intent("LogDoseIntent", medication=kind("heart pill"))
    # THEN Ramipril is noted, and only Ramipril
    assert said.text == "Thanks, I've noted your Ramipril."
    assert logged_names(store, edith) == ["Ramipril"]


def test_launch_teaches_alexa_her_names_for_her_medicines(
        store: Store, skill: CustomSkill, clock: FixedClock, edith: Recipient, heart_pill: Medication) -> None:
    chat = talk(skill, linked(store, edith), clock)
    # WHEN she opens the skill
    said = chat.launch()
    # THEN her medicines go to Alexa as dynamic entities, with "heart pill" as a synonym of Ramipril
    [update] = [d for d in said.directives if d["type"] == "Dialog.UpdateDynamicEntities"]
    values = {v["id"]: (v["name"]["value"], v["name"]["synonyms"]) for v in update["types"][0]["values"]}
    assert values[heart_pill.id] == ("Ramipril", ["heart pill"])
    assert sorted(name for name, _ in values.values()) == ["Amlodipine", "Metformin", "Ramipril"]
    # AND when Alexa then resolves "heart pill" to her Ramipril (and to the model's kind too), Ramipril is noted
    said = chat.intent("LogDoseIntent", medication=slot("medication", "heart pill", resolved=(
        "Ramipril", heart_pill.id), dynamic=True, also=("heart pill", "CATEGORY_HEART")))
    assert said.text == "Thanks, I've noted your Ramipril."
    assert logged_names(store, edith) == ["Ramipril"]


def test_a_kind_of_medicine_she_has_no_name_for_is_asked_about_never_guessed(
        store: Store, skill: CustomSkill, clock: FixedClock, edith: Recipient) -> None:
    # GIVEN three medicines due at 8, none of which her carer said she calls her "heart pill"
    for name in ("Ramipril", "Amlodipine", "Metformin"):
        store.put_medication(medication(edith.id, name, at=("08:00",)))
    chat = talk(skill, linked(store, edith), clock)
    # WHEN she says she took her heart pill
    said = chat.intent("LogDoseIntent", medication=kind("heart pill"))
    # THEN she is asked which one, nothing is logged, and Alexa is told to take her answer as the medicine
    assert said.text == "Which one: Amlodipine, Metformin or Ramipril?" and said.reprompt == said.text
    assert logged_names(store, edith) == []
    [elicit] = [d for d in said.directives if d["type"] == "Dialog.ElicitSlot"]
    assert elicit["slotToElicit"] == "medication" and elicit["updatedIntent"]["name"] == "LogDoseIntent"
    # WHEN she answers "Ramipril"
    said = chat.answer("LogDoseIntent", medication="ramipril")
    # THEN Ramipril, and only Ramipril, is noted
    assert said.text == "Thanks, I've noted your Ramipril."
    assert logged_names(store, edith) == ["Ramipril"]


def test_asking_which_one_names_three_medicines_at_most(
        store: Store, skill: CustomSkill, clock: FixedClock, edith: Recipient) -> None:
    for name in ("Ramipril", "Amlodipine", "Metformin", "Bisoprolol"):
        store.put_medication(medication(edith.id, name, at=("08:00",)))
    chat = talk(skill, linked(store, edith), clock)
    said = chat.intent("CheckDoseIntent", medication=kind("heart pill"))
    assert said.text == "Which one: Amlodipine, Bisoprolol, Metformin or another one?"
    # AND the one she names, listed or not, is the one answered about
    said = chat.answer("CheckDoseIntent", medication="ramipril")
    assert said.text == "Not yet. Your Ramipril from 8 this morning isn't noted. Have you taken it?"


def test_a_name_two_medicines_share_is_asked_about(
        store: Store, skill: CustomSkill, clock: FixedClock, edith: Recipient) -> None:
    # GIVEN two medicines she calls her heart pills, and one she doesn't
    store.put_medication(medication(edith.id, "Ramipril", at=("08:00",), also_called=("heart pill",)))
    store.put_medication(medication(edith.id, "Bisoprolol", at=("08:00",), also_called=("heart pill",)))
    store.put_medication(medication(edith.id, "Metformin", at=("08:00",)))
    chat = talk(skill, linked(store, edith), clock)
    said = chat.intent("LogDoseIntent", medication=kind("heart pill"))
    assert said.text == "Which one: Bisoprolol or Ramipril?"
    assert logged_names(store, edith) == []


def test_a_kind_with_only_one_medicine_on_her_list_is_confirmed_first(
        store: Store, skill: CustomSkill, clock: FixedClock, edith: Recipient) -> None:
    store.put_medication(medication(edith.id, "Ramipril", at=("08:00",)))
    chat = talk(skill, linked(store, edith), clock)
    said = chat.intent("LogDoseIntent", medication=kind("water tablet", "water tablet", "CATEGORY_WATER"))
    assert said.text == "Did you mean Ramipril?"
    assert logged_names(store, edith) == []
    assert chat.intent("AMAZON.YesIntent").text == "Thanks, I've noted your Ramipril."


def test_a_snooze_for_longer_than_a_day_asks_how_long_instead(
        store: Store, skill: CustomSkill, clock: FixedClock, edith: Recipient) -> None:
    chat = talk(skill, linked(store, edith), clock)
    said = chat.intent("SnoozeIntent", duration="P1W")
    assert said.text == "I can remind you in anything from one minute to one day. How long should I wait?"
    [elicit] = [d for d in said.directives if d["type"] == "Dialog.ElicitSlot"]
    assert elicit["slotToElicit"] == "duration" and elicit["updatedIntent"]["name"] == "SnoozeIntent"
