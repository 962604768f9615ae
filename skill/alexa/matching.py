"""Which of the person's own medicines a heard name means, or that we must ask.

Speech recognition turns "metformin" into "met for men" and "ramipril" into "rami pill". We only ever match
against the person's own list (a handful of names), with a fuzzy spelling score (rapidfuzz) and a sounds-alike
score (jellyfish's Metaphone and NYSIIS). A confident, clear winner is used; two close candidates, or a
middling single one, become "Did you mean ...?", so a mishearing never logs the wrong medicine silently.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import jellyfish
from rapidfuzz import fuzz

from skill.domain.models import Medication

SURE = 85.0  # at or above: use it without asking (if nothing else is close)
MAYBE = 60.0  # at or above: worth asking "did you mean"
CLOSE = 10.0  # two candidates this close are ambiguous
GENERIC_WORDS = frozenset({
    "pill", "pills", "medicine", "medicines", "medication", "medications", "tablet", "tablets", "meds",
    "dose", "doses", "everything", "all", "them", "it", "my pills", "my medicine", "my tablets",
})


@dataclass(frozen=True, slots=True)
class Match:
    """`sure` is the medicine to act on; otherwise `candidates` are the ones to ask about (best first)."""

    sure: Medication | None
    candidates: tuple[Medication, ...] = ()


def is_generic(heard: str) -> bool:
    """ "my pills", "medicine": the person means every dose that is due, not one medicine."""
    words = " ".join(heard.casefold().split())
    return words in GENERIC_WORDS or words.removeprefix("my ") in GENERIC_WORDS


def _squash(text: str) -> str:
    return "".join(ch for ch in text.casefold() if ch.isalnum())


def score(heard: str, name: str) -> float:
    """0-100: the better of how it is spelt and how it sounds."""
    a, b = _squash(heard), _squash(name)
    if not a or not b:
        return 0.0
    spelt = max(fuzz.ratio(a, b), fuzz.partial_ratio(a, b) - 10 if len(a) >= 4 else 0)
    sounds = max(fuzz.ratio(jellyfish.metaphone(a), jellyfish.metaphone(b)),
                 fuzz.ratio(jellyfish.nysiis(a), jellyfish.nysiis(b)))
    return float(max(spelt, sounds - 5))


def match(heard: str, medications: Sequence[Medication]) -> Match:
    if not heard.strip() or not medications:
        return Match(None)
    for med in medications:
        if _squash(med.name) == _squash(heard):
            return Match(med)
    ranked = sorted(((score(heard, m.name), m) for m in medications), key=lambda pair: -pair[0])
    best_score, best = ranked[0]
    close = [m for s, m in ranked if s >= MAYBE and best_score - s < CLOSE]
    if best_score >= SURE and len(close) == 1:
        return Match(best)
    if best_score >= MAYBE:
        return Match(None, tuple(close[:2]))
    return Match(None)
