"""Reading Home Assistant's slot values, and keeping a conversation's question: bounded, and brief."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from skill.assist.pending import PendingQuestions
from skill.assist.turn import BadTurn, parse
from skill.conversation.questions import Ask, Question
from skill.conversation.utterance import SlotValue

NOW = datetime(2026, 11, 25, 8, tzinfo=UTC)


def test_list_values_become_what_alexa_would_have_resolved() -> None:
    said = parse({"intent": "DoseKeeperLogDose", "slots": {
        "medication": "CATEGORY_HEART|heart pill", "timeOfDay": "NIGHT|last night", "count": 2, "takenAt": "07:30",
        "doseTime": "", "takenAgo": None}})
    assert said.intent == "LogDoseIntent" and said.conversation_id == "speaker"
    assert said.slots == {
        "medication": SlotValue(heard="heart pill", ids=("CATEGORY_HEART",), names=("heart pill",)),
        "timeOfDay": SlotValue(heard="last night", ids=("NIGHT",), names=("last night",)),
        "count": SlotValue(heard="2"), "takenAt": SlotValue(heard="07:30")}


def test_the_persons_own_medicine_is_resolved_by_its_id() -> None:
    said = parse({"intent": "CheckDose", "slots": {"medication": "own:med_1|heart pill"}})
    assert said.slots["medication"] == SlotValue(heard="heart pill", own_ids=("med_1",))


@pytest.mark.parametrize("body", [None, "yes", {"intent": 3}, {"intent": "DoseKeeperSnooze"},
                                  {"intent": "DoseKeeperYes", "conversation_id": ["x"]},
                                  {"intent": "DoseKeeperYes", "slots": {"a": {"b": 1}}}])
def test_anything_else_is_refused(body: object) -> None:
    with pytest.raises(BadTurn):
        parse(body)


def test_a_question_is_kept_per_conversation_until_it_expires() -> None:
    kept = PendingQuestions(lifetime=timedelta(minutes=5))
    question = Question(Ask.TAKEN, ("dose_1",))
    kept.put("rec_1", "speaker", question, NOW)
    assert kept.get("rec_1", "speaker", NOW + timedelta(minutes=4)) == question
    assert kept.get("rec_1", "check-in", NOW) is None and kept.get("rec_2", "speaker", NOW) is None
    assert kept.get("rec_1", "speaker", NOW + timedelta(minutes=6)) is None
    kept.put("rec_1", "speaker", question, NOW)
    kept.put("rec_1", "speaker", None, NOW)  # an answer that asked nothing forgets the question
    assert kept.get("rec_1", "speaker", NOW) is None


def test_the_oldest_conversation_goes_first_when_full() -> None:
    kept = PendingQuestions(limit=2)
    for n in range(3):
        kept.put("rec_1", f"c{n}", Question(Ask.TAKEN, (f"dose_{n}",)), NOW)
    assert len(kept) == 2 and kept.get("rec_1", "c0", NOW) is None and kept.get("rec_1", "c2", NOW) is not None
