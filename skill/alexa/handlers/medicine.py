"""Which of the person's medicines a sentence is about, the questions we ask when that is not certain, and
the base of the intents that name one (log, check, skip, pills left).

Alexa resolves the medicine slot twice: against the person's own medicines (dynamic entities, sent at launch
with what they call each one as synonyms) and against the model's common names and kinds ("heart pill" is
CATEGORY_HEART). A kind says what sort of medicine, not which: only a name the carer recorded for one of the
person's medicines turns it into that medicine; otherwise we ask which one, never pick by likeness.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model.response import Response

from skill.alexa.handlers.base import Handler, elicit_slot, number_slot, resolved_values, slot_text
from skill.alexa.reply import reply
from skill.alexa.speech import choice, join
from skill.alexa.turn import Turn
from skill.domain.models import Medication

MEDICATION_SLOT = "medication"
KIND_ID_PREFIX = "CATEGORY_"  # the model's ids for kinds of medicine ("heart pill", "water tablet")


@dataclass(frozen=True)
class Resolution:
    """The medicine meant (`medication`), the whole day's doses (`generic`), or a question to ask: "Did you
    mean ...?" about `candidates`, or "Which one: ...?" among `choices`."""

    medication: Medication | None = None
    generic: bool = False
    candidates: tuple[Medication, ...] = ()
    choices: tuple[Medication, ...] = ()


def resolve_medication(handler_input: HandlerInput, turn: Turn) -> Resolution:
    # Imported here: the fuzzy matchers are only needed once someone names a medicine, not at cold start.
    from skill.alexa.matching import is_generic

    heard = slot_text(handler_input, MEDICATION_SLOT)
    if heard is None or is_generic(heard):
        return Resolution(generic=True)
    meds = turn.medications
    resolved = resolved_values(handler_input, MEDICATION_SLOT)
    dynamic_ids = {ident for _, ident, dynamic in resolved if dynamic}
    own = [m for m in meds if m.id in dynamic_ids]
    if own:
        return Resolution(medication=own[0]) if len(own) == 1 else Resolution(choices=by_name(own))
    static = [(value, ident or "") for value, ident, dynamic in resolved if not dynamic]
    kinds = [value for value, ident in static if ident.startswith(KIND_ID_PREFIX)]
    if kinds:
        return _by_kind([heard, *kinds], meds)
    return _matching([value for value, _ in static] + [heard], meds)


def _matching(texts: Sequence[str], meds: Sequence[Medication], nicknames_only: bool = False) -> Resolution:
    from skill.alexa.matching import match

    candidates: list[Medication] = []
    for text in texts:
        found = match(text, meds, nicknames_only=nicknames_only)
        if found.sure is not None:
            return Resolution(medication=found.sure)
        if found.choices:
            return Resolution(choices=by_name(found.choices))
        candidates.extend(m for m in found.candidates if m not in candidates)
    return Resolution(candidates=tuple(candidates[:2]))


def by_name(meds: Sequence[Medication]) -> tuple[Medication, ...]:
    """Choices are offered in alphabetical order, the same whichever store holds the list."""
    return tuple(sorted(meds, key=lambda m: m.name.casefold()))


def _by_kind(texts: Sequence[str], meds: Sequence[Medication]) -> Resolution:
    """ "Heart pill": the medicine the person calls that, else a question (near nicknames named first)."""
    found = _matching(texts, meds, nicknames_only=True)
    if found.medication is not None or found.choices:
        return found
    if len(meds) == 1:
        return Resolution(candidates=tuple(meds))
    return Resolution(choices=tuple(dict.fromkeys([*found.candidates, *by_name(meds)])))


def which_medicine(handler_input: HandlerInput, turn: Turn, resolution: Resolution, action: str,
                   count: int | None = None) -> Response:
    """Never guess: ask "Did you mean ...?" about a close name, or which one when several fit or none is close.
    "Which one" keeps the intent open (Dialog.ElicitSlot), so the next answer, a bare "Ramipril", comes back
    as this intent with the medicine filled in."""
    if resolution.choices:
        question = f"Which one: {choice([m.name for m in resolution.choices])}?"
        elicit_slot(handler_input, MEDICATION_SLOT)
        return reply(handler_input, question, reprompt=question)
    if resolution.candidates:
        first = resolution.candidates[0]
        return reply(handler_input, f"Did you mean {first.name}?", reprompt=f"Did you mean {first.name}?",
                     pending={"kind": "which", "action": action, "ids": [m.id for m in resolution.candidates],
                              "count": count})
    names = join([m.name for m in turn.medications])
    if not names:
        return reply(handler_input, "You don't have any medicines on your list yet.", end=True)
    elicit_slot(handler_input, MEDICATION_SLOT)
    text = f"Sorry, I didn't recognise that medicine. You take {names}. Which one did you mean?"
    return reply(handler_input, text, reprompt=f"Which medicine? You take {names}.")


class MedicineHandler(Handler):
    """An intent about one medicine, or about all of them ("my pills"); an uncertain name becomes a question."""

    action = ""  # what a "yes" to "Did you mean ...?" goes on to do (conversation.ACTIONS)

    def answer(self, handler_input: HandlerInput, turn: Turn) -> Response:
        count = number_slot(handler_input, "count")
        resolution = resolve_medication(handler_input, turn)
        if resolution.medication is not None:
            return self.for_medicine(handler_input, turn, resolution.medication, count)
        if resolution.generic:
            return self.for_all(handler_input, turn)
        return which_medicine(handler_input, turn, resolution, self.action, count)

    def for_medicine(self, handler_input: HandlerInput, turn: Turn, medication: Medication,
                     count: int | None) -> Response:
        raise NotImplementedError

    def for_all(self, handler_input: HandlerInput, turn: Turn) -> Response:
        """No medicine named; by default, ask which one."""
        return which_medicine(handler_input, turn, Resolution(), self.action)
