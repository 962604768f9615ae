"""Turning submitted forms into domain records; every mistake becomes one ValidationError message."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time

from werkzeug.datastructures import MultiDict

from skill.domain.errors import ValidationError
from skill.domain.models import Contact, Medication, Schedule, SpeechPreferences, new_id
from skill.domain.voice import validate_followup
from skill.web.timefields import format_clock, parse_clock

TIME_SLOTS = 4


MAX_DIGITS = 9  # no field of ours needs more; the domain checks each field's own range


def _whole_number(text: str, what: str) -> int:
    """ASCII digits only: `int()` also takes "１２", "٣" and "1_000", and `isdigit()` passes "²" (then int fails)."""
    text = text.strip()
    sign, digits = ("-", text[1:]) if text.startswith("-") else ("", text)
    if not digits.isascii() or not digits.isdigit() or len(digits) > MAX_DIGITS:
        raise ValidationError(f"{what} must be a whole number")
    return int(sign + digits)


def _opt_int(form: MultiDict[str, str], name: str, what: str) -> int | None:
    text = form.get(name, "").strip()
    if not text:
        return None
    return _whole_number(text, what)


def _weekdays(form: MultiDict[str, str]) -> tuple[int, ...]:
    return tuple(_whole_number(d, "Weekday") for d in form.getlist("weekday") if d.strip())


def _opt_date(form: MultiDict[str, str], name: str, what: str) -> date | None:
    text = form.get(name, "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise ValidationError(f"{what} must be a date (YYYY-MM-DD)") from exc


def gap_from_form(form: MultiDict[str, str]) -> int | None:
    """The as-needed gap, asked as hours and minutes ("4 hours", not "240"); none when both are empty."""
    hours = _opt_int(form, "gap_hours", "Gap hours")
    minutes = _opt_int(form, "gap_minutes", "Gap minutes")
    if hours is None and minutes is None:
        return _opt_int(form, "min_interval_minutes", "Minimum interval")
    if (hours or 0) < 0 or not 0 <= (minutes or 0) <= 59:
        raise ValidationError("the gap is whole hours and 0 to 59 minutes")
    total = (hours or 0) * 60 + (minutes or 0)
    return total or None


def schedule_from_form(form: MultiDict[str, str], today: date) -> Schedule:
    as_needed = form.get("as_needed") == "on"
    times: list[time] = [] if as_needed else [
        parse_clock(t, f"time {i}") for i, t in enumerate(form.getlist("time"), 1) if t.strip()]
    weekdays = _weekdays(form)
    return Schedule(
        times=() if as_needed else tuple(times),
        weekdays=weekdays if weekdays and len(weekdays) < 7 else None,
        every_n_days=_opt_int(form, "every_n_days", "Every N days") or 1,
        start=_opt_date(form, "start", "Start date") or today,
        end=_opt_date(form, "end", "End date"),
        as_needed=as_needed,
        min_interval_minutes=gap_from_form(form) if as_needed else None,
        max_per_day=_opt_int(form, "max_per_day", "Maximum per day") if as_needed else None,
    )


def medication_from_form(form: MultiDict[str, str], recipient_id: str, existing: Medication | None,
                         today: date, now: datetime) -> Medication:
    schedule = schedule_from_form(form, today)
    values = {
        "name": form.get("name", ""),
        "schedule": schedule,
        "dose_text": form.get("dose_text", ""),
        "instructions": form.get("instructions", ""),
        "pill_count": _opt_int(form, "pill_count", "Pill count"),
        "refill_threshold": _opt_int(form, "refill_threshold", "Refill reminder at"),
        "pills_per_dose": _opt_int(form, "pills_per_dose", "Pills per dose") or 1,
        "also_called": names_from_text(form.get("also_called", "")),
        "taken_before_entry": form.get("taken_before_entry") == "on",
    }
    if existing is not None:
        return replace(existing, **values)  # type: ignore[arg-type]
    return Medication(id=new_id("med"), recipient_id=recipient_id, created_at=now, **values)  # type: ignore[arg-type]


def names_from_text(text: str) -> tuple[str, ...]:
    """ "heart pill, water tablet" -> the names; the domain checks each one and how many there are."""
    return tuple(part for part in (p.strip() for p in text.split(",")) if part)


def contact_from_form(form: MultiDict[str, str], recipient_id: str, now: datetime) -> Contact:
    quiet_from, quiet_to = form.get("quiet_from", "").strip(), form.get("quiet_to", "").strip()
    if bool(quiet_from) != bool(quiet_to):
        raise ValidationError("give both ends of the quiet hours, or neither")
    quiet = (parse_clock(quiet_from, "quiet from"), parse_clock(quiet_to, "quiet until")) if quiet_from else None
    return Contact(id=new_id("con"), recipient_id=recipient_id, name=form.get("name", ""),
                   channel=form.get("channel", ""), address=form.get("address", "").strip(), quiet_hours=quiet,
                   escalate_after_minutes=_opt_int(form, "escalate_after_minutes", "Escalate after"),
                   name_medicines=form.get("name_medicines") == "on",
                   priority=_opt_int(form, "priority", "Priority") or 0, created_at=now)


def speech_from_form(form: MultiDict[str, str]) -> tuple[SpeechPreferences, int]:
    grace = _opt_int(form, "grace_minutes", "Grace window")
    if grace is None:
        raise ValidationError("Grace window must be a whole number of minutes")
    return SpeechPreferences(rate=form.get("speech_rate", ""), pause=form.get("speech_pause", "normal")), grace


def followup_from_form(form: MultiDict[str, str], current: int) -> int:
    """The second reminder's delay; a form without the field keeps what is set."""
    minutes = _opt_int(form, "followup_minutes", "Second reminder")
    return current if minutes is None else validate_followup(minutes)


def name_medicines_from_form(form: MultiDict[str, str], current: bool) -> bool:
    """The reminder-names checkbox. Its form also sends a hidden "off", since an unticked box sends nothing:
    a form without the field at all (an older page, a script) keeps what is set."""
    values = form.getlist("name_medicines_in_reminders")
    return current if not values else "on" in values


def medication_form_values(med: Medication | None) -> dict[str, object]:
    """What the form shows: a medication's current values, or empty for a new one."""
    if med is None:
        return {"times": [""] * TIME_SLOTS, "weekdays": [], "every_n_days": 1, "pills_per_dose": 1}
    s = med.schedule
    times = [format_clock(t) for t in s.times]
    gap = s.min_interval_minutes
    return {
        "name": med.name, "dose_text": med.dose_text, "instructions": med.instructions,
        "as_needed": s.as_needed, "times": times + [""] * max(TIME_SLOTS - len(times), 1),
        "weekdays": list(s.weekdays or ()), "every_n_days": s.every_n_days, "start": s.start.isoformat(),
        "end": s.end.isoformat() if s.end else "",
        "gap_hours": gap // 60 if gap else None, "gap_minutes": gap % 60 if gap else None,
        "max_per_day": s.max_per_day or "", "pill_count": "" if med.pill_count is None else med.pill_count,
        "refill_threshold": "" if med.refill_threshold is None else med.refill_threshold,
        "pills_per_dose": med.pills_per_dose, "also_called": ", ".join(med.also_called),
        "taken_before_entry": med.taken_before_entry,
    }


def form_values(form: MultiDict[str, str]) -> dict[str, object]:
    """Echo what was submitted back into the form after a mistake, so nothing typed is lost."""
    values: dict[str, object] = {k: form.get(k, "") for k in form}
    times = form.getlist("time")
    values["times"] = times + [""] * max(TIME_SLOTS - len(times), 1)
    values["weekdays"] = [int(d) for d in form.getlist("weekday") if d.isascii() and d.isdigit() and len(d) == 1]
    values["as_needed"] = form.get("as_needed") == "on"
    values["taken_before_entry"] = form.get("taken_before_entry") == "on"
    return values
