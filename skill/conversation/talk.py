"""One turn of conversation with a linked person: what the dialogue knows and may use.

Built by each front from its own request; everything about the person comes from the turn's one read (the
`view`), and every change goes through the use-case layer with the person as the actor.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from skill.conversation.catalog import Catalog
from skill.conversation.questions import Question
from skill.conversation.speech import when
from skill.domain.actors import Actor
from skill.domain.models import Dose, LogSource, Medication, Recipient
from skill.doses import merge_doses
from skill.schedules import day_window
from skill.store.base import Store
from skill.store.core import RecipientView


@dataclass
class Talk:
    store: Store
    now: datetime
    locale: str  # how times and words are said (the device's English, else the person's)
    view: RecipientView
    covered_from: datetime  # the view holds stored doses from here on
    pending: Question | None = None
    source: LogSource = LogSource.VOICE
    _merged: dict[tuple[datetime, datetime], list[Dose]] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        self.say = Catalog(self.locale)

    @property
    def recipient(self) -> Recipient:
        return self.view.recipient

    @property
    def medications(self) -> list[Medication]:
        return [m for m in self.view.medications if m.active]

    @property
    def actor(self) -> Actor:
        return Actor.person(self.recipient.id, self.source)

    @property
    def local_now(self) -> datetime:
        return self.now.astimezone(self.recipient.tz)

    def when(self, at: datetime) -> str:
        return when(at, self.local_now, self.locale)

    def doses(self, start: datetime, end: datetime) -> list[Dose]:
        """Kept for the turn: a greeting asks for the same window twice, and expanding schedules is most of
        a turn's CPU. `remember` forgets them, since it is the only way the view changes mid-turn."""
        if (start, end) not in self._merged:
            self._merged[(start, end)] = merge_doses(self.recipient, self.view.medications, self.view.doses,
                                                     start, end)
        return list(self._merged[(start, end)])

    def today(self) -> list[Dose]:
        start, end = day_window(self.local_now.date(), self.recipient.tz)
        return self.doses(start, end)

    def medication(self, medication_id: str) -> Medication | None:
        return self.view.medication(medication_id)

    def remember(self, doses: list[Dose]) -> None:
        """After a write: the rest of the turn speaks from what is stored now, without reading it again."""
        changed = {d.id: d for d in doses}
        kept = [d for d in self.view.doses if d.id not in changed]
        self.view = replace(self.view, doses=tuple(sorted([*kept, *changed.values()], key=lambda d: d.scheduled_utc)))
        self._merged.clear()
