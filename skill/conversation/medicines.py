"""Which of the person's medicines a sentence is about, or that we must ask.

The assistant resolves the medicine slot twice: against the person's own medicines (dynamic entities, with
what they call each one as synonyms) and against the model's common names and kinds ("heart pill" is
CATEGORY_HEART). A kind says what sort of medicine, not which: only a name the carer recorded for one of the
person's medicines turns it into that medicine; otherwise we ask which one, never pick by likeness. A bare
common name the person does not take ("Ramipril" said by someone who takes none) is asked about too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from skill.conversation.utterance import SlotValue
from skill.domain.models import Medication

KIND_ID_PREFIX = "CATEGORY_"  # the model's ids for kinds of medicine ("heart pill", "water tablet")


@dataclass(frozen=True)
class Resolution:
    """The medicine meant (`medication`), all of them (`generic`), or a question: "Did you mean ...?" about
    `candidates`, or "Which one: ...?" among `choices`. `unknown` keeps what was heard when nothing fitted."""

    medication: Medication | None = None
    generic: bool = False
    candidates: tuple[Medication, ...] = ()
    choices: tuple[Medication, ...] = ()
    unknown: str | None = None


def by_name(meds: Sequence[Medication]) -> tuple[Medication, ...]:
    """Choices are offered in alphabetical order, the same whichever store holds the list."""
    return tuple(sorted(meds, key=lambda m: m.name.casefold()))


def resolve(slot: SlotValue, meds: Sequence[Medication]) -> Resolution:
    # Imported here: the fuzzy matchers are only needed once someone names a medicine, not at cold start.
    from skill.conversation.matching import is_generic

    heard = slot.heard
    if heard is None or is_generic(heard):
        return Resolution(generic=True)
    own = [m for m in meds if m.id in slot.own_ids]
    if own:
        return Resolution(medication=own[0]) if len(own) == 1 else Resolution(choices=by_name(own))
    kinds = [name for name, ident in zip(slot.names, slot.ids, strict=False) if ident.startswith(KIND_ID_PREFIX)]
    if kinds:
        return _by_kind([heard, *kinds], meds)
    found = _matching([*slot.names, heard], meds)
    if found.medication is None and not found.choices and not found.candidates:
        return Resolution(unknown=heard)
    return found


def _matching(texts: Sequence[str], meds: Sequence[Medication], nicknames_only: bool = False) -> Resolution:
    from skill.conversation.matching import match

    candidates: list[Medication] = []
    for text in texts:
        found = match(text, meds, nicknames_only=nicknames_only)
        if found.sure is not None:
            return Resolution(medication=found.sure)
        if found.choices:
            return Resolution(choices=by_name(found.choices))
        candidates.extend(m for m in found.candidates if m not in candidates)
    return Resolution(candidates=tuple(candidates[:2]))


def _by_kind(texts: Sequence[str], meds: Sequence[Medication]) -> Resolution:
    """ "Heart pill": the medicine the person calls that, else a question (near nicknames named first)."""
    found = _matching(texts, meds, nicknames_only=True)
    if found.medication is not None or found.choices:
        return found
    if len(meds) == 1:
        return Resolution(candidates=tuple(meds))
    return Resolution(choices=tuple(dict.fromkeys([*found.candidates, *by_name(meds)])))
