"""Runs the evaluation corpus through virtual-alexa and scores what the skill would receive.

A line scores when the intent is right and every slot is right: each slot the corpus names has that value
("*" accepts any value or none) and no other slot is filled. virtual-alexa reports built-in slot values as
heard ("ten", "half an hour"); they are turned into what Alexa sends ("10", "PT30M") with the console's
parsers, and custom slots are compared by their resolved id.

Some sentences need two slots side by side ("I took ten paracetamol": {count} {medication}). Real Alexa fills
both; virtual-alexa cannot (skill/voice_grammar/expand.py, ADJACENT_PAIRS). A line virtual-alexa misses that
the console's matcher hears through such a sample is not counted in the virtual-alexa rate: it is a separate,
honest figure ("needs real Alexa"): it is counted there only when the console's matcher (which `dosekeeper
chat` uses) hears it right; a line neither hears right stays a miss.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from skill.voice_console.matcher import UtteranceMatcher
from skill.voice_console.model import InteractionModel, parse_model
from skill.voice_console.resolution import find_values
from skill.voice_console.slot_values import PARSERS
from skill.voice_grammar.expand import adjacent_pairs

ROOT = Path(__file__).resolve().parents[2]
CORPUS_DIR = Path(__file__).resolve().parent
HELD_OUT_DIR = CORPUS_DIR / "held_out"  # never used to tune the grammar: an honest second figure
RUNNER = CORPUS_DIR / "run.js"
MODELS_DIR = ROOT / "interaction_models"
LOCALES = ("en-GB", "en-US")
ANY = "*"


@dataclass(frozen=True, slots=True)
class Line:
    say: str
    intent: str
    slots: dict[str, str]


@dataclass(frozen=True, slots=True)
class Heard:
    intent: str | None
    slots: dict[str, dict[str, Any]]  # name -> {"value": as heard, "id": resolved id or None}


@dataclass(slots=True)
class Score:
    locale: str
    per_intent: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    misses: list[tuple[Line, Heard]] = field(default_factory=list)
    # lines virtual-alexa cannot hear that the console's matcher hears right with two slots side by side
    real_alexa: list[Line] = field(default_factory=list)

    @property
    def rate_all_lines(self) -> float:
        """Every line, the real-Alexa-only ones counted as misses: what virtual-alexa alone would say."""
        lines = self.total + len(self.real_alexa)
        return self.right / lines if lines else 0.0

    @property
    def total(self) -> int:
        return sum(n for _, n in self.per_intent.values())

    @property
    def right(self) -> int:
        return sum(r for r, _ in self.per_intent.values())

    @property
    def rate(self) -> float:
        return self.right / self.total if self.total else 0.0


def load_corpus(locale: str, directory: Path = CORPUS_DIR) -> list[Line]:
    raw = yaml.safe_load((directory / f"{locale}.yaml").read_text(encoding="utf-8"))
    return [Line(str(u["say"]), str(u["intent"]), {k: str(v) for k, v in (u.get("slots") or {}).items()})
            for u in raw["utterances"]]


def node() -> str | None:
    return shutil.which("node")


def run(locale: str, lines: list[Line], model: Path | None = None) -> list[Heard]:
    """One node process for the whole locale: virtual-alexa loads the model once."""
    executable = node()
    if executable is None:
        raise RuntimeError("node is not installed")
    model_path = model or MODELS_DIR / f"{locale}.json"
    spoken = "\n".join(line.say for line in lines) + "\n"
    done = subprocess.run([executable, str(RUNNER), str(model_path)], input=spoken, capture_output=True, text=True,
                          cwd=ROOT, timeout=600, check=True)
    heard = [json.loads(row) for row in done.stdout.splitlines() if row.strip()]
    if len(heard) != len(lines):
        raise RuntimeError(f"the runner answered {len(heard)} of {len(lines)} lines: {done.stderr[-2000:]}")
    return [Heard(h["intent"], h["slots"]) for h in heard]


def slot_value(slot_type: str | None, heard: dict[str, Any]) -> str:
    if heard.get("id"):
        return str(heard["id"])
    parser = PARSERS.get(slot_type or "")
    value = str(heard["value"])
    parsed = parser(value) if parser is not None else None
    return parsed if parsed is not None else value


def is_right(line: Line, heard: Heard, slot_types: dict[str, str]) -> bool:
    if heard.intent != line.intent:
        return False
    for name, expected in line.slots.items():
        if expected == ANY:
            continue
        got = heard.slots.get(name)
        if got is None or slot_value(slot_types.get(name), got) != expected:
            return False
    return set(heard.slots) <= set(line.slots)


def model_slot_types(model: Path) -> dict[str, str]:
    data = json.loads(model.read_text(encoding="utf-8"))
    return {s["name"]: s["type"] for i in data["interactionModel"]["languageModel"]["intents"]
            for s in i.get("slots", [])}


def console_heard(matcher: UtteranceMatcher, model: InteractionModel, say: str) -> tuple[Heard, bool]:
    """What `dosekeeper chat` hears, in the runner's shape, and whether it took two slots side by side."""
    match = matcher.match(say)
    if match is None:
        return Heard(None, {}), False
    slots: dict[str, dict[str, Any]] = {}
    for name, fill in match.slots.items():
        found = find_values(fill.spoken, model.slot_types.get(fill.slot_type, ()))
        slots[name] = {"value": fill.spoken, "id": found[0].id if found else None}
    return Heard(match.intent, slots), bool(adjacent_pairs(match.sample))


def score(locale: str, model: Path | None = None, directory: Path = CORPUS_DIR) -> Score:
    model_path = model or MODELS_DIR / f"{locale}.json"
    lines = load_corpus(locale, directory)
    types = model_slot_types(model_path)
    result = Score(locale)
    console: tuple[UtteranceMatcher, InteractionModel] | None = None
    for line, heard in zip(lines, run(locale, lines, model_path), strict=True):
        if is_right(line, heard, types):
            result.per_intent[line.intent][0] += 1
            result.per_intent[line.intent][1] += 1
            continue
        if console is None:
            parsed = parse_model(locale, json.loads(model_path.read_text(encoding="utf-8")))
            console = (UtteranceMatcher(parsed), parsed)
        typed, adjacent = console_heard(*console, line.say)
        if adjacent and is_right(line, typed, types):
            result.real_alexa.append(line)
            continue
        result.per_intent[line.intent][1] += 1
        result.misses.append((line, heard))
    return result


def table(scores: list[Score]) -> str:
    """Per-intent and per-locale rates, as a Markdown table."""
    intents = sorted({i for s in scores for i in s.per_intent})
    head = "| intent | " + " | ".join(s.locale for s in scores) + " |"
    rows = [head, "|---|" + "---|" * len(scores)]
    for intent in intents:
        cells = []
        for s in scores:
            right, total = s.per_intent.get(intent, [0, 0])
            cells.append(f"{right}/{total}" if total else "-")
        rows.append(f"| {intent} | " + " | ".join(cells) + " |")
    rows.append("| **all (virtual-alexa)** | "
                + " | ".join(f"**{s.right}/{s.total} = {s.rate:.1%}**" for s in scores) + " |")
    rows.append("| needs real Alexa: two slots side by side (heard right by the console) | "
                + " | ".join(f"{len(s.real_alexa)} lines" for s in scores) + " |")
    rows.append("| every line, those counted as misses | "
                + " | ".join(f"{s.right}/{s.total + len(s.real_alexa)} = {s.rate_all_lines:.1%}" for s in scores)
                + " |")
    return "\n".join(rows)
