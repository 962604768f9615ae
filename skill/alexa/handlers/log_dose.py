""" "I took my metformin", "I've taken my pills", "I took two paracetamol": logging, never twice."""

from __future__ import annotations

from dataclasses import replace

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model.response import Response

from skill.alexa import answers
from skill.alexa.handlers.medicine import MedicineHandler
from skill.alexa.reminders import reminder_key, reminders_of, wanted_reminders
from skill.alexa.reply import reply
from skill.alexa.speech import join
from skill.alexa.turn import Deps, Turn, reminders_granted
from skill.domain.models import Dose, LogSource, Medication
from skill.doses import choose_dose_to_log, log_dose
from skill.store.core import LogOutcome


def record(handler_input: HandlerInput, deps: Deps, turn: Turn, medication: Medication, dose: Dose,
           skip: bool = False) -> LogOutcome:
    """Log through the dose book, then (best effort) stop today's follow-up reminder nagging."""
    outcome = log_dose(deps.store, turn.recipient, medication, dose, turn.now, LogSource.VOICE, skip=skip)
    if outcome.applied and not medication.schedule.as_needed:
        quiet_followup(handler_input, deps, turn, medication, dose)
    return outcome


def quiet_followup(handler_input: HandlerInput, deps: Deps, turn: Turn, medication: Medication,
                   dose: Dose) -> None:
    if turn.voice is None or not reminders_granted(handler_input):
        return
    key = reminder_key(medication.id, dose.scheduled_local.time(), followup=True)
    token = turn.voice.state.reminders.get(key)
    want = wanted_reminders([medication], turn.voice.state.followup_minutes, turn.speech_locale).get(key)
    if token is None or want is None:
        return
    reminders = reminders_of(handler_input, deps.store, turn)
    if reminders is not None:
        reminders.skip_followup_today(want, token)


def log_medication(handler_input: HandlerInput, deps: Deps, turn: Turn, medication: Medication,
                   count: int | None = None, skip: bool = False) -> Response:
    chosen = medication
    if count is not None and medication.schedule.as_needed and 1 <= count <= 20:
        chosen = replace(medication, pills_per_dose=count)  # "I took two paracetamol"
    # Scheduled medicines: today's doses only (yesterday's missed dose is history, not today's pill);
    # as-needed ones look back 24 hours for the carer's minimum interval.
    doses = turn.recent_doses() if medication.schedule.as_needed else turn.doses_today()
    target = choose_dose_to_log(turn.recipient, chosen, doses, turn.now)
    if target.dose is None:
        return reply(handler_input, answers.refused_sentence(turn, medication, target), end=True)
    outcome = record(handler_input, deps, turn, medication, target.dose, skip=skip)
    return reply(handler_input, answers.logged_sentence(turn, medication, outcome, skip), end=True)


def log_everything_due(handler_input: HandlerInput, deps: Deps, turn: Turn) -> Response:
    """ "I've taken my pills": every scheduled dose due now (or due soon) is logged, each once."""
    logged: list[str] = []
    already: list[str] = []
    doses = turn.doses_today()
    for med in turn.medications:
        if med.schedule.as_needed:
            continue
        target = choose_dose_to_log(turn.recipient, med, doses, turn.now)
        if target.dose is None or not answers.due_soon(turn, target.dose):
            continue
        outcome = record(handler_input, deps, turn, med, target.dose)
        (logged if outcome.applied else already).append(med.name)
    if logged:
        return reply(handler_input, f"Thanks, I've noted your {join(logged)}.", end=True)
    taken_today = [d for d in turn.doses_today() if d.status.is_taken]
    if taken_today or already:
        return reply(handler_input, "You've already taken everything that was due. "
                     + answers.next_dose_sentence(turn), end=True)
    return reply(handler_input, "Nothing is due right now. " + answers.next_dose_sentence(turn), end=True)


def log_doses(handler_input: HandlerInput, deps: Deps, turn: Turn, dose_ids: list[str]) -> Response:
    """ "Yes" to "Have you taken it?": exactly the doses that question was about."""
    logged: list[str] = []
    by_id = {d.id: d for d in turn.doses_today()}
    for dose_id in dose_ids:
        dose = by_id.get(dose_id)
        med = turn.voice.view.medication(dose.medication_id) if dose and turn.voice else None
        if dose is None or med is None:
            continue
        outcome = record(handler_input, deps, turn, med, dose)
        if outcome.applied:
            logged.append(med.name)
        else:
            return reply(handler_input, answers.already_sentence(turn, outcome.dose), end=True)
    if not logged:
        return reply(handler_input, "There's nothing to note right now. " + answers.next_dose_sentence(turn),
                     end=True)
    return reply(handler_input, f"Thanks, I've noted your {join(logged)}. " + answers.next_dose_sentence(turn),
                 end=True)


class LogDoseHandler(MedicineHandler):
    intent = "LogDoseIntent"
    action = "log"

    def for_medicine(self, handler_input: HandlerInput, turn: Turn, medication: Medication,
                     count: int | None) -> Response:
        return log_medication(handler_input, self.deps, turn, medication, count)

    def for_all(self, handler_input: HandlerInput, turn: Turn) -> Response:
        return log_everything_due(handler_input, self.deps, turn)
