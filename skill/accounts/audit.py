"""Recording a change to a recipient's care plan in the audit log: who, when, before and after."""

from __future__ import annotations

from typing import Any

from skill.domain.models import WEEKDAY_NAMES, Contact, Medication


def contact_record(c: Contact) -> dict[str, Any]:
    """A contact as the audit log shows it (no id: the log entry already names what changed)."""
    return {"name": c.name, "channel": c.channel, "address": c.address,
            "quiet_hours": [t.strftime("%H:%M") for t in c.quiet_hours] if c.quiet_hours else None,
            "escalate_after_minutes": c.escalate_after_minutes, "name_medicines": c.name_medicines,
            "priority": c.priority}


def medication_record(m: Medication) -> dict[str, Any]:
    """A medication as the audit log shows it: flat, in plain words, so a change reads at a glance."""
    s = m.schedule
    if s.weekdays is not None:
        days = ", ".join(WEEKDAY_NAMES[d].title() for d in s.weekdays)
    else:
        days = "every day" if s.every_n_days == 1 else f"every {s.every_n_days} days"
    record: dict[str, Any] = {
        "name": m.name, "also_called": ", ".join(m.also_called) or None, "dose": m.dose_text,
        "instructions": m.instructions,
        "times": "as needed" if s.as_needed else ", ".join(t.strftime("%H:%M") for t in s.times),
        "days": days, "start": s.start.isoformat(), "end": s.end.isoformat() if s.end else None,
        "pill_count": m.pill_count, "refill_threshold": m.refill_threshold, "pills_per_dose": m.pills_per_dose,
        "active": "yes" if m.active else "no",
    }
    if s.as_needed:
        record.update(min_interval_minutes=s.min_interval_minutes, max_per_day=s.max_per_day)
    if m.taken_before_entry:  # only when set, so older entries do not all read as a change
        record["already being taken when added"] = "yes"
    return record
