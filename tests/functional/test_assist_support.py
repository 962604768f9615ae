"""Home Assistant's side of a turn, for the assist tests: its matcher (hassil) over the exported sentences, and
the HTTP body its intent script sends, rendered from the exported package with Jinja as Home Assistant does.

Home Assistant renders an action's `data` templates to native types (a slot value "10" arrives as the number
10) and the rest_command payload with its `to_json` filter; both are imitated here with plain Jinja. No tests
live here (pytest collects the module and finds none).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, cast

import jinja2
import yaml
from hassil import Intents
from hassil.recognize import recognize_best

from skill.assist.export import Exported, export
from skill.assist.ha_config import REST_COMMAND
from skill.domain.models import Medication


class HomeAssistantLoader(yaml.SafeLoader):
    """Safe YAML plus `!secret`, which Home Assistant reads from secrets.yaml."""


def _secret(loader: yaml.SafeLoader, node: yaml.Node) -> str:
    assert isinstance(node, yaml.ScalarNode)
    return f"<secret {loader.construct_scalar(node)}>"


HomeAssistantLoader.add_constructor("!secret", _secret)
JINJA = jinja2.Environment(undefined=jinja2.ChainableUndefined, autoescape=False)
JINJA.filters["to_json"] = json.dumps


def load(text: str) -> Any:
    return yaml.load(text, Loader=HomeAssistantLoader)


@dataclass(frozen=True)
class HomeAssistant:
    """One exported configuration, as a Home Assistant box would hold it."""

    files: dict[str, str]

    @property
    def sentences(self) -> dict[str, Any]:
        return cast(dict[str, Any], load(self.files[self.sentences_path]))

    @property
    def sentences_path(self) -> str:
        return next(path for path in self.files if path.startswith("custom_sentences/"))

    @property
    def package(self) -> dict[str, Any]:
        return cast(dict[str, Any], load(self.files["packages/dosekeeper.yaml"]))

    def intents(self) -> Intents:
        return _intents(self.files[self.sentences_path])

    def hear(self, text: str) -> tuple[str, dict[str, Any]] | None:
        """What Home Assistant's default agent makes of a sentence: the intent and its slot values."""
        result = recognize_best(text, self.intents())
        if result is None:
            return None
        return result.intent.name, {name: entity.value for name, entity in result.entities.items()}

    def body(self, intent: str, slots: dict[str, Any]) -> dict[str, Any]:
        """The JSON the intent script's rest_command posts for this intent and these slot values."""
        call = self.package["intent_script"][intent]["action"][0]
        data = render(call["data"], slots)
        payload = self.package["rest_command"][REST_COMMAND]["payload"]
        return cast(dict[str, Any], json.loads(JINJA.from_string(payload).render(**data)))

    def body_for(self, text: str) -> dict[str, Any] | None:
        heard = self.hear(text)
        return None if heard is None else self.body(*heard)


def render(value: Any, variables: dict[str, Any]) -> Any:
    """Home Assistant's template rendering of action data: every string a template, results in native types."""
    if isinstance(value, dict):
        return {key: render(item, variables) for key, item in value.items()}
    if isinstance(value, list):
        return [render(item, variables) for item in value]
    if isinstance(value, str):
        text = JINJA.from_string(value).render(**variables)
        return int(text) if text.isdigit() else text
    return value


@cache
def _intents(text: str) -> Intents:
    return Intents.from_dict(load(text))


def home_assistant(locale: str = "en-GB", medications: Sequence[Medication] | None = None,
                   base_url: str = "http://127.0.0.1:8080") -> HomeAssistant:
    exported: list[Exported] = export(locale, base_url, medications)
    return HomeAssistant({item.path: item.text for item in exported})


@cache
def generic(locale: str = "en-GB") -> HomeAssistant:
    return home_assistant(locale)
