"""The scopes DoseKeeper grants, and what an assistant may do with each.

Scopes say what an assistant may do; which people it may do it for is kept on the grant (chosen on the
consent page), so a token never names a person in a string a client can widen.
"""

from __future__ import annotations

READ = "doses:read"  # what is due, what was taken, pills left, a carer's summaries
WRITE = "doses:write"  # log a dose, report a safety moment
ALL = (READ, WRITE)
DEFAULT = f"{READ} {WRITE}"  # a client that asks for nothing asks for what an assistant is for


def normalise(requested: str | None) -> str:
    """The scopes to grant, in a stable order: unknown ones are dropped; write implies read."""
    wanted = set((requested or DEFAULT).split()) & set(ALL)
    if WRITE in wanted:
        wanted.add(READ)
    return " ".join(s for s in ALL if s in wanted)
