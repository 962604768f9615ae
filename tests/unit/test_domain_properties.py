"""Property tests: whatever text or number an edge passes in, a domain record refuses it or holds a safe value.

Every edge (voice, web forms, the REST API, the CLI) builds these records, so holding the rule here holds it
everywhere: text is printable and can be spoken as SSML (a NUL in a medicine name once broke every later
launch), and numbers stay in bounds a store can hold (a pill count of 10^30 once overflowed SQLite).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import UTC, date, datetime, time
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from skill.conversation.speech import ssml
from skill.domain.errors import ValidationError
from skill.domain.events import CareEvent, EventKind
from skill.domain.models import (
    FIRST_YEAR,
    LAST_YEAR,
    MAX_PILLS,
    Contact,
    LogSource,
    Medication,
    Recipient,
    Schedule,
)

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)  # records carry a creation time; nothing here reads the clock
SQLITE_MAX = 2**63 - 1

# Any code point at all, surrogates and non-characters included, weighted towards the troublemakers.
any_char = st.one_of(
    st.integers(min_value=0, max_value=0x10FFFF).map(chr),
    st.sampled_from(["\x00", "\x07", "\x1b", "\x7f", "\x85", "\u00ad", "\u200b", "\u200e", "\u202e", "\u2028",
                     "\u2066", "\ufeff", "\ufffe", "\uffff", "\ud800", "\udfff", "\ue000", "\U000e0041",
                     "\U0010ffff", "<", ">", "&", "'", '"', " ", "\t", "\n", "\u00a0", "\u3000"]),
    st.characters(codec="utf-8"),
)
any_text = st.text(any_char, max_size=120)


def schedule() -> Schedule:
    return Schedule(times=(time(8, 0),), start=date(2026, 1, 1))


def build(kind: str, field: str, text: str) -> Any:
    """One record of `kind` with `text` in `field` and sensible values everywhere else."""
    makers: dict[str, Callable[..., Any]] = {
        "Recipient": lambda **kw: Recipient(**{"id": "rec_1", "display_name": "Edith", "timezone": "Europe/London",
                                               "created_at": NOW, **kw}),
        "Medication": lambda **kw: Medication(**{"id": "med_1", "recipient_id": "rec_1", "name": "Metformin",
                                                 "schedule": schedule(), "created_at": NOW, **kw}),
        "Contact": lambda **kw: Contact(**{"id": "con_1", "recipient_id": "rec_1", "name": "Anna",
                                           "channel": "email", "address": "anna@example.org", "created_at": NOW,
                                           **kw}),
        "CareEvent": lambda **kw: CareEvent(**{"id": "evt_1", "recipient_id": "rec_1",
                                               "kind": EventKind.DROPPED_DOSE, "at": NOW, "source": LogSource.VOICE,
                                               "who": "voice", **kw}),
    }
    value: Any = (text,) if field == "also_called" else text
    return makers[kind](**{field: value})


TEXT_FIELDS = [
    ("Recipient", "display_name"), ("Recipient", "organisation"),
    ("Medication", "name"), ("Medication", "also_called"), ("Medication", "dose_text"),
    ("Medication", "instructions"),
    ("Contact", "name"), ("Contact", "address"),
    ("CareEvent", "detail"), ("CareEvent", "who"), ("CareEvent", "medication_name"),
]


def speakable(value: str) -> None:
    """Printable, and wrapped as SSML it parses as XML and says exactly the value."""
    assert value.isprintable(), repr(value)
    spoken = ET.fromstring(ssml(value, "medium"))
    assert (spoken.text or "") == value


@pytest.mark.parametrize(("kind", "field"), TEXT_FIELDS)
@settings(max_examples=150, deadline=None)
@given(text=any_text)
@example(text="Asp\x00irin")
@example(text="\ud800")
@example(text="\x00\x01\u200b")
@example(text="Heart <pill> & co")
def test_any_text_is_refused_or_stored_printable_and_speakable(kind: str, field: str, text: str) -> None:
    # GIVEN any text at all, as an edge might pass it in
    # WHEN a record is built with it
    try:
        record = build(kind, field, text)
    except ValidationError:
        return  # THEN it is refused with a message fit to show ...
    # ... or what the record holds is printable and is valid SSML when spoken
    held = getattr(record, field)
    for value in held if isinstance(held, tuple) else [held]:
        speakable(value)


def test_a_nul_in_a_medicine_name_is_dropped_not_refused() -> None:
    # GIVEN a name pasted with a NUL and a zero-width space inside it
    med = build("Medication", "name", "Met\x00for\u200bmin")
    # THEN the name is what the person sees and hears
    assert med.name == "Metformin"


big_ints = st.one_of(st.integers(), st.integers(min_value=-(10**40), max_value=10**40), st.just(10**30))


@settings(max_examples=200, deadline=None)
@given(pills=big_ints, threshold=big_ints, per_dose=big_ints)
def test_pill_numbers_are_refused_or_fit_a_store(pills: int, threshold: int, per_dose: int) -> None:
    # GIVEN any whole numbers for the pill count, refill threshold and pills per dose
    # WHEN a medication is built with them
    try:
        med = Medication(id="med_1", recipient_id="rec_1", name="Metformin", schedule=schedule(),
                         pill_count=pills, refill_threshold=threshold, pills_per_dose=per_dose, created_at=NOW)
    except ValidationError:
        return
    # THEN they are in the carer's plausible range, far inside what SQLite and DynamoDB can hold
    assert med.pill_count is not None and 0 <= med.pill_count <= MAX_PILLS < SQLITE_MAX
    assert med.refill_threshold is not None and 0 <= med.refill_threshold <= MAX_PILLS
    assert 1 <= med.pills_per_dose <= 20


@settings(max_examples=200, deadline=None)
@given(minutes=big_ints, per_day=big_ints, every=big_ints, grace=big_ints, escalate=big_ints, priority=big_ints)
def test_minutes_and_counts_are_refused_or_in_range(minutes: int, per_day: int, every: int, grace: int,
                                                    escalate: int, priority: int) -> None:
    for make in (
        lambda: Schedule(as_needed=True, start=date(2026, 1, 1), min_interval_minutes=minutes, max_per_day=per_day),
        lambda: Schedule(times=(time(8, 0),), start=date(2026, 1, 1), every_n_days=every),
        lambda: Recipient(id="rec_1", display_name="Edith", timezone="UTC", grace_minutes=grace, created_at=NOW),
        lambda: Contact(id="con_1", recipient_id="rec_1", name="Anna", channel="sms", address="+447700900123",
                        escalate_after_minutes=escalate, priority=priority, created_at=NOW),
    ):
        try:
            record = make()
        except ValidationError:
            continue
        numbers = [getattr(record, f) for f in ("min_interval_minutes", "max_per_day", "every_n_days",
                                                 "grace_minutes", "escalate_after_minutes", "priority")
                   if getattr(record, f, None) is not None]
        assert all(-1 < n <= 7 * 24 * 60 for n in numbers), numbers


@settings(max_examples=100, deadline=None)
@given(start=st.dates(), length=st.integers(min_value=0, max_value=400))
def test_schedule_dates_are_refused_or_in_years_the_calendar_code_can_reach(start: date, length: int) -> None:
    # GIVEN any start date (year 1 to 9999) and an end some days later, where that is a date at all
    end = date.fromordinal(min(start.toordinal() + length, date.max.toordinal()))
    try:
        s = Schedule(times=(time(8, 0),), start=start, end=end)
    except ValidationError:
        return
    # THEN the schedule lies in years where every window and export can be computed
    assert s.start.year >= FIRST_YEAR and s.end is not None and s.end.year <= LAST_YEAR
