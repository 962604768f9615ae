"""The Changes log in words: `['22:00', '07:00']` becomes "22:00 to 07:00", `False` becomes "no".

Audit records keep the values a program wrote (older entries too), so they are put into words when shown,
in one place, rather than rewritten in the store.
"""

from __future__ import annotations

from typing import Any

FIELDS = {
    "quiet_hours": "quiet hours", "escalate_after_minutes": "escalate after", "name_medicines":
    "names the medicines in alerts", "priority": "order", "channel": "how", "also_called": "also called",
    "pill_count": "pills left", "refill_threshold": "remind to refill at", "pills_per_dose": "pills per dose",
    "min_interval_minutes": "shortest gap", "max_per_day": "most a day", "active": "in use",
}
CHANNELS = {"email": "email", "sms": "text message", "webhook": "webhook"}
WHAT = {
    ("medication", "create"): "Medicine added", ("medication", "update"): "Medicine changed",
    ("medication", "stop"): "Medicine stopped", ("contact", "create"): "Contact added",
    ("contact", "delete"): "Contact removed", ("contact", "test alert"): "Test alert sent",
    ("recipient", "create"): "Person added", ("recipient", "update"): "Settings changed",
    ("link_code", "create"): "Link code made", ("calendar_feed", "create"): "Calendar link made",
    ("calendar_feed", "revoke"): "Calendar link stopped", ("dose", "correct"): "Dose corrected",
}


def _minutes(value: int) -> str:
    hours, minutes = divmod(value, 60)
    parts = ([f"{hours} hour{'s' if hours != 1 else ''}"] if hours else []) + \
        ([f"{minutes} minute{'s' if minutes != 1 else ''}"] if minutes else [])
    return " ".join(parts) or "0 minutes"


def field_words(field: str) -> str:
    return FIELDS.get(field, field.replace("_", " "))


def value_words(field: str, value: Any) -> str:
    if value is None or value == "":
        return "none" if field == "quiet_hours" else "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if field == "quiet_hours" and isinstance(value, (list, tuple)) and len(value) == 2:
        return f"{value[0]} to {value[1]}"
    if field in ("escalate_after_minutes", "min_interval_minutes") and isinstance(value, int):
        return _minutes(value)
    if field == "channel":
        return CHANNELS.get(str(value), str(value))
    if field == "priority" and isinstance(value, int):
        return "first" if value == 0 else f"{value + 1}th" if value > 2 else ("second", "third")[value - 1]
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value) or "none"
    return str(value)


def what_words(entity: str, action: str) -> str:
    return WHAT.get((entity, action), f"{entity.replace('_', ' ')} {action}".capitalize())
