"""The interaction models shipped inside the package are the ones Alexa is deployed with, byte for byte.

``interaction_models/`` (top level) is what the operator uploads to Alexa; ``dosekeeper chat`` reads the
copies inside ``skill/voice_console`` so it works from an installed wheel. If a copy drifted, the console
would understand sentences the real skill does not (or the other way round) and nobody would notice.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from skill.voice_console.model import LOCALE_FILE, PACKAGED_MODELS, available_locales, load_model

SOURCE = Path(__file__).resolve().parents[2] / "interaction_models"
SOURCE_LOCALES = sorted(p.stem for p in SOURCE.iterdir() if LOCALE_FILE.match(p.name))


def test_the_source_folder_holds_models_to_compare() -> None:
    # A renamed folder or pattern would make the byte comparison below pass vacuously.
    assert {"en-GB", "en-US"} <= set(SOURCE_LOCALES)


def test_every_locale_alexa_gets_is_packaged_and_nothing_else() -> None:
    assert list(available_locales()) == SOURCE_LOCALES


@pytest.mark.parametrize("locale", SOURCE_LOCALES)
def test_each_packaged_model_is_byte_identical_to_its_source(locale: str) -> None:
    packaged = (PACKAGED_MODELS / f"{locale}.json").read_bytes()
    assert packaged == (SOURCE / f"{locale}.json").read_bytes(), (
        f"skill/voice_console/interaction_models/{locale}.json differs from interaction_models/{locale}.json: "
        "regenerate it (python -m skill.voice_grammar build) or copy the source over it")


def test_the_console_loads_each_packaged_model() -> None:
    for locale in SOURCE_LOCALES:
        assert load_model(locale).intents, locale
