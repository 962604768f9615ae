"""The skill manifest (interaction_models/skill.json) and the ASK project the operator deploys with."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
ENDPOINT = "arn:aws:lambda:eu-west-1:123456789012:function:dosekeeper-SkillFunction-AbC123"


def load_packager() -> ModuleType:
    spec = importlib.util.spec_from_file_location("skill_package", ROOT / "scripts" / "skill_package.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


packager = load_packager()


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((ROOT / "interaction_models" / "skill.json").read_text(encoding="utf-8"))
    return loaded


def test_manifest_asks_for_the_reminders_permission(manifest: dict[str, Any]) -> None:
    # GIVEN the manifest
    permissions = manifest["manifest"]["permissions"]

    # THEN it asks for exactly the permission spoken reminders need
    assert permissions == [{"name": "alexa::alerts:reminders:skill:readwrite"}]


def test_every_published_locale_has_privacy_and_terms(manifest: dict[str, Any]) -> None:
    # GIVEN the locales the skill is published in
    body = manifest["manifest"]
    published = set(body["publishingInformation"]["locales"])

    # THEN both locales of the voice skill are there, each with a privacy policy and terms of use
    assert published == {"en-GB", "en-US"}
    assert set(body["privacyAndCompliance"]["locales"]) == published
    assert body["privacyAndCompliance"]["usesPersonalInfo"] is True
    for locale in published:
        info = body["publishingInformation"]["locales"][locale]
        assert info["name"] and info["summary"] and info["description"]
        assert all(phrase.startswith("Alexa, ") for phrase in info["examplePhrases"])


def test_rendering_fills_in_the_operators_urls_and_endpoint(manifest: dict[str, Any]) -> None:
    # WHEN the operator renders the manifest with their URLs and the stack's skill function ARN
    rendered = packager.render_manifest(manifest, privacy_url="https://care.example.net/privacy",
                                        terms_url="https://care.example.net/terms", endpoint=ENDPOINT)

    # THEN every locale carries their URLs and the skill points at their function
    body = rendered["manifest"]
    for locale in body["privacyAndCompliance"]["locales"].values():
        assert locale == {"privacyPolicyUrl": "https://care.example.net/privacy",
                          "termsOfUseUrl": "https://care.example.net/terms"}
    assert body["apis"]["custom"]["endpoint"] == {"uri": ENDPOINT}
    # AND the source manifest is left as it was
    assert manifest["manifest"]["apis"]["custom"]["endpoint"]["uri"] != ENDPOINT


def test_first_render_has_no_endpoint_yet(manifest: dict[str, Any]) -> None:
    # WHEN the skill is created before the stack exists (the stack needs the skill id)
    rendered = packager.render_manifest(manifest, privacy_url="https://a.example/p",
                                        terms_url="https://a.example/t", endpoint=None)

    # THEN the manifest names no endpoint, which Alexa would otherwise refuse
    assert rendered["manifest"]["apis"]["custom"] == {}


@pytest.mark.parametrize(
    ("privacy", "terms", "endpoint", "complaint"),
    [
        ("http://a.example/p", "https://a.example/t", None, "--privacy-url"),
        ("https://a.example/p", "terms", None, "--terms-url"),
        ("https://a.example/p", "https://a.example/t", "arn:aws:sns:eu-west-1:123456789012:topic", "--endpoint"),
    ],
)
def test_bad_operator_input_is_named(
    manifest: dict[str, Any], privacy: str, terms: str, endpoint: str | None, complaint: str
) -> None:
    # WHEN a value is not what Alexa accepts
    with pytest.raises(packager.PackageError) as raised:
        packager.render_manifest(manifest, privacy_url=privacy, terms_url=terms, endpoint=endpoint)

    # THEN the message says which option is wrong
    assert complaint in str(raised.value)
