"""What the skill says about doses, shared by launch, log, check and yes/no, so they never disagree."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from skill.alexa.speech import join, medicine, minutes_words, when
from skill.alexa.turn import Turn
from skill.domain.models import Dose, DoseStatus, Medication
from skill.doses import EARLY_WINDOW, LogTarget
from skill.store.core import LogOutcome

NEXT_DOSE_HORIZON = timedelta(days=8)


def say_when(turn: Turn, at: datetime) -> str:
    return when(at, turn.local_now, turn.speech_locale)


def due_now(turn: Turn) -> list[Dose]:
    """Today's doses that are due or overdue and not logged (a logged dose is never called due)."""
    return [d for d in turn.doses_today() if not d.is_logged and d.scheduled_utc <= turn.now]


def next_dose(turn: Turn) -> Dose | None:
    upcoming = turn.doses(turn.now, turn.now + NEXT_DOSE_HORIZON)
    return next((d for d in upcoming if not d.is_logged and d.scheduled_utc > turn.now), None)


def dose_medicine(turn: Turn, dose: Dose) -> str:
    med = turn.voice.view.medication(dose.medication_id) if turn.voice else None
    return medicine(dose.medication_name, med.dose_text if med else "", turn.speech_locale)


def next_dose_sentence(turn: Turn) -> str:
    dose = next_dose(turn)
    if dose is None:
        return "You have no more medicines scheduled this week."
    return f"Your next medicine is {dose_medicine(turn, dose)}, at {say_when(turn, dose.scheduled_utc)}."


def due_question(turn: Turn, due: Sequence[Dose]) -> str:
    names = join([dose_medicine(turn, d) for d in due])
    first = due[0]
    timing = ("is due now" if turn.now - first.scheduled_utc < timedelta(minutes=15)
              else f"was due at {say_when(turn, first.scheduled_utc)}")
    if len(due) == 1:
        return f"Your {names} {timing}. Have you taken it?"
    return f"It's time for your {names}. Have you taken them?"


def already_sentence(turn: Turn, last: Dose) -> str:
    at = say_when(turn, last.logged_at or last.scheduled_utc)
    if last.status is DoseStatus.SKIPPED:
        return f"You already told me you were skipping your {last.medication_name}, at {at}."
    return f"You already took your {last.medication_name} at {at}."


def refused_sentence(turn: Turn, medication: Medication, target: LogTarget) -> str:
    """Why nothing was logged, in plain words; limits are the carer's, never advice of our own."""
    name = medication.name
    schedule = medication.schedule
    if target.reason == "as_needed_too_soon" and target.next_allowed_at is not None:
        gap = minutes_words(timedelta(minutes=schedule.min_interval_minutes or 0))
        return (f"It's too soon for more {name}. The limit your carer set is {gap} between doses, "
                f"so the next one can be at {say_when(turn, target.next_allowed_at)}.")
    if target.reason == "as_needed_daily_max":
        return (f"You've already had as much {name} today as your carer set, which is "
                f"{schedule.max_per_day} a day. I haven't noted another one.")
    if target.reason == "already_logged" and target.last_logged is not None:
        return already_sentence(turn, target.last_logged)
    if target.reason == "too_early":
        upcoming = [d for d in turn.doses_today() if d.medication_id == medication.id and not d.is_logged]
        if upcoming:
            return f"Your {name} isn't due until {say_when(turn, upcoming[0].scheduled_utc)}."
    return f"You don't have any {name} due today."


def logged_sentence(turn: Turn, medication: Medication, outcome: LogOutcome, skip: bool) -> str:
    if not outcome.applied:
        return already_sentence(turn, outcome.dose)
    if skip:
        return f"All right. I've noted that you're skipping your {medication.name}."
    text = f"Thanks, I've noted your {medication.name}."
    left = outcome.pills_left
    if left is not None and medication.refill_threshold is not None and left <= medication.refill_threshold:
        text += f" You have {left} left, so it's time to ask for a refill."
    return text


def due_soon(turn: Turn, dose: Dose) -> bool:
    return dose.scheduled_utc <= turn.now + EARLY_WINDOW
