"""What the skill says about doses, shared by launch, log, check and yes/no, so they never disagree."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from skill.alexa.speech import is_us, join, medicine, minutes_words, when
from skill.alexa.turn import Turn
from skill.domain.models import Dose, DoseStatus
from skill.doses import EARLY_WINDOW
from skill.usecases.dose_log import LogKind, LogResult, Warning

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


def signpost(turn: Turn) -> str:
    if is_us(turn.speech_locale):
        return ("I've let your carer know. If you feel unwell, call a pharmacist or Poison Control at "
                "1-800-222-1222, or 911 in an emergency.")
    return "I've let your carer know. If you feel unwell, call a pharmacist or NHS 111, or 999 in an emergency."


def limit_sentence(turn: Turn, result: LogResult) -> str:
    med = result.logged[0].medication
    schedule = med.schedule
    if Warning.TOO_SOON in result.warnings and schedule.min_interval_minutes:
        gap = minutes_words(timedelta(minutes=schedule.min_interval_minutes))
        return f"That's sooner than the {gap} between doses your carer set."
    if Warning.OVER_DAILY_MAX in result.warnings and schedule.max_per_day:
        return f"That's more than the {schedule.max_per_day} a day your carer set."
    return "That's more than your plan says."


def log_result_sentence(turn: Turn, result: LogResult, skip: bool, everything: bool = False) -> str:
    """What a log did, in plain words; limits are the carer's, never advice of our own."""
    if result.kind is LogKind.LOGGED:
        names = join(list(dict.fromkeys(item.medication.name for item in result.logged)))
        if skip:
            return f"All right. I've noted that you're skipping your {names}."
        text = f"Thanks, I've noted your {names}."
        if result.safety is not None:
            text = f"I've noted your {names}. " + limit_sentence(turn, result) + " " + signpost(turn)
        for item in result.logged:
            left, threshold = item.pills_left, item.medication.refill_threshold
            if left is not None and threshold is not None and left <= threshold:
                text += f" You have {left} left, so it's time to ask for a refill."
        if result.earlier_open:
            first = result.earlier_open[0]
            text += f" Your {first.medication_name} from {say_when(turn, first.scheduled_utc)} isn't noted."
        return text
    if everything and result.kind in (LogKind.ALREADY, LogKind.NOTHING_DUE):
        lead = "You've already taken everything that was due." if result.already else "Nothing is due right now."
        return f"{lead} {next_dose_sentence(turn)}"
    if result.already:
        return already_sentence(turn, result.already[0])
    if result.kind is LogKind.CONFIRM_EARLY and result.to_confirm:
        first = result.to_confirm[0]
        return f"Your {first.medication_name} isn't due until {say_when(turn, first.scheduled_utc)}."
    return "You don't have any of that medicine due now."


def due_soon(turn: Turn, dose: Dose) -> bool:
    return dose.scheduled_utc <= turn.now + EARLY_WINDOW
