"""How well the generated interaction models understand the evaluation corpus, per intent and per locale.

Run: .venv/bin/python -m bench.bench_voice_corpus [--misses] [--baseline]
Prints Markdown tables (the README's "Understood the way people speak" figures); asserts nothing.

* The corpus (tests/voice_corpus/<locale>.yaml) is spoken to virtual-alexa, one node process per locale;
  a line counts when the intent and every slot the skill receives are right.
* The held-out set (tests/voice_corpus/held_out/) was never used to write the corpus. Its second part (93
  lines a locale, issue 10) was written before the grammar was generalised: the last commit's models heard
  59/93 = 63.4% (en-GB) and 61/93 = 65.6% (en-US) of it; everyday.yaml's fillers and politeness, the "took"
  forms and two slots side by side took that to 85/93 and 84/93 (every line; 7 of them need real Alexa).
* Lines that need two slots side by side ("I took ten paracetamol") cannot be heard by virtual-alexa. Each
  table shows them on their own row ("needs real Alexa", heard right by the console's matcher), the
  virtual-alexa rate without them, and the rate over every line with them counted as misses.
* --baseline scores the models of the last commit instead, for a before/after figure.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.voice_corpus.scoring import HELD_OUT_DIR, LOCALES, MODELS_DIR, Score, score, table  # noqa: E402


def committed_model(locale: str, into: Path) -> Path:
    """The model as the last commit has it."""
    text = subprocess.run(["git", "show", f"HEAD:interaction_models/{locale}.json"], cwd=ROOT, check=True,
                          capture_output=True, text=True).stdout
    path = into / f"{locale}.json"
    path.write_text(text, encoding="utf-8")
    return path


def print_misses(scores: list[Score]) -> None:
    for result in scores:
        for line, heard in result.misses:
            print(f"- {result.locale} {line.say!r}: wanted {line.intent} {line.slots or ''}, "
                  f"heard {heard.intent} {({k: v['value'] for k, v in heard.slots.items()}) or ''}")
        for line in result.real_alexa:
            print(f"- {result.locale} {line.say!r}: needs real Alexa (two slots side by side)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--misses", action="store_true", help="list the lines not understood")
    parser.add_argument("--baseline", action="store_true", help="also score the last commit's models")
    args = parser.parse_args()
    started = time.perf_counter()
    corpus = [score(locale) for locale in LOCALES]
    held_out = [score(locale, directory=HELD_OUT_DIR) for locale in LOCALES]
    elapsed = time.perf_counter() - started
    print("## Evaluation corpus (generated models)\n")
    print(table(corpus))
    print("\n## Held-out sentences (never used to write the corpus)\n")
    print(table(held_out))
    sizes = ", ".join(f"{loc} {(MODELS_DIR / f'{loc}.json').stat().st_size / 1e6:.2f} MB" for loc in LOCALES)
    print(f"\nModel sizes: {sizes}. Scored {sum(s.total for s in corpus + held_out)} lines in {elapsed:.1f} s.")
    if args.baseline:
        with tempfile.TemporaryDirectory() as tmp:
            models = [committed_model(locale, Path(tmp)) for locale in LOCALES]
            before = [score(locale, model) for locale, model in zip(LOCALES, models, strict=True)]
            before_held = [score(locale, model, HELD_OUT_DIR) for locale, model in zip(LOCALES, models, strict=True)]
        print("\n## Evaluation corpus, last commit's models\n")
        print(table(before))
        print("\n## Held-out sentences, last commit's models\n")
        print(table(before_held))
    if args.misses:
        print("\n## Not understood\n")
        print_misses(corpus + held_out)


if __name__ == "__main__":
    main()
