"""Which of the person's own medicines a heard name means, or that we must ask.

Speech recognition turns "metformin" into "met for men" and "ramipril" into "rami pill". We only ever match
against the person's own list (a handful of names, plus what they call each medicine, such as "heart pill"),
with a fuzzy spelling score (rapidfuzz) and a sounds-alike score (jellyfish's Metaphone and NYSIIS). A
confident, clear winner is used; two close candidates, or a middling single one, become "Did you mean ...?",
and a name two medicines share becomes "Which one?", so a mishearing never logs the wrong medicine silently.
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
# Words that say "a medicine" without saying which: "heart tablet" and "heart pill" are the same nickname.
FILLER_WORDS = frozenset({
    "my", "the", "pill", "pills", "tablet", "tablets", "medicine", "medicines", "medication", "medications",
    "meds", "capsule", "capsules",
})


@dataclass(frozen=True)
class Match:
    """`sure` is the medicine to act on; otherwise `candidates` to ask "did you mean" about (best first),
    or `choices` when the name fits several medicines equally (the person is asked which one)."""

    sure: Medication | None
    candidates: tuple[Medication, ...] = ()
    choices: tuple[Medication, ...] = ()


def is_generic(heard: str) -> bool:
    """ "my pills", "medicine": the person means every dose that is due, not one medicine."""
    words = " ".join(heard.casefold().split())
    return words in GENERIC_WORDS or words.removeprefix("my ") in GENERIC_WORDS


def _squash(text: str) -> str:
    return "".join(ch for ch in text.casefold() if ch.isalnum())


def _core(text: str) -> str:
    return _squash(" ".join(w for w in text.casefold().split() if w not in FILLER_WORDS))


def same_name(heard: str, name: str) -> bool:
    """Exactly the name, ignoring case, spacing and words like "tablet" ("metformin tablets" is Metformin)."""
    if _squash(heard) == _squash(name):
        return True
    core = _core(heard)
    return bool(core) and core == _core(name)


def score(heard: str, name: str) -> float:
    """0-100: the better of how it is spelt and how it sounds."""
    a, b = _squash(heard), _squash(name)
    if not a or not b:
        return 0.0
    spelt = max(fuzz.ratio(a, b), fuzz.partial_ratio(a, b) - 10 if len(a) >= 4 else 0)
    sounds = max(fuzz.ratio(jellyfish.metaphone(a), jellyfish.metaphone(b)),
                 fuzz.ratio(jellyfish.nysiis(a), jellyfish.nysiis(b)))
    return float(max(spelt, sounds - 5))


def names_of(medication: Medication, nicknames_only: bool = False) -> tuple[str, ...]:
    return medication.also_called if nicknames_only else (medication.name, *medication.also_called)


def match(heard: str, medications: Sequence[Medication], *, nicknames_only: bool = False) -> Match:
    """`nicknames_only`: compare with what the person calls each medicine, not its name (for "heart pill",
    whose likeness to "Ramipril" is an accident of spelling)."""
    if not heard.strip() or not medications:
        return Match(None)
    exact = [m for m in medications if any(same_name(heard, n) for n in names_of(m, nicknames_only))]
    if len(exact) == 1:
        return Match(exact[0])
    if exact:
        return Match(None, choices=tuple(exact))
    scored = ((max((score(heard, n) for n in names_of(m, nicknames_only)), default=0.0), m) for m in medications)
    ranked = sorted(scored, key=lambda pair: -pair[0])
    best_score, best = ranked[0]
    close = [m for s, m in ranked if s >= MAYBE and best_score - s < CLOSE]
    if best_score >= SURE and len(close) == 1:
        return Match(best)
    if best_score >= MAYBE:
        return Match(None, tuple(close[:2]))
    return Match(None)
