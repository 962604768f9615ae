""" "Did I take my heart pill?", "did I take my pills today?", next dose, my medicines, pills left."""

from __future__ import annotations

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model.response import Response

from skill.alexa import answers
from skill.alexa.handlers.base import WHAT_NEXT, Handler
from skill.alexa.handlers.medicine import MedicineHandler
from skill.alexa.reply import reply
from skill.alexa.speech import first_few, join, medicine
from skill.alexa.turn import Deps, Turn
from skill.domain.models import Medication

MORE = "Want to hear more?"


def listing(handler_input: HandlerInput, intro: str, items: list[str], outro: str = "") -> Response:
    """At most three items, then "Want to hear more?" with the rest kept for a yes."""
    said, rest = first_few(items)
    if rest:
        return reply(handler_input, f"{intro} {said}. {MORE}", reprompt=MORE,
                     pending={"kind": "more", "items": rest, "outro": outro})
    return reply(handler_input, f"{intro} {said}. {outro}".strip(), end=True)


def check_medication(handler_input: HandlerInput, deps: Deps, turn: Turn, medication: Medication,
                     count: int | None = None) -> Response:
    mine = [d for d in turn.doses_today() if d.medication_id == medication.id]
    taken = [d for d in mine if d.status.is_taken]
    name = medication.name
    if medication.schedule.as_needed:
        if not taken:
            return reply(handler_input, f"You haven't had any {name} today.", end=True)
        times = "once" if len(taken) == 1 else "twice" if len(taken) == 2 else f"{len(taken)} times"
        latest = taken[-1].logged_at or taken[-1].scheduled_utc
        return reply(handler_input, f"You've had {name} {times} today, most recently at "
                     f"{answers.say_when(turn, latest)}.", end=True)
    open_due = [d for d in mine if not d.is_logged and d.scheduled_utc <= turn.now]
    if taken and not open_due:
        last = max(taken, key=lambda d: d.logged_at or d.scheduled_utc)
        return reply(handler_input, f"Yes, you took your {name} at "
                     f"{answers.say_when(turn, last.logged_at or last.scheduled_utc)}.", end=True)
    if open_due:
        due_at = answers.say_when(turn, open_due[0].scheduled_utc)
        prefix = "Not yet." if taken else "No."
        text = (f"{prefix} You haven't taken your {name} yet today. It was due at {due_at}." if not taken else
                f"{prefix} Your {name} that was due at {due_at} isn't noted yet.")
        return reply(handler_input, text, end=True)
    upcoming = [d for d in mine if not d.is_logged]
    if upcoming:
        return reply(handler_input, f"Not yet. Your {name} is due at "
                     f"{answers.say_when(turn, upcoming[0].scheduled_utc)}.", end=True)
    return reply(handler_input, f"You don't have any {name} due today.", end=True)


def check_today(handler_input: HandlerInput, turn: Turn) -> Response:
    """ "Did I take my pills today?": what is taken and what is still due, so nothing is taken twice."""
    today = turn.doses_today()
    if not today:
        return reply(handler_input, "You have no medicines scheduled today.", end=True)
    taken = [f"{d.medication_name} at {answers.say_when(turn, d.logged_at or d.scheduled_utc)}"
             for d in today if d.status.is_taken]
    missing = [f"{d.medication_name}, due at {answers.say_when(turn, d.scheduled_utc)}"
               for d in today if not d.is_logged and d.scheduled_utc <= turn.now]
    later = [d for d in today if not d.is_logged and d.scheduled_utc > turn.now]
    outro = answers.next_dose_sentence(turn) if later and not missing else ""
    if missing:
        intro = (f"Today you've taken {join(taken)}. " if taken else "You haven't taken anything yet today. ")
        return listing(handler_input, intro + "You still need to take", missing, outro)
    if taken:
        return listing(handler_input, "Yes. Today you've taken", taken, outro)
    return reply(handler_input, "Nothing was due yet today. " + answers.next_dose_sentence(turn), end=True)


class CheckDoseHandler(MedicineHandler):
    intent = "CheckDoseIntent"
    action = "check"

    def for_medicine(self, handler_input: HandlerInput, turn: Turn, medication: Medication,
                     count: int | None) -> Response:
        return check_medication(handler_input, self.deps, turn, medication)

    def for_all(self, handler_input: HandlerInput, turn: Turn) -> Response:
        return check_today(handler_input, turn)


class NextDoseHandler(Handler):
    intent = "NextDoseIntent"

    def answer(self, handler_input: HandlerInput, turn: Turn) -> Response:
        due = answers.due_now(turn)
        if due:
            return reply(handler_input, answers.due_question(turn, due), reprompt="Have you taken it?",
                         pending={"kind": "taken", "ids": [d.id for d in due]})
        return reply(handler_input, answers.next_dose_sentence(turn), end=True)


class ListMedicationsHandler(Handler):
    intent = "ListMedicationsIntent"

    def answer(self, handler_input: HandlerInput, turn: Turn) -> Response:
        meds = turn.medications
        if not meds:
            return reply(handler_input, "You don't have any medicines on your list yet.", end=True)
        items = [medicine(m.name, m.dose_text, turn.speech_locale) for m in meds]
        return listing(handler_input, "You take", items)


def pills_left(handler_input: HandlerInput, deps: Deps, turn: Turn, medication: Medication,
               count: int | None = None) -> Response:
    if medication.pill_count is None:
        return reply(handler_input, f"I'm not counting your {medication.name} for you. "
                     "The person who set up your medicines can turn that on.", end=True)
    text = f"You have {medication.pill_count} {medication.name} left."
    if medication.refill_threshold is not None and medication.pill_count <= medication.refill_threshold:
        text += " It's time to ask for a refill."
    return reply(handler_input, text, end=True)


class PillsLeftHandler(MedicineHandler):
    intent = "PillsLeftIntent"
    action = "pills"

    def for_medicine(self, handler_input: HandlerInput, turn: Turn, medication: Medication,
                     count: int | None) -> Response:
        return pills_left(handler_input, self.deps, turn, medication)

    def for_all(self, handler_input: HandlerInput, turn: Turn) -> Response:
        counted = [m for m in turn.medications if m.pill_count is not None]
        if not counted:
            return reply(handler_input, "I'm not counting any of your pills. " + WHAT_NEXT, reprompt=WHAT_NEXT)
        return listing(handler_input, "Here's what you have left:", [f"{m.pill_count} {m.name}" for m in counted])
