"""`dosekeeper chat`: typed sentences through the real skill on a SQLite file, as an operator uses it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from click.testing import CliRunner, Result

from skill.cli.main import cli
from skill.domain.models import DoseStatus, LogSource
from skill.store.sqlite import SqliteStore
from skill.voice_console.linking import console_user_id
from tests import factories

MORNING = "2026-11-25T08:05:00+00:00"  # five minutes after Edith's 8 o'clock medicines (London, GMT)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "dosekeeper.db"


@pytest.fixture
def edith(db: Path) -> str:
    store = SqliteStore(db)
    store.init()
    person = factories.recipient(display_name="Edith", timezone="Europe/London", locale="en-GB")
    store.put_recipient(person)
    store.put_medication(factories.medication(person.id, "Metformin", at=("08:00", "20:00"), dose_text="500 mg"))
    store.put_medication(factories.medication(person.id, "Ramipril", at=("20:00",), dose_text="5 mg", pill_count=28))
    store.close()
    return person.id


def chat(db: Path, *args: str, lines: list[str]) -> Result:
    return CliRunner().invoke(cli, ["--store", f"sqlite:///{db}", "chat", *args],
                              input="".join(f"{line}\n" for line in lines))


def alexa_lines(result: Result) -> list[str]:
    return [line.removeprefix("Alexa: ") for line in result.output.splitlines() if line.startswith("Alexa: ")]


def test_a_morning_conversation_logs_the_dose_once_and_says_so(db: Path, edith: str) -> None:
    # GIVEN Edith, whose Metformin is due at 8, and the console at 8:05
    # WHEN an operator types her side of the conversation
    result = chat(db, edith, "--at", MORNING, lines=[
        "what medicines do I take", "I took my metformin", "I took my metformin", "did I take my pills today",
        "how many ramipril have I got left", "quit"])
    # THEN Alexa greets her by name and asks about the dose that is due
    assert result.exit_code == 0, result.output
    said = alexa_lines(result)
    assert said[0].startswith("Hello Edith.")
    assert "Metformin, 500 milligrams" in said[0] and "Have you taken it?" in said[0]
    # AND answers each sentence, never logging the same dose twice
    assert said[1] == "You take Metformin, 500 milligrams and Ramipril, 5 milligrams."
    assert "noted your Metformin" in said[2]
    assert said[3].startswith("You already took your Metformin at 8:05")
    assert "Metformin" in said[4]
    assert "28 Ramipril" in said[5]
    # AND the store holds exactly one voice log for the 8 o'clock dose
    store = SqliteStore(db)
    start = datetime(2026, 11, 25, tzinfo=UTC)
    taken = [d for d in store.list_doses(edith, start, start + timedelta(days=1)) if d.is_logged]
    store.close()
    assert [(d.medication_name, d.status, d.source, d.scheduled_utc.hour) for d in taken] == [
        ("Metformin", DoseStatus.TAKEN, LogSource.VOICE, 8)]


def test_the_console_speaks_as_a_linked_alexa_user_for_that_person(db: Path, edith: str) -> None:
    # WHEN the console is started for Edith
    result = chat(db, edith, "--at", MORNING, lines=["quit"])
    # THEN she is greeted (not asked for a link code) and the console's Alexa user is linked to her
    assert result.exit_code == 0, result.output
    assert alexa_lines(result)[0].startswith("Hello Edith.")
    store = SqliteStore(db)
    link = store.get_alexa_link(console_user_id(edith))
    store.close()
    assert link is not None and link.recipient_id == edith


def test_a_piped_transcript_shows_both_sides_and_ends_the_session(db: Path, edith: str) -> None:
    result = chat(db, edith, "--at", MORNING, lines=["", "stop"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    # THEN each typed line is echoed, blank lines are ignored, and a stop ends the session
    assert "You: stop" in lines
    assert "You: " not in lines
    assert "(session ended: the next line starts a new one)" in result.output


def test_american_english_is_understood_with_the_us_model(db: Path, edith: str) -> None:
    result = chat(db, edith, "--at", MORNING, "--locale", "en-US", lines=["I took my meds"])
    assert result.exit_code == 0, result.output
    assert "Metformin" in alexa_lines(result)[1]


def test_an_unknown_person_is_a_clear_error(db: Path, edith: str) -> None:
    result = chat(db, "rec_nobody", lines=[])
    assert result.exit_code == 2
    assert "unknown recipient" in result.output


def test_an_unknown_locale_is_a_clear_error(db: Path, edith: str) -> None:
    result = chat(db, edith, "--locale", "fr-FR", lines=[])
    assert result.exit_code == 2
    assert "no interaction model for locale 'fr-FR'" in result.output


def test_a_pretend_time_needs_the_in_process_skill(db: Path, edith: str) -> None:
    result = chat(db, edith, "--at", MORNING, "--url", "http://127.0.0.1:9/alexa", lines=[])
    assert result.exit_code == 2
    assert "--at works only in process" in result.output


def test_a_name_the_carer_recorded_is_understood_as_that_medicine(db: Path, edith: str) -> None:
    # GIVEN the carer records with the CLI that Edith calls her 8 o'clock Bisoprolol her "heart pill"
    # (an hour before the console's MORNING by the clock `med add` reads, so that day's doses are planned)
    with time_machine.travel(datetime.fromisoformat(MORNING) - timedelta(hours=1)):
        added = CliRunner().invoke(cli, ["--store", f"sqlite:///{db}", "med", "add", edith, "--name", "Bisoprolol",
                                         "--dose", "2.5 mg", "--at", "08:00", "--start", "2026-01-01",
                                         "--also-called", "heart pill"])
    assert added.exit_code == 0, added.output
    # WHEN she asks about, then logs, her heart pill by that name (Metformin is due at 8 too)
    result = chat(db, edith, "--at", MORNING, lines=[
        "did I take my heart pill", "I took my heart pill", "did I take my heart pills", "quit"])
    # THEN every answer is about Bisoprolol
    assert result.exit_code == 0, result.output
    said = alexa_lines(result)
    assert said[1] == "Not yet. Your Bisoprolol from 8 this morning isn't noted. Have you taken it?"
    assert said[2] == "Thanks, I've noted your Bisoprolol."
    assert said[3] == "Yes, you took your Bisoprolol at 8:05 this morning."
    # AND only Bisoprolol is logged
    store = SqliteStore(db)
    start = datetime(2026, 11, 25, tzinfo=UTC)
    taken = [d.medication_name for d in store.list_doses(edith, start, start + timedelta(days=1)) if d.is_logged]
    store.close()
    assert taken == ["Bisoprolol"]


def test_a_kind_of_medicine_with_no_recorded_name_is_asked_about_and_the_answer_used(db: Path, edith: str) -> None:
    # WHEN Edith, who has not been given a "heart pill" name, says she took her heart pill, then answers
    result = chat(db, edith, "--at", MORNING, lines=["I took my heart pill", "my ramipril", "quit"])
    # THEN she is asked which one, and her answer goes back to the same request
    assert result.exit_code == 0, result.output
    said = alexa_lines(result)
    assert said[1] == "Which one: Metformin or Ramipril?"
    assert said[2] == "Your Ramipril isn't due until 8 this evening. Have you already taken it?"
