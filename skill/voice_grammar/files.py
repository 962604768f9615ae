"""Where generated models go: the source-of-truth copy and the console's packaged copy, byte for byte."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from skill.voice_grammar.grammar import GRAMMAR_DIR, available_locales, load_grammar
from skill.voice_grammar.model import build_model, render

ROOT = Path(__file__).resolve().parents[2]
MODEL_DIRS = (ROOT / "interaction_models", ROOT / "skill" / "voice_console" / "interaction_models")


@dataclass(frozen=True)
class Generated:
    locale: str
    text: str

    def targets(self) -> tuple[Path, ...]:
        return tuple(directory / f"{self.locale}.json" for directory in MODEL_DIRS)


def generate(grammar_dir: Path = GRAMMAR_DIR) -> list[Generated]:
    return [Generated(locale, render(build_model(load_grammar(locale, grammar_dir))))
            for locale in available_locales(grammar_dir)]


def write(generated: list[Generated]) -> list[Path]:
    written = []
    for item in generated:
        for path in item.targets():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(item.text, encoding="utf-8")
            written.append(path)
    return written


def stale(generated: list[Generated]) -> list[Path]:
    """Model files that differ from what the grammar generates (or are missing)."""
    return [path for item in generated for path in item.targets()
            if not path.exists() or path.read_text(encoding="utf-8") != item.text]
