"""Typed sentences are heard as Alexa would hear them: the right intent, and slot values in Alexa's formats."""

from __future__ import annotations

from pathlib import Path

import pytest

from skill.voice_console.matcher import UtteranceMatcher, heard_text
from skill.voice_console.model import SlotTypeValue, load_model
from skill.voice_console.resolution import dynamic_types, find_values, is_match, resolve
from skill.voice_console.slot_values import parse_duration, parse_number, parse_time
from skill.voice_console.text import normalise, strip_wake_words
from tests.voice_corpus.scoring import CORPUS_DIR, HELD_OUT_DIR, load_corpus

GB = UtteranceMatcher(load_model("en-GB"))
US = UtteranceMatcher(load_model("en-US"))


def heard(matcher: UtteranceMatcher, text: str) -> tuple[str, dict[str, str]] | None:
    match = matcher.match(text)
    return None if match is None else (match.intent, {k: v.value for k, v in match.slots.items()})


@pytest.mark.parametrize(("text", "intent", "slots"), [
    ("I took my metformin", "LogDoseIntent", {"medication": "metformin"}),
    ("I've had my tablets", "LogDoseIntent", {}),
    ("I took two of my paracetamol", "LogDoseIntent", {"count": "2", "medication": "paracetamol"}),
    ("Alexa, tell Dose Keeper I took it.", "LogDoseIntent", {}),
    ("Did I take my heart pill?", "CheckDoseIntent", {"medication": "heart pill"}),
    ("did I take my pills today", "CheckDoseIntent", {}),
    ("have I had my heart pill", "CheckDoseIntent", {"medication": "heart pill"}),
    ("What's my next dose?", "NextDoseIntent", {}),
    ("when is my next medicine", "NextDoseIntent", {}),
    ("what medicines do I take", "ListMedicationsIntent", {}),
    ("How many pills do I have left?", "PillsLeftIntent", {}),
    ("how many ramipril have I got left", "PillsLeftIntent", {"medication": "ramipril"}),
    ("I'm skipping my aspirin today", "SkipDoseIntent", {"medication": "aspirin"}),
    ("remind me in 15 minutes", "SnoozeIntent", {"duration": "PT15M"}),
    ("remind me in half an hour", "SnoozeIntent", {"duration": "PT30M"}),
    ("my code is four eight two nine one three", "LinkAccountIntent", {"code": "482913"}),
    ("My code is 482913", "LinkAccountIntent", {"code": "482913"}),
    ("slower please", "SlowerIntent", {}),
    ("speak more slowly", "SlowerIntent", {}),
    ("yes", "AMAZON.YesIntent", {}),
    ("no, not yet", "AMAZON.NoIntent", {}),
    ("say that again", "AMAZON.RepeatIntent", {}),
    ("stop", "AMAZON.StopIntent", {}),
    ("add ramipril at 8 am", "AddMedicationIntent", {"medication": "ramipril", "time": "08:00"}),
    ("Alexa, ask dose keeper if I took my metformin", "CheckDoseIntent", {"medication": "metformin"}),
    ("ask dose keeper whether I've had my tablets", "CheckDoseIntent", {}),
    ("I've had my morning tablets", "LogDoseIntent", {"timeOfDay": "morning"}),
    ("I took it at seven", "LogDoseIntent", {"takenAt": "07:00"}),
    ("I took it half an hour ago", "LogDoseIntent", {"takenAgo": "PT30M"}),
    ("what do I take now", "WhatIsDueIntent", {}),
    ("I think I took two by mistake", "TookTooMuchIntent", {}),
    ("I took my husband's pills", "WrongMedicineIntent", {}),
    ("I dropped my tablet", "DroppedDoseIntent", {}),
    ("I feel dizzy after my tablets", "FeelingUnwellIntent", {}),
    ("scratch that", "UndoLogIntent", {}),
    ("I can't remember", "DontRememberIntent", {}),
    ("hang on I'll look at my pill box", "LetMeCheckIntent", {}),
    ("you can speak faster now", "NormalSpeedIntent", {}),
    ("um, what do I take now, love", "WhatIsDueIntent", {}),
    ("is it time for my heart pill", "WhatIsDueIntent", {"medication": "heart pill"}),
    ("oh dear, I think I've taken my tablets twice", "TookTooMuchIntent", {}),
    ("I took tonight's", "LogDoseIntent", {"timeOfDay": "tonight's"}),
    ("my 8 o'clock ones", "LogDoseIntent", {"doseTime": "08:00"}),
    ("thank you, that's all", "AMAZON.StopIntent", {}),
])
def test_british_sentences_are_heard_as_the_right_intent(text: str, intent: str, slots: dict[str, str]) -> None:
    # GIVEN the en-GB model  WHEN a sentence is typed  THEN it is heard as Alexa would hear it
    assert heard(GB, text) == (intent, slots)


@pytest.mark.parametrize(("text", "intent", "slots"), [
    ("I took my meds", "LogDoseIntent", {}),
    ("I just took my lisinopril", "LogDoseIntent", {"medication": "lisinopril"}),
    ("did I take my meds today", "CheckDoseIntent", {}),
    ("do I need a refill on my atorvastatin", "PillsLeftIntent", {"medication": "atorvastatin"}),
    ("what meds am I on", "ListMedicationsIntent", {}),
    ("I'm gonna skip my aspirin", "SkipDoseIntent", {"medication": "aspirin"}),
])
def test_american_sentences_are_heard_as_the_right_intent(text: str, intent: str, slots: dict[str, str]) -> None:
    assert heard(US, text) == (intent, slots)


@pytest.mark.parametrize(("text", "slots"), [
    ("I took ten paracetamol", {"count": "10", "medication": "paracetamol"}),
    ("I took twenty two paracetamol", {"count": "22", "medication": "paracetamol"}),
    ("I took my bisoprolol this morning", {"medication": "bisoprolol", "timeOfDay": "this morning"}),
    ("I had my heart pill last night", {"medication": "heart pill", "timeOfDay": "last night"}),
    ("I took my metformin an hour ago", {"medication": "metformin", "takenAgo": "PT1H"}),
])
def test_two_slots_side_by_side_are_heard_as_real_alexa_hears_them(text: str, slots: dict[str, str]) -> None:
    # GIVEN sentences whose slots touch (virtual-alexa cannot split them; Alexa and `dosekeeper chat` do)
    # THEN each slot gets its own words: every split is tried, "heart" + "pill last night" loses
    for matcher in (GB, US):
        assert heard(matcher, text) == ("LogDoseIntent", slots)


@pytest.mark.parametrize("text", [
    "I had breakfast", "I've had breakfast", "I had tea", "I've had my dinner", "I took the dog out",
    "I took a walk this morning", "I had a fall", "I had a bad night", "I took a nap", "I had a cup of tea",
])
def test_a_sentence_about_something_else_never_gives_the_skill_a_dose_to_log(text: str) -> None:
    # GIVEN everyday remarks that share words with dose reports (meals are times of day)
    for matcher in (GB, US):
        match = matcher.match(text)
        if match is None:
            continue  # AMAZON.FallbackIntent
        # THEN if a broad sample takes it, a slot holds words that are no medicine and no time of day, so the
        # skill asks which one instead of logging; it is never "I took it" with nothing named
        assert match.slots, f"{text!r} heard as {match.intent} with no slots: it would log every due dose"
        unknown = [s for s in match.slots.values() if s.slot_type in matcher.model.slot_types
                   and not find_values(s.spoken, matcher.model.slot_types[s.slot_type])]
        assert unknown, f"{text!r} heard as {match.intent} {match.slots}"


@pytest.mark.parametrize("directory", [CORPUS_DIR, HELD_OUT_DIR], ids=["corpus", "held_out"])
def test_a_question_typed_into_the_console_is_never_a_dose_taken(directory: Path) -> None:
    # GIVEN every "did I / have I / ask Dose Keeper if I" line of the evaluation corpus
    for matcher, locale in ((GB, "en-GB"), (US, "en-US")):
        questions = [line.say for line in load_corpus(locale, directory) if line.intent == "CheckDoseIntent"]
        # THEN none is heard as "I took it" (that would record a dose nobody took)
        assert questions
        logged = [q for q in questions if (m := matcher.match(q)) is not None and m.intent == "LogDoseIntent"]
        assert logged == []


def test_a_sentence_the_model_does_not_know_is_not_forced_onto_an_intent() -> None:
    # THEN the console sends AMAZON.FallbackIntent for it, as Alexa does
    assert GB.match("what's the weather like in Leeds") is None


def test_a_literal_sample_beats_a_slot_that_would_swallow_the_words() -> None:
    # "pills today" must not become a medicine called "pills today"
    match = GB.match("did I take my pills today")
    assert match is not None and match.slots == {}


def test_a_slot_asked_for_in_a_dialog_is_filled_from_the_slot_samples() -> None:
    # GIVEN Alexa asked "What time of day do you take it?"  WHEN the answer comes
    fills = GB.match_slot("AddMedicationIntent", "time", "every day at half past eight in the evening")
    # THEN the time slot has Alexa's 24-hour value
    assert fills["time"].value == "20:30"
    # AND the amount and the unit are asked for one at a time (that pair never touches in a sample)
    assert GB.match_slot("AddMedicationIntent", "doseAmount", "five")["doseAmount"].value == "5"
    assert GB.match_slot("AddMedicationIntent", "doseUnit", "milligrams")["doseUnit"].value == "milligrams"


@pytest.mark.parametrize("matcher", [GB, US], ids=["en-GB", "en-US"])
def test_a_typed_line_is_tried_only_against_samples_that_share_its_outer_words(matcher: UtteranceMatcher) -> None:
    # GIVEN a generated model with many thousands of samples
    assert sum(len(i.samples) for i in matcher.model.intents.values()) > 10_000
    # WHEN a line is typed  THEN only samples with its first and last words are tried (a few, not thousands)
    tried = matcher.candidates("I took my metformin")
    assert "i took my {medication}" in tried and len(tried) < 60
    assert matcher.candidates("what's the weather like in Leeds") == ["{code}"]  # a bare number, rejected


@pytest.mark.parametrize(("spoken", "value"), [
    ("four eight two nine one three", "482913"), ("double four one two three five", "441235"),
    ("forty eight twenty nine thirteen", "482913"), ("48 29 13", "482913"), ("twenty five", "25"),
    ("two", "2"), ("one hundred and twenty", "120"), ("two thousand five hundred", "2500"),
])
def test_numbers_arrive_as_digits(spoken: str, value: str) -> None:
    assert parse_number(spoken) == value


@pytest.mark.parametrize(("spoken", "value"), [
    ("15 minutes", "PT15M"), ("fifteen minutes", "PT15M"), ("half an hour", "PT30M"),
    ("an hour and a half", "PT1H30M"), ("1 hour and 30 minutes", "PT1H30M"), ("a minute", "PT1M"),
    ("10 mins", "PT10M"), ("two days", "P2D"), ("a week", "P1W"), ("a quarter of an hour", "PT15M"),
])
def test_durations_arrive_as_iso_8601(spoken: str, value: str) -> None:
    assert parse_duration(spoken) == value


@pytest.mark.parametrize(("spoken", "value"), [
    ("8 am", "08:00"), ("20:30", "20:30"), ("8:30 pm", "20:30"), ("eight thirty in the evening", "20:30"),
    ("half past eight", "08:30"), ("quarter to nine", "08:45"), ("ten past seven in the evening", "19:10"),
    ("eight oh five", "08:05"), ("noon", "12:00"), ("midnight", "00:00"), ("12 am", "00:00"),
    ("this evening", "EV"), ("in the morning", "MO"), ("eight o'clock", "08:00"),
])
def test_times_arrive_as_24_hour_clock_or_part_of_day(spoken: str, value: str) -> None:
    assert parse_time(spoken) == value


def test_times_that_do_not_exist_are_not_invented() -> None:
    assert parse_time("25:00") is None
    assert parse_time("sometime") is None


def test_typing_is_normalised_like_speech() -> None:
    assert normalise("I’ve had my Tablets, 8A.M.!") == "i've had my tablets 8 am"
    assert strip_wake_words("alexa ask dose keeper to remind me later") == "remind me later"
    # AND a one-shot question keeps its "if": the model hears it as a question, never as "I took my tablets"
    assert heard_text("Alexa, ask Dose Keeper if I took my tablets?") == "if i took my tablets"


def test_medicine_names_resolve_through_synonyms_like_alexa_entity_resolution() -> None:
    # GIVEN the model's medicine names
    static = {"MedicationName": load_model("en-GB").slot_types["MedicationName"]}
    # WHEN a brand name is heard  THEN it resolves to the medicine's id
    found = resolve("Lipitor", "MedicationName", "skill-1", static, {})
    (authority,) = found["resolutionsPerAuthority"]
    assert authority["status"]["code"] == "ER_SUCCESS_MATCH"
    assert authority["values"][0]["value"] == {"name": "atorvastatin", "id": "ATORVASTATIN"}
    assert authority["authority"] == "amzn1.er-authority.echo-sdk.skill-1.MedicationName"
    # AND a word that is no medicine is reported as no match, for the skill's own fuzzy matching
    assert not is_match(resolve("metfornin", "MedicationName", "skill-1", static, {}))


def test_the_persons_own_medicines_resolve_first_under_the_dynamic_authority() -> None:
    # GIVEN the skill sent Dialog.UpdateDynamicEntities with the person's medicines
    own = {"id": "med_1", "name": {"value": "Ramipril", "synonyms": ["heart pill"]}}
    dynamic = dynamic_types({"type": "Dialog.UpdateDynamicEntities", "updateBehavior": "REPLACE",
                             "types": [{"name": "MedicationName", "values": [own]}]})
    static: dict[str, tuple[SlotTypeValue, ...]] = {"MedicationName": (SlotTypeValue("RAMIPRIL", "ramipril"),)}
    # WHEN "heart pill" is heard
    found = resolve("heart pill", "MedicationName", "s", static, dynamic)["resolutionsPerAuthority"]
    # THEN the dynamic authority comes first with the person's own medicine
    assert found[0]["authority"] == "amzn1.er-authority.echo-sdk.dynamic.s.MedicationName"
    assert found[0]["values"][0]["value"]["id"] == "med_1"
    assert found[1]["status"]["code"] == "ER_SUCCESS_NO_MATCH"
    assert dynamic_types({"type": "Dialog.UpdateDynamicEntities", "updateBehavior": "CLEAR"}) == {}
