"""The question DoseKeeper just asked, kept between turns, so "yes" and "no" mean exactly what was asked.

A question names its doses by id: a "yes" records those doses and nothing else, never a dose from another time
of day that the question did not name.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Ask(StrEnum):
    TAKEN = "taken"  # "Have you taken them?": yes logs `ids`
    EARLIER = "earlier"  # "This morning's is not noted. Did you take that one too?": yes logs `ids`
    EARLY = "early"  # "It isn't due until 8. Have you already taken it?": yes logs `ids` as taken early
    EXTRA = "extra"  # as-needed, moments after the last: "Did you take another one?": yes logs one more
    PILLBOX = "pillbox"  # "I don't remember": "Is it still in your pill box?": yes means not taken
    NOTE = "note"  # after the pill box: "Shall I note it as taken?": yes logs `ids`
    WHICH = "which"  # "Did you mean Ramipril?": yes runs `action` on ids[0]
    MORE = "more"  # "Want to hear more?": yes says `items`
    LOG_TIME = "log_time"  # "Which ones did you take?" after a time of day that holds no doses


@dataclass(frozen=True)
class Question:
    kind: Ask
    ids: tuple[str, ...] = ()
    action: str = ""
    count: int | None = None
    items: tuple[str, ...] = ()
    outro: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind.value, "ids": list(self.ids), "action": self.action, "count": self.count,
                "items": list(self.items), "outro": self.outro}

    @classmethod
    def from_dict(cls, data: object) -> Question | None:
        """What the session carried back; anything unreadable is no question at all (never a guess)."""
        if not isinstance(data, dict):
            return None
        try:
            kind = Ask(str(data.get("kind")))
        except ValueError:
            return None
        count = data.get("count")
        return cls(kind=kind, ids=tuple(str(i) for i in data.get("ids") or ()),
                   action=str(data.get("action") or ""), count=int(count) if isinstance(count, int) else None,
                   items=tuple(str(i) for i in data.get("items") or ()), outro=str(data.get("outro") or ""))
