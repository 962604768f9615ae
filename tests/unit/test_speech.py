"""Times, doses and lists said the way people say them, per locale."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from skill.conversation.speech import choice, dose_words, first_few, medicine, ssml, time_of_day, when

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=LONDON)


def at(hour: int, minute: int = 0, day: int = 25) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=LONDON)


@pytest.mark.parametrize(("moment", "gb", "us"), [
    (at(20), "8 this evening", "8 PM"),
    (at(8, 5), "8:05 this morning", "8:05 AM"),
    (at(20, 30), "half past 8 this evening", "8:30 PM"),
    (at(14, 15), "quarter past 2 this afternoon", "2:15 PM"),
    (at(7, 45), "quarter to 8 this morning", "7:45 AM"),
    (at(22), "10 tonight", "10 PM"),
    (at(12), "midday today", "noon today"),
    (at(8, day=26), "8 tomorrow morning", "8 AM tomorrow"),
    (at(21, 30, day=24), "half past 9 last night", "9:30 PM yesterday"),
    (at(18, day=28), "6 on Saturday evening", "6 PM on Saturday"),
])
def test_times_are_said_naturally_in_each_locale(moment: datetime, gb: str, us: str) -> None:
    assert when(moment, NOW, "en-GB") == gb
    assert when(moment, NOW, "en-US") == us


def test_daily_times_have_no_day() -> None:
    assert time_of_day(at(21), "en-GB") == "9 at night"
    assert time_of_day(at(8, 30), "en-GB") == "half past 8 in the morning"
    assert time_of_day(at(8, 30), "en-US") == "8:30 AM"


def test_dose_abbreviations_are_spoken_in_full() -> None:
    assert dose_words("5 mg", "en-GB") == "5 milligrams"
    assert dose_words("100mcg twice", "en-GB") == "100 micrograms twice"
    assert dose_words("10 ml", "en-US") == "10 milliliters"
    assert medicine("Ramipril", "5 mg", "en-GB") == "Ramipril, 5 milligrams"
    assert medicine("Aspirin", "", "en-GB") == "Aspirin"


def test_at_most_three_items_are_read_before_asking_for_more() -> None:
    assert first_few(["A", "B"]) == ("A and B", [])
    assert first_few(["A", "B", "C"]) == ("A, B and C", [])
    assert first_few(["A", "B", "C", "D", "E"]) == ("A, B, C", ["D", "E"])


def test_ssml_is_escaped_and_slowed_when_asked() -> None:
    assert ssml("Salt & pepper", "medium") == "<speak>Salt &amp; pepper</speak>"
    assert ssml("Hello", "slow") == '<speak><prosody rate="slow">Hello</prosody></speak>'


@pytest.mark.parametrize(("items", "said"), [
    (["Ramipril", "Amlodipine"], "Ramipril or Amlodipine"),
    (["Ramipril", "Amlodipine", "Metformin"], "Ramipril, Amlodipine or Metformin"),
    (["A", "B", "C", "D"], "A, B, C or another one"),
])
def test_a_choice_offers_three_options_at_most(items: list[str], said: str) -> None:
    assert choice(items) == said
