"""The evaluation corpus and the held-out set, spoken to virtual-alexa with the generated models.

The corpus (tests/voice_corpus/) was written from how older people talk, before the grammar was tuned, and
is never generated from it. A line counts when the intent and every slot the skill would receive are right.
Lines that need two slots side by side ("I took ten paracetamol") cannot be heard by virtual-alexa; they are
counted apart when the console's matcher hears them right (scoring.py), and the floors below count every line,
those included as misses, so the figure is what virtual-alexa alone achieves.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from skill.cli.main import cli
from skill.domain.events import EventKind
from skill.domain.models import DoseStatus, Schedule
from skill.store.sqlite import SqliteStore
from tests import factories
from tests.voice_corpus.scoring import CORPUS_DIR, HELD_OUT_DIR, LOCALES, Score, node, score, table

needs_node = pytest.mark.skipif(node() is None, reason="needs node and virtual-alexa from npm (scripts/setup)")

REQUIRED_RATE = 0.90
# Measured 126/136 = 92.6% in both locales (every line; 126/128 = 98.4% of the lines virtual-alexa
# can hear). The floor is what was reached, not a hope: lower it only with a reason in the commit.
REQUIRED_HELD_OUT_RATE = 0.92
_scores: dict[tuple[str, Path], Score] = {}


def scored(locale: str, directory: Path = CORPUS_DIR) -> Score:
    if (locale, directory) not in _scores:
        _scores[(locale, directory)] = score(locale, directory=directory)
    return _scores[(locale, directory)]


def show(result: Score) -> None:
    print(f"\n{table([result])}")
    for line, heard in result.misses:
        print(f"  missed: {line.say!r}: wanted {line.intent} {line.slots}, heard {heard.intent} {heard.slots}")
    for line in result.real_alexa:
        print(f"  needs real Alexa: {line.say!r}")


@needs_node
@pytest.mark.parametrize("locale", LOCALES)
def test_the_corpus_is_understood_with_the_right_intent_and_slots(locale: str) -> None:
    # GIVEN the generated model and the corpus  WHEN every line is spoken to virtual-alexa
    result = scored(locale)
    show(result)
    # THEN at least 90% of lines reach the skill as the intent and slots meant
    assert result.total + len(result.real_alexa) >= 300
    assert result.rate_all_lines >= REQUIRED_RATE, f"{locale}: {result.rate_all_lines:.1%}"


@needs_node
@pytest.mark.parametrize("locale", LOCALES)
def test_sentences_the_grammar_was_not_written_from_are_understood_too(locale: str) -> None:
    # GIVEN the held-out set (hesitant, indirect, polite, dialect and one-shot sentences)
    result = scored(locale, HELD_OUT_DIR)
    show(result)
    # THEN the grammar's broad patterns carry over to them
    assert result.total + len(result.real_alexa) >= 80
    assert result.rate_all_lines >= REQUIRED_HELD_OUT_RATE, f"{locale}: {result.rate_all_lines:.1%}"


@needs_node
@pytest.mark.parametrize("locale", LOCALES)
def test_a_count_and_a_medicine_side_by_side_are_heard_by_the_console(locale: str) -> None:
    # GIVEN "I took ten paracetamol" (or ten Tylenol), which virtual-alexa cannot split into two slots
    result = scored(locale, HELD_OUT_DIR)
    # THEN it is counted apart, because the console's matcher hears count=10 and the medicine
    assert any(line.say.startswith("I took ten") for line in result.real_alexa)


@needs_node
@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("directory", [CORPUS_DIR, HELD_OUT_DIR], ids=["corpus", "held_out"])
def test_a_question_never_reaches_the_skill_as_a_dose_taken(locale: str, directory: Path) -> None:
    # GIVEN lines that ask ("did I", "have I", one-shot "if" / "whether")
    result = scored(locale, directory)
    wrongly_logged = [line.say for line, heard in result.misses
                      if line.intent == "CheckDoseIntent" and heard.intent == "LogDoseIntent"]
    # THEN none of them is heard as "I took it": that would record a dose nobody took
    assert wrongly_logged == []


NINE_FIVE = "2026-11-25T09:05:00+00:00"  # an hour after Edith's 8 o'clock Bisoprolol (London, GMT)


def test_what_needs_real_alexa_works_in_the_console(tmp_path: Path) -> None:
    # GIVEN Edith, with Bisoprolol at 8 and Paracetamol as needed (at most 4 a day), and the console at 9:05
    db = tmp_path / "dosekeeper.db"
    store = SqliteStore(db)
    store.init()
    edith = factories.recipient(display_name="Edith", timezone="Europe/London", locale="en-GB")
    store.put_recipient(edith)
    store.put_medication(factories.medication(edith.id, "Bisoprolol", at=("08:00",), dose_text="5 mg"))
    store.put_medication(factories.medication(edith.id, "Paracetamol", schedule=Schedule(
        as_needed=True, start=date(2026, 1, 1), min_interval_minutes=240, max_per_day=4)))
    store.close()
    # WHEN she says two sentences whose slots touch ({medication} {timeOfDay}, {count} {medication})
    result = CliRunner().invoke(cli, ["--store", f"sqlite:///{db}", "chat", edith.id, "--at", NINE_FIVE],
                                input="I took my bisoprolol this morning\nI took ten paracetamol\nquit\n")
    assert result.exit_code == 0, result.output
    # THEN the store holds the morning Bisoprolol taken, and ten Paracetamol as she said, with an over-limit event
    store = SqliteStore(db)
    day, next_day = datetime(2026, 11, 25, tzinfo=UTC), datetime(2026, 11, 26, tzinfo=UTC)
    logged = [(d.medication_name, d.status, d.quantity) for d in store.list_doses(edith.id, day, next_day)
              if d.is_logged]
    events = [e.kind for e in store.list_events(edith.id, day, next_day)]
    store.close()
    assert logged == [("Bisoprolol", DoseStatus.TAKEN_LATE, 1), ("Paracetamol", DoseStatus.TAKEN, 10)]
    assert EventKind.OVER_LIMIT in events
