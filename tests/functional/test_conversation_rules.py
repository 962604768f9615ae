"""The conversation older people need (issue 10): never the wrong dose, safety moments, the check-in.

Every test talks to the real skill through real request envelopes and reads the store back: what was said is
only half of it; what was recorded is what a carer and the next turn rely on.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from ask_sdk_core.skill import CustomSkill

from skill.alexa.skill_builder import build_skill
from skill.domain.alerts import AlertKind
from skill.domain.models import Contact, Dose, DoseStatus, Recipient, Schedule, new_id
from skill.domain.voice import AlexaLink
from skill.store.base import Store
from tests.factories import medication, recipient
from tests.support.envelopes import Conversation, FixedClock, Speaker, slot

# Every rule here writes through transactions (pill counts, the as-needed guard): the stores that model them.
pytestmark = pytest.mark.parametrize("store", ["sqlite", "moto", "dynamodb_local"], indirect=True)

DAY = datetime(2026, 11, 25, tzinfo=UTC)  # London is on GMT in November: local time is UTC here


def at(hours: float) -> datetime:
    return DAY + timedelta(hours=hours)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(at(8))


@pytest.fixture
def skill(store: Store, clock: FixedClock) -> CustomSkill:
    return build_skill(store, skill_id=None, clock=clock)


@pytest.fixture
def edith(store: Store) -> Recipient:
    person = recipient(display_name="Edith", locale="en-GB")
    store.put_recipient(person)
    store.put_contact(Contact(id=new_id("con"), recipient_id=person.id, name="Sam", channel="email",
                              address="sam@example.org"))
    return person


def chat(store: Store, skill: CustomSkill, clock: FixedClock, person: Recipient, locale: str = "en-GB") -> Conversation:
    speaker = Speaker(locale=locale)
    store.put_alexa_link(AlexaLink(speaker.user_id, person.id, at(0)))
    store.mark_disclaimer_heard(person.id, at(0))
    return Conversation(skill, speaker, clock)


def doses(store: Store, person: Recipient) -> list[Dose]:
    return store.list_doses(person.id, at(-24), at(48))


def logged(store: Store, person: Recipient) -> list[str]:
    return sorted(f"{d.medication_name}@{d.scheduled_local:%H:%M}" for d in doses(store, person) if d.is_logged)


def events(store: Store, person: Recipient) -> list[str]:
    return sorted(e.kind.value for e in store.list_events(person.id, at(-24), at(48)))


def alerts(store: Store, person: Recipient) -> list[AlertKind]:
    return [a.kind for a in store.list_alerts(person.id)]


def twice_daily(store: Store, person: Recipient) -> None:
    store.put_medication(medication(person.id, "Metformin", at=("08:00", "20:00")))
    store.put_medication(medication(person.id, "Ramipril", at=("20:00",), dose_text="5 mg"))


# -- never the wrong dose ------------------------------------------------------------------------------------------
def test_the_evening_report_logs_the_evening_dose_and_asks_about_the_morning_one(
        store: Store, skill: CustomSkill, clock: FixedClock, edith: Recipient) -> None:
    # GIVEN the morning Metformin was never noted
    twice_daily(store, edith)
    clock.set(at(20 + 5 / 60))
    talk = chat(store, skill, clock, edith)
    # WHEN Edith says at 20:05 that she took her metformin
    said = talk.intent("LogDoseIntent", medication="metformin")
    # THEN the 20:00 dose is recorded, and the morning one is asked about by its time, not taken silently
    assert logged(store, edith) == ["Metformin@20:00"]
    assert "This morning's Metformin isn't noted. Did you take that too?" in said.text and not said.ended
    # AND "no" leaves the morning dose open
    said = talk.answer("AMAZON.NoIntent")
    assert logged(store, edith) == ["Metformin@20:00"]
    # AND asking later says what is recorded, without inviting a second evening dose
    clock.set(at(20.5))
    said = talk.new_session().intent("CheckDoseIntent", medication="metformin")
    assert said.text.startswith("Yes, you took your Metformin at 8:05 this evening.")
    assert logged(store, edith) == ["Metformin@20:00"]


def test_yes_to_the_check_in_records_exactly_the_doses_it_named(
        store: Store, skill: CustomSkill, clock: FixedClock, edith: Recipient) -> None:
    twice_daily(store, edith)
    clock.set(at(20 + 5 / 60))
    talk = chat(store, skill, clock, edith)
    said = talk.launch()
    assert "It's time for your 8 o'clock medicines: Metformin and Ramipril. Have you taken them?" in said.text
    said = talk.intent("AMAZON.YesIntent")
    # THEN both 8 pm doses are noted, by name, and the missed morning Metformin is asked about apart
    assert logged(store, edith) == ["Metformin@20:00", "Ramipril@20:00"]
    assert said.text.startswith("Thanks, I've noted your Metformin and Ramipril.")
    assert "This morning's Metformin" in said.text


def test_a_question_is_never_a_log(store: Store, skill: CustomSkill, clock: FixedClock, edith: Recipient) -> None:
    twice_daily(store, edith)
    clock.set(at(8.5))
    said = chat(store, skill, clock, edith).intent("CheckDoseIntent", medication="metformin")
    assert said.text == "Not yet. Your Metformin from 8 this morning isn't noted. Have you taken it?"
    assert logged(store, edith) == []


def test_a_time_of_day_means_that_slots_doses_and_a_later_slot_is_confirmed_first(
        store: Store, skill: CustomSkill, clock: FixedClock, edith: Recipient) -> None:
    twice_daily(store, edith)
    store.put_medication(medication(edith.id, "Aspirin", at=("08:00",)))
    # WHEN at 08:10 she says she has had her evening tablets
    clock.set(at(8 + 10 / 60))
    talk = chat(store, skill, clock, edith)
    said = talk.intent("LogDoseIntent", timeOfDay=slot("timeOfDay", "evening", resolved=("evening", "EVENING")))
    # THEN nothing is logged yet: she is asked, naming them and when they are due
    assert said.text == "Your Metformin and Ramipril aren't due until 8 this evening. Have you already taken them?"
    assert logged(store, edith) == []
    # AND "yes" records exactly those, as taken early, with the carer's history told
    said = talk.intent("AMAZON.YesIntent")
    assert logged(store, edith) == ["Metformin@20:00", "Ramipril@20:00"]
    assert events(store, edith) == ["early_log", "early_log"]
    # WHEN at 20:05 she says she had her morning tablets (forgotten earlier)
    clock.set(at(20 + 5 / 60))
    said = chat(store, skill, clock, edith).intent(
        "LogDoseIntent", timeOfDay=slot("timeOfDay", "morning", resolved=("morning", "MORNING")))
    # THEN the morning ones are recorded, said back by name
    assert said.text == "Thanks, I've noted your Aspirin and Metformin."
    assert logged(store, edith) == ["Aspirin@08:00", "Metformin@08:00", "Metformin@20:00", "Ramipril@20:00"]


def test_when_it_was_taken_is_recorded(store: Store, skill: CustomSkill, clock: FixedClock,
                                       edith: Recipient) -> None:
    twice_daily(store, edith)
    clock.set(at(8.5))
    chat(store, skill, clock, edith).intent("LogDoseIntent", medication="metformin", takenAt="07:40")
    clock.set(at(21))
    chat(store, skill, clock, edith).intent("LogDoseIntent", medication="ramipril", takenAgo="PT1H")
    taken = {d.medication_name + d.scheduled_local.strftime("@%H:%M"): d.logged_at for d in doses(store, edith)
             if d.is_logged}
    assert taken == {"Metformin@08:00": at(7 + 40 / 60), "Ramipril@20:00": at(20)}


def test_a_dose_reported_early_is_recorded_once_confirmed(
        store: Store, skill: CustomSkill, clock: FixedClock, edith: Recipient) -> None:
    twice_daily(store, edith)
    clock.set(at(5))
    talk = chat(store, skill, clock, edith)
    said = talk.intent("LogDoseIntent", medication="metformin")
    assert said.text == "Your Metformin isn't due until 8 this morning. Have you already taken it?"
    assert logged(store, edith) == []
    talk.intent("AMAZON.YesIntent")
    assert logged(store, edith) == ["Metformin@08:00"]
    assert next(d for d in doses(store, edith) if d.is_logged).logged_at == at(5)


def test_last_nights_dose_reported_after_midnight_is_recorded(
        store: Store, skill: CustomSkill, clock: FixedClock, edith: Recipient) -> None:
    store.put_medication(medication(edith.id, "Atorvastatin", at=("22:00",)))
    clock.set(at(24.5))
    said = chat(store, skill, clock, edith).intent("LogDoseIntent", medication="atorvastatin")
    assert said.text == "Thanks, I've noted your Atorvastatin."
    assert [d.status for d in doses(store, edith) if d.is_logged] == [DoseStatus.TAKEN_LATE]


def test_undo_reopens_the_dose_restores_the_pills_and_tells_the_carer(
        store: Store, skill: CustomSkill, clock: FixedClock, edith: Recipient) -> None:
    store.put_medication(medication(edith.id, "Ramipril", at=("08:00",), pill_count=28))
    clock.set(at(8.1))
    chat(store, skill, clock, edith).intent("LogDoseIntent", medication="ramipril")
    assert store.list_medications(edith.id)[0].pill_count == 27
    clock.set(at(8.5))
    said = chat(store, skill, clock, edith).intent("UndoLogIntent")
    assert said.text.startswith("All right. I've taken off your Ramipril")
    assert logged(store, edith) == []
    assert store.list_medications(edith.id)[0].pill_count == 28
    assert events(store, edith) == ["log_undone"]


# -- as-needed limits: recorded, never refused ---------------------------------------------------------------------
def test_ten_paracetamol_are_recorded_and_become_a_safety_moment(
        store: Store, skill: CustomSkill, clock: FixedClock, edith: Recipient) -> None:
    store.put_medication(medication(edith.id, "Paracetamol", dose_text="", schedule=Schedule(
        as_needed=True, min_interval_minutes=240, max_per_day=8)))
    clock.set(at(10))
    said = chat(store, skill, clock, edith).intent("LogDoseIntent", medication="paracetamol", count="10")
    assert said.text.startswith("I've noted your Paracetamol. That's more than the 8 a day your carer set.")
    assert "NHS 111" in said.text
    assert [d.quantity for d in doses(store, edith)] == [10]
    assert events(store, edith) == ["over_limit"]
    assert alerts(store, edith) == [AlertKind.SAFETY]


def test_a_second_report_moments_later_asks_whether_it_was_another_one(
        store: Store, skill: CustomSkill, clock: FixedClock, edith: Recipient) -> None:
    store.put_medication(medication(edith.id, "Paracetamol", dose_text="", schedule=Schedule(
        as_needed=True, min_interval_minutes=240, max_per_day=8)))
    clock.set(at(10))
    chat(store, skill, clock, edith).intent("LogDoseIntent", medication="paracetamol")
    clock.set(at(10.05))
    talk = chat(store, skill, clock, edith)
    said = talk.intent("LogDoseIntent", medication="paracetamol")
    assert said.text == "I noted your Paracetamol at 10 this morning. Have you taken another one since?"
    talk.intent("AMAZON.NoIntent")
    assert len(doses(store, edith)) == 1
    talk = chat(store, skill, clock, edith)
    talk.intent("LogDoseIntent", medication="paracetamol")
    said = talk.intent("AMAZON.YesIntent")
    assert len(doses(store, edith)) == 2 and "4 hours" in said.text
    assert events(store, edith) == ["over_limit"]


def test_an_undone_as_needed_dose_no_longer_counts_towards_the_next_report_or_the_day(
        store: Store, skill: CustomSkill, clock: FixedClock, edith: Recipient) -> None:
    # GIVEN two paracetamol a day at most, one taken at 8, and one reported at 10 that was a mistake, undone
    store.put_medication(medication(edith.id, "Paracetamol", dose_text="", schedule=Schedule(
        as_needed=True, min_interval_minutes=60, max_per_day=2)))
    clock.set(at(8))
    chat(store, skill, clock, edith).intent("LogDoseIntent", medication="paracetamol")
    clock.set(at(10))
    chat(store, skill, clock, edith).intent("LogDoseIntent", medication="paracetamol")
    clock.set(at(10.02))
    chat(store, skill, clock, edith).intent("UndoLogIntent", medication="paracetamol")
    assert len(doses(store, edith)) == 1
    # WHEN she really takes her second one five minutes later
    clock.set(at(10.1))
    said = chat(store, skill, clock, edith).intent("LogDoseIntent", medication="paracetamol")
    # THEN it is noted as her second of the day: not the undone one again, not over her limit, nobody alarmed
    assert len(doses(store, edith)) == 2
    assert "another one since" not in said.text and "more than" not in said.text, said.text
    assert "over_limit" not in events(store, edith)
    assert AlertKind.SAFETY not in alerts(store, edith)

# -- safety moments ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("intent", "kind"), [
    ("TookTooMuchIntent", "double_dose"), ("WrongMedicineIntent", "wrong_medicine"),
    ("DroppedDoseIntent", "dropped_dose"), ("FeelingUnwellIntent", "feeling_unwell")])
def test_a_safety_moment_is_recorded_the_carer_told_and_one_signpost_said(
        store: Store, skill: CustomSkill, clock: FixedClock, edith: Recipient, intent: str, kind: str) -> None:
    twice_daily(store, edith)
    said = chat(store, skill, clock, edith).intent(intent)
    assert events(store, edith) == [kind]
    assert alerts(store, edith) == [AlertKind.SAFETY]
    assert said.text.endswith("I've let your carer know. If you feel unwell, call a pharmacist or NHS 111, or 999 "
                              "in an emergency.")
    assert logged(store, edith) == []  # a safety moment is never a log of its own


def test_the_us_signpost_names_poison_control(store: Store, skill: CustomSkill, clock: FixedClock) -> None:
    person = recipient(display_name="Ruth", locale="en-US", timezone="UTC")
    store.put_recipient(person)
    said = chat(store, skill, clock, person, locale="en-US").intent("TookTooMuchIntent")
    assert "Poison Control at 1-800-222-1222, or 911 in an emergency." in said.text


# -- the check-in --------------------------------------------------------------------------------------------------
def test_i_dont_remember_checks_the_pill_box_and_never_guesses(
        store: Store, skill: CustomSkill, clock: FixedClock, edith: Recipient) -> None:
    twice_daily(store, edith)
    clock.set(at(20.1))
    talk = chat(store, skill, clock, edith)
    talk.launch()
    said = talk.intent("DontRememberIntent")
    assert said.text == ("That's all right. Let's check together. Look in your pill box at the 8 o'clock space. "
                         "Are your Metformin and Ramipril still there?")
    # WHEN they are not there: it looks taken, and she is asked before anything is noted
    said = talk.intent("AMAZON.NoIntent")
    assert said.text == "Then it looks like you've taken it. Shall I note it as taken?"
    assert logged(store, edith) == []
    talk.intent("AMAZON.YesIntent")
    assert logged(store, edith) == ["Metformin@20:00", "Ramipril@20:00"]


def test_when_the_tablets_are_still_in_the_box_nothing_is_noted(
        store: Store, skill: CustomSkill, clock: FixedClock, edith: Recipient) -> None:
    twice_daily(store, edith)
    clock.set(at(20.1))
    talk = chat(store, skill, clock, edith)
    talk.launch()
    talk.intent("DontRememberIntent")
    said = talk.intent("AMAZON.YesIntent")
    assert said.text.startswith("Then it looks like you haven't taken it yet.")
    assert logged(store, edith) == []


def test_let_me_check_and_a_mishearing_keep_the_question_open(
        store: Store, skill: CustomSkill, clock: FixedClock, edith: Recipient) -> None:
    twice_daily(store, edith)
    clock.set(at(20.1))
    talk = chat(store, skill, clock, edith)
    talk.launch()
    said = talk.intent("LetMeCheckIntent")
    assert said.text == "Of course. Take your time." and not said.ended
    said = talk.intent("AMAZON.FallbackIntent")
    assert "say yes or no" in said.text
    talk.intent("AMAZON.YesIntent")
    assert logged(store, edith) == ["Metformin@20:00", "Ramipril@20:00"]


# -- understood, and heard ------------------------------------------------------------------------------------------
def test_a_medicine_name_that_matched_nothing_is_kept_for_the_carer(
        store: Store, skill: CustomSkill, clock: FixedClock, edith: Recipient) -> None:
    twice_daily(store, edith)
    said = chat(store, skill, clock, edith).intent("LogDoseIntent", medication="zopiclone")
    assert said.text.startswith("Sorry, I didn't recognise that medicine. You take Metformin and Ramipril.")
    assert [h.heard for h in store.list_heard_names(edith.id)] == ["zopiclone"]
    assert logged(store, edith) == []


def test_lists_pause_between_items_and_the_pace_is_the_persons_own(
        store: Store, skill: CustomSkill, clock: FixedClock, edith: Recipient) -> None:
    twice_daily(store, edith)
    clock.set(at(20.1))
    talk = chat(store, skill, clock, edith)
    said = talk.launch()
    assert '<break time="350ms"/>' in said.ssml
    talk.intent("SlowerIntent")
    assert store.get_recipient(edith.id).speech.rate == "slow"  # type: ignore[union-attr]
    said = talk.intent("CheckDoseIntent", medication="metformin")
    assert '<prosody rate="slow">' in said.ssml
    talk.intent("NormalSpeedIntent")
    assert store.get_recipient(edith.id).speech.rate == "medium"  # type: ignore[union-attr]
    assert [e.after for e in store.list_audit(edith.id)][-1] is not None
