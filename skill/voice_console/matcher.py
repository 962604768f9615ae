"""Typed sentence -> intent and slot values, using the model's sample utterances as the grammar.

Each sample becomes a regular expression with a named group per slot: built-in types (number, duration,
time) get patterns of what can be said for them, custom types accept any words. Of all the samples that
match the whole sentence, the best wins: the fewest custom slot values that resolve to nothing known (the
person's own medicines, or the values of the model's slot types, as Alexa's entity resolution favours),
then the most literal words, then the most built-in slots, then the shortest custom values. That is close
enough to Alexa's own choice for a console: it keeps "did I take my pills today" off the {medication}
sample, "my morning tablets" on {timeOfDay}, and "my heart pills" on {medication} rather than a time of
day called "heart".

The generated models hold some twenty thousand samples, and this runs once per typed line. A sample's
words are literal, so a sentence can only match samples that begin with its first word (or with a slot)
and end with its last word (or a slot): samples are indexed by first word, and each one's expression is
compiled the first time a sentence could match it.

Two slots may touch where the grammar allows it ("i took {count} {medication}", "my {medication}
{timeOfDay}"), as real Alexa does. A number or a time has its own pattern, so the regular expression finds where
it starts; two custom slots side by side ("bisoprolol this morning") could split anywhere, so every split is
scored and the best kept ("bisoprolol" and "this morning", both known, beats "bisoprolol this" and "morning").

"Alexa, ask dose keeper if I took my metformin" is a question. Alexa's model sees "if I took my metformin"
and the grammar has CheckDoseIntent samples that start with "if" and "whether", so those words are kept
here too; stripping them would log a dose nobody took.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from itertools import pairwise

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
_SLOT_KEY = "{"  # index key of samples that start with a slot
# A one-shot question keeps its "if" / "whether"; strip_wake_words would drop it with the invocation.
_ONE_SHOT_QUESTION = re.compile(
    r"^(?:alexa\s+)?(?:ask|tell|open|launch|start)\s+dose\s+keeper\s+(?=(?:if|whether)\s)")

KnownValue = Callable[[str, str], bool]  # (slot type, spoken value) -> resolves to an entity


@dataclass(frozen=True)
class SlotFill:
    name: str
    slot_type: str
    spoken: str  # what was said, for a custom slot the value Alexa sends
    value: str  # what Alexa sends in `value`: digits, ISO duration, HH:MM, or the words


@dataclass(frozen=True)
class IntentMatch:
    intent: str
    slots: dict[str, SlotFill]
    sample: str


@dataclass(frozen=True)
class _Compiled:
    intent: str
    sample: str
    tokens: tuple[str, ...]  # normalised words and {slot} references
    slot_types: tuple[tuple[str, str], ...]  # (slot name, slot type) in the order they appear
    literal_words: int

    @property
    def regex(self) -> re.Pattern[str]:
        return _regex(self.tokens, self.slot_types)

    def could_match(self, words: list[str]) -> bool:
        """The cheap test: the words before the first slot and after the last must be the sentence's own."""
        slots = [i for i, token in enumerate(self.tokens) if token.startswith("{")]
        if not slots:
            return list(self.tokens) == words
        head, tail = self.tokens[: slots[0]], self.tokens[slots[-1] + 1:]
        return (len(words) >= len(head) + len(tail) + len(slots) and tuple(words[: len(head)]) == head
                and (not tail or tuple(words[-len(tail):]) == tail))


@cache
def _regex(tokens: tuple[str, ...], slot_types: tuple[tuple[str, str], ...]) -> re.Pattern[str]:
    types = dict(slot_types)
    parts = []
    for token in tokens:
        slot = _SLOT.fullmatch(token)
        if slot:
            name = slot.group(1)
            parts.append(f"(?P<{name}>{PATTERNS.get(types[name], ANY_WORDS)})")
        else:
            parts.append(re.escape(token))
    return re.compile(r"\s+".join(parts))


def _compile(intent: str, sample: str, slot_types: dict[str, str]) -> _Compiled | None:
    tokens = tuple(normalise_sample(sample).split())
    used: dict[str, str] = {}
    for token in tokens:
        slot = _SLOT.fullmatch(token)
        if slot:
            name = slot.group(1)
            if name not in slot_types or name in used:
                return None
            used[name] = slot_types[name]
    if not tokens:
        return None
    return _Compiled(intent, sample, tokens, tuple(used.items()), len(tokens) - len(used))


_PLAIN = re.compile(r"[a-z]+(?:'[a-z]+)*(?: [a-z]+(?:'[a-z]+)*| \{\w+\})*|\{\w+\}(?: [a-z]+(?:'[a-z]+)*| \{\w+\})*")


def normalise_sample(sample: str) -> str:
    """Samples keep their {slot} references while everything else is normalised like typed text."""
    if _PLAIN.fullmatch(sample):  # generated samples are already plain words: skip the work, 20,000 times
        return sample
    pieces = re.split(r"(\{\w+\})", sample)
    return " ".join(p if _SLOT.fullmatch(p) else normalise(p) for p in pieces if p.strip())


def heard_text(text: str) -> str:
    """What reaches the model: no wake word or invocation, but a one-shot question keeps "if"."""
    cleaned = normalise(text)
    question = _ONE_SHOT_QUESTION.sub("", cleaned, count=1)
    return question if question != cleaned else strip_wake_words(cleaned)


class UtteranceMatcher:
    def __init__(self, model: InteractionModel) -> None:
        self.model = model
        self._by_first_word: dict[str, list[_Compiled]] = defaultdict(list)
        self._values = {name: frozenset(normalise(w) for v in values for w in (v.name, *v.synonyms))
                        for name, values in model.slot_types.items()}
        for intent in model.intents.values():
            samples = [*intent.samples, *BUILTIN_SAMPLES.get(intent.name, ())]
            for sample in dict.fromkeys(samples):
                compiled = _compile(intent.name, sample, intent.slots)
                if compiled is not None:
                    first = compiled.tokens[0]
                    self._by_first_word[_SLOT_KEY if first.startswith("{") else first].append(compiled)

    def _knows(self, known: KnownValue | None) -> KnownValue:
        def resolves(slot_type: str, spoken: str) -> bool:
            return (known is not None and known(slot_type, spoken)) or spoken in self._values.get(slot_type, ())
        return resolves

    def _candidates(self, words: list[str]) -> Iterable[_Compiled]:
        for key in (words[0], _SLOT_KEY):
            for compiled in self._by_first_word.get(key, ()):
                if compiled.could_match(words):
                    yield compiled

    def candidates(self, text: str) -> list[str]:
        """The samples a sentence is tried against (for "why was this not understood?"), in model order."""
        cleaned = heard_text(text)
        return [c.sample for c in self._candidates(cleaned.split())] if cleaned else []

    def match(self, text: str, known: KnownValue | None = None) -> IntentMatch | None:
        """The best intent for a sentence, or None (Alexa would send AMAZON.FallbackIntent)."""
        cleaned = heard_text(text)
        if not cleaned:
            return None
        return _best(self._candidates(cleaned.split()), cleaned, self._knows(known))

    def match_slot(self, intent: str, slot: str, text: str, known: KnownValue | None = None) -> dict[str, SlotFill]:
        """Fill a slot Alexa asked for ("What time?" -> "at 8 am"), with the intent's slot samples first."""
        cleaned = strip_wake_words(normalise(text))
        model = self.model.intents[intent]
        samples = model.slot_samples.get(slot) or ("{" + slot + "}",)
        compiled = [c for c in (_compile(intent, s, model.slots) for s in samples) if c is not None]
        best = _best(compiled, cleaned, self._knows(known))
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


def _splits(words: list[str], parts: int) -> Iterator[list[str]]:
    """Every way to cut the words into `parts` non-empty runs, shortest first run first."""
    if parts == 1:
        yield [" ".join(words)]
        return
    for cut in range(1, len(words) - parts + 2):
        for rest in _splits(words[cut:], parts - 1):
            yield [" ".join(words[:cut]), *rest]


def _spoken_values(compiled: _Compiled, found: re.Match[str]) -> Iterator[dict[str, str]]:
    """What each slot heard; custom slots that touch are tried at every split, not only the regex's first."""
    spoken = {name: found.group(name).strip() for name, _ in compiled.slot_types}
    types = dict(compiled.slot_types)
    custom = [m.group(1) if (m := _SLOT.fullmatch(t)) and types[m.group(1)] not in PARSERS else None
              for t in compiled.tokens]
    runs: list[list[str]] = []  # custom slots that sit side by side, in order
    for before, name in pairwise(custom):
        if before is None or name is None:
            continue
        if runs and runs[-1][-1] == before:
            runs[-1].append(name)
        else:
            runs.append([before, name])
    if not runs:
        yield spoken
        return
    choices: list[list[dict[str, str]]] = []
    for run in runs:
        words = " ".join(spoken[name] for name in run).split()
        choices.append([dict(zip(run, cut, strict=True)) for cut in _splits(words, len(run))])
    yield from _combine(spoken, choices)


def _combine(spoken: dict[str, str], choices: list[list[dict[str, str]]]) -> Iterator[dict[str, str]]:
    if not choices:
        yield spoken
        return
    for choice in choices[0]:
        yield from _combine({**spoken, **choice}, choices[1:])


def _best(candidates: Iterable[_Compiled], text: str, known: KnownValue | None) -> IntentMatch | None:
    best: tuple[tuple[int, int, int, int], IntentMatch] | None = None
    for compiled in candidates:
        found = compiled.regex.fullmatch(text)
        if found is None:
            continue
        for spoken in _spoken_values(compiled, found):
            slots: dict[str, SlotFill] = {}
            for name, slot_type in compiled.slot_types:
                fill = _fill(name, slot_type, spoken[name])
                if fill is None:
                    break
                slots[name] = fill
            else:
                custom = [s for s in slots.values() if s.slot_type not in PARSERS]
                score = (
                    -sum(1 for s in custom if known is None or not known(s.slot_type, s.spoken)),
                    compiled.literal_words,
                    len(slots) - len(custom),
                    -sum(len(s.spoken) for s in custom),
                )
                if best is None or score > best[0]:
                    best = (score, IntentMatch(compiled.intent, slots, compiled.sample))
    return best[1] if best else None
