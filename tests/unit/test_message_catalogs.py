"""The per-locale message catalogs: every sentence the skill speaks is data, in every locale, and short."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

from skill.conversation import catalog

ROOT = Path(__file__).resolve().parents[2]
MESSAGES = ROOT / "skill" / "conversation" / "messages"
# the modules that decide what is said (request verification and API clients only raise errors, never speak)
SPEAKING_CODE = [*sorted((ROOT / "skill" / "conversation").glob("*.py")),
                 *sorted((ROOT / "skill" / "alexa" / "handlers").glob("*.py")),
                 *(ROOT / "skill" / "alexa" / name for name in ("reply.py", "reminders.py", "followups.py"))]
LONG_ALLOWED = ("help", "reminder.")  # help is long on purpose; reminders are read by Alexa, not answered
PLACEHOLDER = re.compile(r"\{[^}]+\}")


def locales() -> dict[str, dict[str, str]]:
    return {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted(MESSAGES.glob("*.json"))}


def keys_used_in_code() -> set[str]:
    """Every literal key passed to a catalog (`say("...")`, `talk.say("...")`, `reprompt_key="..."`)."""
    found: set[str] = set()
    for path in SPEAKING_CODE:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "attr", getattr(node.func, "id", ""))
                if name in ("say", "_say", "catalog") and node.args and isinstance(node.args[0], ast.Constant):
                    found.add(str(node.args[0].value))
                found.update(str(k.value.value) for k in node.keywords
                             if k.arg in ("reprompt_key", "unlinked_key") and isinstance(k.value, ast.Constant))
            if isinstance(node, ast.ClassDef):
                for item in node.body:
                    if isinstance(item, ast.Assign) and getattr(item.targets[0], "id", "") == "unlinked_key" \
                            and isinstance(item.value, ast.Constant):
                        found.add(str(item.value.value))
    return found


def test_every_locale_holds_every_key() -> None:
    by_locale = locales()
    assert {"en-GB", "en-US"} <= set(by_locale)
    reference = set(by_locale["en-GB"])
    for name, messages in by_locale.items():
        assert set(messages) == reference, name


def test_every_key_the_code_speaks_is_in_the_catalogs() -> None:
    used = keys_used_in_code()
    assert len(used) > 60  # the scan found the skill's sentences
    assert used - set(locales()["en-GB"]) == set()


@pytest.mark.parametrize("locale", ["en-GB", "en-US"])
def test_answers_stay_short_enough_to_follow(locale: str) -> None:
    for key, text in locales()[locale].items():
        words = len(PLACEHOLDER.sub("a b", text).split())  # a filled-in name or time is about two words
        assert key.startswith(LONG_ALLOWED) or words <= 25, f"{key}: {words} words"


@pytest.mark.parametrize("locale", ["en-GB", "en-US"])
def test_questions_end_with_a_question_mark_and_templates_fill(locale: str) -> None:
    say = catalog.Catalog(locale)
    for key, text in locales()[locale].items():
        fields = {name: "x" for name in re.findall(r"\{(\w+)\}", text)}
        assert say(key, **fields)  # every template formats with its own fields
        if key.endswith((".ask", ".reprompt")) and key != "more.also":
            assert "?" in text or "say yes or no" in text, key


def test_no_sentences_are_written_in_the_voice_code() -> None:
    """Speech lives in the catalogs: a string of four or more words ending in sentence punctuation in the
    handlers or the dialogue is a sentence someone forgot to move."""
    sentence = re.compile(r"^[A-Z][^{}]*\b\w+ \w+ \w+ \w+[^{}]*[.?!]$")
    offenders = []
    for path in SPEAKING_CODE:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                      if isinstance(node, ast.FunctionDef | ast.ClassDef | ast.Module | ast.AsyncFunctionDef)
                      and node.body and isinstance(node.body[0], ast.Expr)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings \
                    and sentence.match(node.value.strip()):
                offenders.append(f"{path.relative_to(ROOT)}: {node.value[:50]}")
    assert offenders == []
