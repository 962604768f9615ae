"""Typed text and sample utterances are normalised the same way, so matching compares like with like."""

from __future__ import annotations

import re

_AM_PM = re.compile(r"(?<![a-z])([ap])\.\s?m\.?(?![a-z])")
_GLUED_AM_PM = re.compile(r"\b(\d{1,2}(?::\d{2})?)([ap]m)\b")
_KEEP = re.compile(r"[^a-z0-9':\s]")
_STRAY_COLON = re.compile(r"(?<!\d):|:(?!\d)")
_STRAY_APOSTROPHE = re.compile(r"(?<![a-z])'|'(?![a-z])")
_WAKE = re.compile(
    r"^(?:alexa\s+)?(?:(?:ask|tell|open|launch|start)\s+dose\s+keeper(?:\s+(?:to|that|if|whether|for))?\s*)?"
)


def normalise(text: str) -> str:
    """Lower case, plain apostrophes, "a.m." as "am", no punctuation but ' and the colon of "20:30"."""
    text = text.lower().replace("\u2019", "'").replace("\u2018", "'")
    text = _AM_PM.sub(lambda m: f"{m.group(1)}m", text)
    text = _GLUED_AM_PM.sub(r"\1 \2", text)
    text = text.replace("-", " ").replace(".", " ")
    text = _KEEP.sub(" ", text)
    text = _STRAY_COLON.sub(" ", text)
    text = _STRAY_APOSTROPHE.sub(" ", text)
    return " ".join(text.split())


def strip_wake_words(text: str) -> str:
    """"Alexa, tell Dose Keeper I took it" reaches the skill as "I took it"."""
    return _WAKE.sub("", text, count=1).strip()
