"""Typed sentence -> intent and slot values, using the model's sample utterances as the grammar.

Each sample becomes a regular expression with a named group per slot: built-in types (number, duration,
time) get patterns of what can be said for them, custom types accept any words. Of all the samples that
match the whole sentence, the most specific wins: the most literal words, then the most built-in slots,
then the most custom slot values that resolve to a known entity. That is close enough to Alexa's own
choice for a console, and it keeps "did I take my pills today" off the {medication} sample.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from skill.voice_console.model import InteractionModel
from skill.voice_console.slot_values import PARSERS, PATTERNS
from skill.voice_console.text import normalise, strip_wake_words

# What Alexa's built-in intents understand without any sample in the model.
BUILTIN_SAMPLES: dict[str, tuple[str, ...]] = {
    "AMAZON.YesIntent": ("yes", "yeah", "yep", "yup", "sure", "ok", "okay", "correct", "that's right"),
    "AMAZON.NoIntent": ("no", "nope", "nah", "no thanks", "no thank you"),
    "AMAZON.HelpIntent": ("help", "help me", "help please"),
    "AMAZON.StopIntent": ("stop", "be quiet", "quiet", "off", "stop it", "that's enough", "goodbye", "bye"),
    "AMAZON.CancelIntent": ("cancel", "never mind", "forget it", "cancel that"),
    "AMAZON.NavigateHomeIntent": ("go home", "home"),
    "AMAZON.RepeatIntent": ("repeat", "repeat that", "say again", "again"),
}
_SLOT = re.compile(r"\{(\w+)\}")
ANY_WORDS = r"[a-z0-9'][a-z0-9': ]*?"

KnownValue = Callable[[str, str], bool]  # (slot type, spoken value) -> resolves to an entity


@dataclass(frozen=True, slots=True)
class SlotFill:
    name: str
    slot_type: str
    spoken: str  # what was said, for a custom slot the value Alexa sends
    value: str  # what Alexa sends in `value`: digits, ISO duration, HH:MM, or the words


@dataclass(frozen=True, slots=True)
class IntentMatch:
    intent: str
    slots: dict[str, SlotFill]
    sample: str


@dataclass(frozen=True, slots=True)
class _Compiled:
    intent: str
    sample: str
    regex: re.Pattern[str]
    slot_types: dict[str, str]
    literal_words: int


def _compile(intent: str, sample: str, slot_types: dict[str, str]) -> _Compiled | None:
    parts: list[str] = []
    literal = 0
    used: dict[str, str] = {}
    for token in normalise_sample(sample).split():
        slot = _SLOT.fullmatch(token)
        if slot:
            name = slot.group(1)
            if name not in slot_types or name in used:
                return None
            used[name] = slot_types[name]
            parts.append(f"(?P<{name}>{PATTERNS.get(slot_types[name], ANY_WORDS)})")
        else:
            literal += 1
            parts.append(re.escape(token))
    return _Compiled(intent, sample, re.compile(r"\s+".join(parts)), used, literal)


def normalise_sample(sample: str) -> str:
    """Samples keep their {slot} references while everything else is normalised like typed text."""
    pieces = re.split(r"(\{\w+\})", sample)
    return " ".join(p if _SLOT.fullmatch(p) else normalise(p) for p in pieces if p.strip())


class UtteranceMatcher:
    def __init__(self, model: InteractionModel) -> None:
        self.model = model
        self._compiled: list[_Compiled] = []
        for intent in model.intents.values():
            samples = [*intent.samples, *BUILTIN_SAMPLES.get(intent.name, ())]
            for sample in dict.fromkeys(samples):
                compiled = _compile(intent.name, sample, intent.slots)
                if compiled is not None:
                    self._compiled.append(compiled)

    def match(self, text: str, known: KnownValue | None = None) -> IntentMatch | None:
        """The best intent for a sentence, or None (Alexa would send AMAZON.FallbackIntent)."""
        cleaned = strip_wake_words(normalise(text))
        if not cleaned:
            return None
        return _best(self._compiled, cleaned, known)

    def match_slot(self, intent: str, slot: str, text: str, known: KnownValue | None = None) -> dict[str, SlotFill]:
        """Fill a slot Alexa asked for ("What time?" -> "at 8 am"), with the intent's slot samples first."""
        cleaned = strip_wake_words(normalise(text))
        model = self.model.intents[intent]
        samples = model.slot_samples.get(slot) or ("{" + slot + "}",)
        compiled = [c for c in (_compile(intent, s, model.slots) for s in samples) if c is not None]
        best = _best(compiled, cleaned, known)
        if best is not None:
            return best.slots
        fill = _fill(slot, model.slots[slot], cleaned)
        return {slot: fill} if fill is not None else {}


def _fill(name: str, slot_type: str, spoken: str) -> SlotFill | None:
    parser = PARSERS.get(slot_type)
    if parser is None:
        return SlotFill(name, slot_type, spoken, spoken) if spoken else None
    value = parser(spoken)
    return SlotFill(name, slot_type, spoken, value) if value is not None else None


def _best(candidates: Iterable[_Compiled], text: str, known: KnownValue | None) -> IntentMatch | None:
    best: tuple[tuple[int, int, int, int], IntentMatch] | None = None
    for compiled in candidates:
        found = compiled.regex.fullmatch(text)
        if found is None:
            continue
        slots: dict[str, SlotFill] = {}
        for name, slot_type in compiled.slot_types.items():
            fill = _fill(name, slot_type, found.group(name).strip())
            if fill is None:
                break
            slots[name] = fill
        else:
            custom = [s for s in slots.values() if s.slot_type not in PARSERS]
            score = (
                compiled.literal_words,
                len(slots) - len(custom),
                sum(1 for s in custom if known is not None and known(s.slot_type, s.spoken)),
                -sum(len(s.spoken) for s in custom),
            )
            if best is None or score > best[0]:
                best = (score, IntentMatch(compiled.intent, slots, compiled.sample))
    return best[1] if best else None
