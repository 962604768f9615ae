"""Per-locale message catalogs: every sentence DoseKeeper speaks, as data, so a new language is translation work.

A catalog is a JSON object of keys to `str.format` templates. Every locale holds every key (a test checks), and
an unknown locale falls back to en-GB. Templates stay short: older listeners follow short sentences best.
"""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files
from typing import Any

DEFAULT_LOCALE = "en-GB"


@cache
def load(locale: str) -> dict[str, str]:
    name = f"{locale}.json" if locale in available() else f"{DEFAULT_LOCALE}.json"
    data: dict[str, str] = json.loads(files("skill.conversation").joinpath("messages", name).read_text("utf-8"))
    return data


@cache
def available() -> frozenset[str]:
    folder = files("skill.conversation").joinpath("messages")
    return frozenset(p.name.removesuffix(".json") for p in folder.iterdir() if p.name.endswith(".json"))


class Catalog:
    def __init__(self, locale: str) -> None:
        self.locale = locale if locale in available() else DEFAULT_LOCALE
        self.messages = load(self.locale)

    def __call__(self, key: str, **fields: Any) -> str:
        return self.messages[key].format(**fields)

    def has(self, key: str) -> bool:
        return key in self.messages
