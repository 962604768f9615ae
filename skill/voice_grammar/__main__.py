"""`python -m skill.voice_grammar build` writes the models; `check` exits 1 naming any stale model file."""

from __future__ import annotations

import sys

from skill.voice_grammar.files import ROOT, generate, stale, write
from skill.voice_grammar.grammar import GrammarError, load_grammar
from skill.voice_grammar.model import build_model, figures


def main(argv: list[str]) -> int:
    if len(argv) != 1 or argv[0] not in ("build", "check"):
        print("usage: python -m skill.voice_grammar build|check", file=sys.stderr)
        return 2
    try:
        generated = generate()
    except GrammarError as exc:
        print(f"grammar error: {exc}", file=sys.stderr)
        return 2
    if argv[0] == "check":
        out_of_date = stale(generated)
        for path in out_of_date:
            print(f"stale: {path.relative_to(ROOT)} (run: python -m skill.voice_grammar build)", file=sys.stderr)
        return 1 if out_of_date else 0
    for path in write(generated):
        print(f"wrote {path.relative_to(ROOT)}")
    for item in generated:
        grammar = load_grammar(item.locale)
        shown = figures(grammar, build_model(grammar))
        print(f"{shown.locale}: {shown.samples} samples, {shown.slot_values} slot values, {shown.size_bytes} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
