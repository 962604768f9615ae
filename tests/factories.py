"""Small builders for domain records, so tests say only what matters to them."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

from skill.domain.models import Medication, Recipient, Schedule, new_id


def recipient(**kw: Any) -> Recipient:
    values: dict[str, Any] = {"id": new_id("rec"), "display_name": "Edith", "timezone": "Europe/London",
                              "created_at": datetime(2026, 1, 1, tzinfo=UTC)}
    values.update(kw)
    return Recipient(**values)


def medication(recipient_id: str, name: str = "Metformin", at: tuple[str, ...] = ("08:00", "20:00"),
               start: date = date(2026, 1, 1), **kw: Any) -> Medication:
    schedule = kw.pop("schedule", None) or Schedule(
        times=tuple(time.fromisoformat(t) for t in at), start=start)
    return Medication(id=new_id("med"), recipient_id=recipient_id, name=name, schedule=schedule,
                      dose_text=kw.pop("dose_text", "500 mg"), created_at=datetime(2026, 1, 1, tzinfo=UTC), **kw)
