"""The person, medicines and clock every front's scenario starts from, and the store read back after it.

One SQLite file per scenario, so an in-process front and a front behind real HTTP read the same records. The
day is today in Edith's zone (the clock is injected and moved by the scenario, never slept on), so the suite
passes on any day; times are said in her local wall-clock hours.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from skill.domain.alerts import AlertKind
from skill.domain.models import Contact, Dose, Medication, Recipient, Schedule, new_id
from skill.store.sqlite import SqliteStore
from tests.factories import recipient
from tests.support.envelopes import FixedClock

LONDON = ZoneInfo("Europe/London")


@dataclass
class World:
    db: Path
    store: SqliteStore
    edith: Recipient
    medications: tuple[Medication, ...]
    clock: FixedClock
    day: date  # Edith's today

    def at(self, hours: float) -> datetime:
        """That many hours after Edith's local midnight today (a wall-clock hour, also across a DST change)."""
        whole = int(hours)
        minutes = round((hours - whole) * 60)
        return datetime.combine(self.day, time(whole, minutes), tzinfo=LONDON).astimezone(UTC)

    # -- the store read back ---------------------------------------------------------------------------------
    def doses(self) -> list[Dose]:
        return self.store.list_doses(self.edith.id, self.at(0) - timedelta(days=1), self.at(0) + timedelta(days=2))

    def logged(self) -> list[str]:
        return sorted(f"{d.medication_name}@{d.scheduled_local:%H:%M}" for d in self.doses() if d.is_logged)

    def quantities(self) -> list[int]:
        return [d.quantity for d in self.doses() if d.is_logged]

    def events(self) -> list[str]:
        around = self.at(0)
        return sorted(e.kind.value for e in self.store.list_events(self.edith.id, around - timedelta(days=1),
                                                                   around + timedelta(days=2)))

    def alerts(self) -> list[AlertKind]:
        return [a.kind for a in self.store.list_alerts(self.edith.id)]


def _medication(person: Recipient, name: str, schedule: Schedule, dose_text: str = "500 mg") -> Medication:
    return Medication(id=new_id("med"), recipient_id=person.id, name=name, schedule=schedule, dose_text=dose_text,
                      created_at=person.created_at)


def build_world(db: Path) -> World:
    """Edith in London with a carer to alert: Metformin at 8 and 8, Ramipril at 8 pm, Paracetamol as needed."""
    day = datetime.now(UTC).astimezone(LONDON).date()
    started = day - timedelta(days=30)
    store = SqliteStore(db)
    store.init()
    edith = recipient(display_name="Edith", timezone="Europe/London", locale="en-GB",
                      created_at=datetime.combine(started, time(0), tzinfo=UTC))
    store.put_recipient(edith)
    store.put_contact(Contact(id=new_id("con"), recipient_id=edith.id, name="Sam", channel="email",
                              address="sam@example.org"))
    meds = (
        _medication(edith, "Metformin", Schedule(times=(time(8), time(20)), start=started)),
        _medication(edith, "Ramipril", Schedule(times=(time(20),), start=started), dose_text="5 mg"),
        _medication(edith, "Paracetamol", Schedule(as_needed=True, min_interval_minutes=240, max_per_day=8,
                                                   start=started), dose_text=""),
    )
    for med in meds:
        store.put_medication(med)
    world = World(db, store, edith, meds, FixedClock(datetime.now(UTC)), day)
    world.clock.set(world.at(8))
    return world
