"""A heard medicine name is matched against the person's own list, and doubt becomes a question."""

from __future__ import annotations

import pytest

from skill.conversation.matching import is_generic, match
from skill.domain.models import Medication
from tests.factories import medication

MEDS = [medication("rec_1", name) for name in ("Metformin", "Ramipril", "Aspirin", "Lisinopril")]


def named(name: str) -> Medication:
    return next(m for m in MEDS if m.name == name)


@pytest.mark.parametrize(("heard", "meant"), [
    ("metformin", "Metformin"),
    ("met for men", "Metformin"),
    ("rami pill", "Ramipril"),
    ("ASPIRIN", "Aspirin"),
    ("lisinopril tablets", "Lisinopril"),
])
def test_mishearings_of_the_persons_own_medicines_are_recognised(heard: str, meant: str) -> None:
    assert match(heard, MEDS).sure == named(meant)


def test_two_close_names_are_asked_about_not_guessed() -> None:
    meds = [medication("rec_1", "Metformin"), medication("rec_1", "Metoprolol")]
    found = match("metro", meds)
    assert found.sure is None
    assert {m.name for m in found.candidates} == {"Metformin", "Metoprolol"}


def test_a_name_like_nothing_on_the_list_matches_nothing() -> None:
    found = match("banana bread", MEDS)
    assert found.sure is None and found.candidates == ()


def test_a_medicine_not_on_the_list_is_never_matched_silently() -> None:
    # "Warfarin" is not hers: nothing may be logged as if it were one of hers
    assert match("warfarin", MEDS).sure is None


@pytest.mark.parametrize("heard", ["pills", "my pills", "medicine", "my tablets", "Medications"])
def test_generic_words_mean_every_due_dose(heard: str) -> None:
    assert is_generic(heard)
    assert not is_generic("aspirin")


HEART = medication("rec_1", "Ramipril", also_called=("heart pill",))
OTHERS = [medication("rec_1", "Amlodipine"), medication("rec_1", "Metformin")]


@pytest.mark.parametrize("heard", ["heart pill", "Heart Pill", "heart pills", "heart tablet", "hart pill"])
def test_what_the_person_calls_a_medicine_means_that_medicine(heard: str) -> None:
    assert match(heard, [*OTHERS, HEART]).sure == HEART


def test_the_medicine_is_still_known_by_its_own_name() -> None:
    assert match("ramipril", [*OTHERS, HEART]).sure == HEART


def test_a_name_two_medicines_share_is_a_choice_not_a_guess() -> None:
    other_heart = medication("rec_1", "Bisoprolol", also_called=("heart pill",))
    found = match("heart pill", [HEART, other_heart, *OTHERS])
    assert found.sure is None and set(found.choices) == {HEART, other_heart}


def test_a_nickname_that_only_looks_alike_is_never_used_silently() -> None:
    # "heartburn pill" is not her heart pill: at most a question
    assert match("heartburn pill", [*OTHERS, HEART]).sure is None
    assert match("water pill", [*OTHERS, HEART]).sure is None


def test_a_kind_of_medicine_is_compared_with_nicknames_only() -> None:
    # "heart pill" is spelt a little like "Ramipril"; with no nickname recorded that must not count
    plain = [medication("rec_1", "Ramipril"), *OTHERS]
    found = match("heart pill", plain, nicknames_only=True)
    assert found.sure is None and found.candidates == ()
    assert match("heart pill", [*OTHERS, HEART], nicknames_only=True).sure == HEART
