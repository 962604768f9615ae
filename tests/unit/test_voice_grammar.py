"""The grammar is the source of the interaction models: generated files must match it, and it must stay valid."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from skill.voice_grammar.__main__ import main
from skill.voice_grammar.expand import ADJACENT_PAIRS, expand, parse_rules, sample_problem
from skill.voice_grammar.files import MODEL_DIRS, generate, stale
from skill.voice_grammar.grammar import GRAMMAR_DIR, SHARED_FILES, GrammarError, available_locales, load_grammar
from skill.voice_grammar.model import build_model

GENERATED = generate()


def test_both_english_locales_have_a_grammar() -> None:
    assert set(available_locales()) >= {"en-GB", "en-US"}


@pytest.mark.parametrize("directory", MODEL_DIRS, ids=lambda d: str(d.relative_to(d.parents[1])))
def test_the_checked_in_models_are_what_the_grammar_generates(directory: Path) -> None:
    # GIVEN the grammar  WHEN it is expanded  THEN each model file (and its packaged copy) is byte-identical
    out_of_date = [p for p in stale(GENERATED) if p.parent == directory]
    assert out_of_date == [], "stale: run `python -m skill.voice_grammar build`"


def test_check_names_a_stale_file_and_exits_1(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN copies of the model folders, one of them edited by hand
    import skill.voice_grammar.files as files

    copies = []
    for directory in MODEL_DIRS:
        copy = tmp_path / directory.parent.name / directory.name
        copy.mkdir(parents=True)
        for item in GENERATED:
            (copy / f"{item.locale}.json").write_text(item.text, encoding="utf-8")
        copies.append(copy)
    edited = copies[1] / "en-GB.json"
    edited.write_text(edited.read_text(encoding="utf-8").replace('"i took it"', '"i took it yesterday"'),
                      encoding="utf-8")
    monkeypatch.setattr(files, "MODEL_DIRS", tuple(copies))
    monkeypatch.setattr("skill.voice_grammar.__main__.ROOT", tmp_path)
    # WHEN `check` runs  THEN it fails and says which file
    assert main(["check"]) == 1
    assert "en-GB.json" in capsys.readouterr().err
    # AND after `build` the check passes
    assert main(["build"]) == 0
    assert main(["check"]) == 0


def test_an_unknown_command_is_a_usage_error() -> None:
    assert main(["publish"]) == 2


@pytest.mark.parametrize("locale", ["en-GB", "en-US"])
def test_the_generated_model_keeps_what_the_hand_written_one_had(locale: str) -> None:
    model = json.loads(next(g.text for g in GENERATED if g.locale == locale))["interactionModel"]
    assert model["languageModel"]["invocationName"] == "dose keeper"
    assert [p["id"] for p in model["prompts"]][-1] == "Confirm.Intent.AddMedication"
    assert all(v["type"] == "PlainText" for p in model["prompts"] for v in p["variations"])
    assert {i["name"] for i in model["languageModel"]["intents"]} >= {
        "AMAZON.HelpIntent", "AMAZON.FallbackIntent", "AMAZON.NavigateHomeIntent", "AddMedicationIntent"}


def test_templates_expand_with_hassil_rules_and_keep_slots() -> None:
    rules = parse_rules({"took": "(i took|i've had)", "meds": "(tablets|pills)"})
    assert expand("<took> my [morning] <meds>", rules) == [
        "i took my morning tablets", "i took my morning pills", "i took my tablets", "i took my pills",
        "i've had my morning tablets", "i've had my morning pills", "i've had my tablets", "i've had my pills"]
    assert expand("Did I take my {medication} [today]", rules) == [
        "did i take my {medication} today", "did i take my {medication}"]


@pytest.mark.parametrize(("sample", "problem"), [
    ("i took {medication} {count}", "two slots side by side"),
    ("i took my {unknown}", "slots the intent does not declare: ['unknown']"),
    ("i took 2", "only lower-case words, apostrophes and {slots} are allowed"),
    ("i took my {medication} and my {medication}", "a slot appears twice"),
    ("a " * 101, "longer than 200 characters"),
])
def test_samples_alexa_would_mishandle_are_refused(sample: str, problem: str) -> None:
    assert sample_problem(sample.strip() if len(sample) < 200 else sample, ["count", "medication"]) == problem


def test_only_the_listed_slot_pairs_may_touch() -> None:
    # GIVEN the pairs real Alexa fills side by side ("i took ten paracetamol", "my bisoprolol this morning")
    assert ("count", "medication") in ADJACENT_PAIRS
    slots = ["count", "medication", "timeOfDay", "takenAgo"]
    # THEN those samples are valid, and any other pair still needs a word between the slots
    assert sample_problem("i took {count} {medication}", slots) is None
    assert sample_problem("i took my {medication} {timeOfDay}", slots) is None
    assert sample_problem("i took my {medication} {takenAgo} ago", slots) is None
    assert sample_problem("i took {timeOfDay} {count}", slots) == "two slots side by side"


def _grammar_copy(tmp_path: Path) -> Path:
    grammar_dir = GRAMMAR_DIR
    for name in (*SHARED_FILES, "en-GB.yaml"):
        (tmp_path / name).write_text((grammar_dir / name).read_text(encoding="utf-8"), encoding="utf-8")
    return tmp_path


def test_a_block_marked_around_is_also_said_with_fillers_and_politeness(tmp_path: Path) -> None:
    # GIVEN a sentence in a block marked `around: true`
    grammar_dir = _grammar_copy(tmp_path)
    with (grammar_dir / "en-GB.yaml").open("a", encoding="utf-8") as extra:
        extra.write('  SlowerIntent:\n    data:\n      - around: true\n        sentences:\n'
                    '          - "steady on"\n')
    # WHEN the model is built
    samples = next(i for i in build_model(load_grammar("en-GB", grammar_dir))["interactionModel"]
                   ["languageModel"]["intents"] if i["name"] == "SlowerIntent")["samples"]
    # THEN it is said bare, after a hesitation, before a thank-you, and with both
    assert {"steady on", "um steady on", "steady on thank you", "oh steady on love"} <= set(samples)


def test_had_with_a_bare_time_of_day_is_a_meal_not_a_dose() -> None:
    # "I had breakfast" must never log the morning doses; "I took tonight's" must
    for locale in ("en-GB", "en-US"):
        model = json.loads(next(g.text for g in GENERATED if g.locale == locale))["interactionModel"]
        samples = {s for i in model["languageModel"]["intents"] for s in i.get("samples", [])}
        assert "i took {timeOfDay}" in samples
        assert not {"i had {timeOfDay}", "i've had {timeOfDay}", "had {timeOfDay}"} & samples


def test_a_sample_claimed_by_two_intents_stops_the_build(tmp_path: Path) -> None:
    # GIVEN a grammar where a sentence belongs to two intents
    _grammar_copy(tmp_path)
    with (tmp_path / "en-GB.yaml").open("a", encoding="utf-8") as extra:
        extra.write('  AMAZON.StopIntent:\n    data:\n      - sentences:\n          - "i took it"\n')
    # WHEN the model is built  THEN the build fails naming both intents
    with pytest.raises(GrammarError, match=r"'i took it' is in both LogDoseIntent and AMAZON\.StopIntent"):
        build_model(load_grammar("en-GB", tmp_path))
