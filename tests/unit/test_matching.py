"""A heard medicine name is matched against the person's own list, and doubt becomes a question."""

from __future__ import annotations

import pytest

from skill.alexa.matching import is_generic, match
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
