"""Templates to sample utterances, with hassil's parser and sampler (lists stay as {slot} placeholders)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache

from hassil.expression import Sentence
from hassil.parse_expression import parse_sentence
from hassil.sample import sample_expression

from skill.voice_grammar.grammar import GrammarError

SLOT = re.compile(r"\{(\w+)\}")
ADJACENT_SLOTS = re.compile(r"\{(\w+)\}\s*(?=\{(\w+)\})")
# Slot pairs that may touch in a sample. Real Alexa fills both ("i took {count} {medication}": "i took ten
# paracetamol"), and so does the console's matcher; virtual-alexa cannot (its regular expression gives the
# whole rest of the sentence to the first slot), so the corpus test counts sentences that need one of these
# apart, as "needs real Alexa". Any other pair is refused: a word must sit between them.
ADJACENT_PAIRS: frozenset[tuple[str, str]] = frozenset({
    ("count", "medication"),  # "i took ten paracetamol"
    ("medication", "timeOfDay"),  # "i took my bisoprolol this morning"
    ("medication", "takenAgo"),  # "i took my metformin an hour ago"
})
# What Alexa accepts in a sample: lower-case words with apostrophes, and {slot} references.
SAMPLE_WORDS = re.compile(r"^(?:[a-z][a-z']*|\{[A-Za-z]+\})(?: (?:[a-z][a-z']*|\{[A-Za-z]+\}))*$")
MAX_SAMPLE_CHARS = 200


def parse_rules(rules: Mapping[str, str]) -> dict[str, Sentence]:
    parsed: dict[str, Sentence] = {}
    for name, template in rules.items():
        try:
            parsed[name] = parse_sentence(template)
        except Exception as exc:  # hassil raises several parse errors; all mean the same to the author
            raise GrammarError(f"rule <{name}>: {exc}") from exc
    return parsed


def expand(template: str, rules: Mapping[str, Sentence]) -> list[str]:
    """Every sentence a template can produce, in hassil's order, lower case and single-spaced."""
    try:
        sentence = parse_sentence(template)
        texts = sample_expression(sentence.expression, slot_lists={}, expansion_rules=dict(rules),
                                  expand_lists=False)
        return list(dict.fromkeys(_tidy(t) for t in texts))
    except GrammarError:
        raise
    except Exception as exc:
        raise GrammarError(f"{template!r}: {exc}") from exc


@lru_cache(maxsize=4096)
def _tidy(text: str) -> str:
    """Lower case and single spaces, leaving {slotNames} as written."""
    pieces = re.split(r"(\{\w+\})", text)
    return " ".join("".join(p if SLOT.fullmatch(p) else p.lower() for p in pieces).split())


def expand_values(template: str) -> list[str]:
    """The words a slot value is known by ("(heart pill|heart tablets)"), the first being its name."""
    return [t for t in expand(template, {}) if t]


def adjacent_pairs(sample: str) -> list[tuple[str, str]]:
    """The slot pairs that touch in a sample, in order ("{count} {medication}" -> [("count", "medication")])."""
    return [(m.group(1), m.group(2)) for m in ADJACENT_SLOTS.finditer(sample)]


def sample_problem(sample: str, slots: Iterable[str]) -> str | None:
    """Why Alexa (or its simulators) would mishandle a sample, or None if it is fine."""
    if not sample:
        return "empty sample"
    if len(sample) > MAX_SAMPLE_CHARS:
        return f"longer than {MAX_SAMPLE_CHARS} characters"
    if not SAMPLE_WORDS.match(sample):
        return "only lower-case words, apostrophes and {slots} are allowed"
    used = SLOT.findall(sample)
    if len(used) != len(set(used)):
        return "a slot appears twice"
    unknown = set(used) - set(slots)
    if unknown:
        return f"slots the intent does not declare: {sorted(unknown)}"
    for pair in adjacent_pairs(sample):
        if pair not in ADJACENT_PAIRS:
            return "two slots side by side"
    return None
