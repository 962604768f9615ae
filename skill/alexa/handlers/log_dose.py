""" "I took my metformin", "I've taken my pills", "I took two paracetamol": logging, never twice."""

from __future__ import annotations

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model.response import Response

from skill.alexa import answers
from skill.alexa.handlers.medicine import MedicineHandler
from skill.alexa.reminders import reminder_key, reminders_of, wanted_reminders
from skill.alexa.reply import reply
from skill.alexa.turn import Deps, Turn, reminders_granted
from skill.domain.actors import Actor
from skill.domain.models import Dose, Medication
from skill.usecases.dose_log import LogResult, log_medicine, log_time_of_day
from skill.usecases.dose_log import log_doses as use_case_log_doses


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


def actor_of(turn: Turn) -> Actor:
    return Actor.person(turn.recipient.id)


def quiet_followups(handler_input: HandlerInput, deps: Deps, turn: Turn, result: LogResult) -> None:
    """Best effort: a logged scheduled dose needs no follow-up reminder nagging today."""
    for item in result.logged:
        if not item.medication.schedule.as_needed:
            quiet_followup(handler_input, deps, turn, item.medication, item.dose)


def say_result(handler_input: HandlerInput, deps: Deps, turn: Turn, result: LogResult, skip: bool = False,
               everything: bool = False) -> Response:
    quiet_followups(handler_input, deps, turn, result)
    return reply(handler_input, answers.log_result_sentence(turn, result, skip, everything), end=True)


def log_medication(handler_input: HandlerInput, deps: Deps, turn: Turn, medication: Medication,
                   count: int | None = None, skip: bool = False) -> Response:
    result = log_medicine(deps.store, actor_of(turn), turn.now, turn.recipient.id, medication.id, count=count,
                          skip=skip, view=turn.view, covered_from=turn.view_since())
    return say_result(handler_input, deps, turn, result, skip)


def log_everything_due(handler_input: HandlerInput, deps: Deps, turn: Turn) -> Response:
    """ "I've taken my pills": every scheduled dose due now (or due soon) is logged, each once."""
    result = log_time_of_day(deps.store, actor_of(turn), turn.now, turn.recipient.id, view=turn.view,
                             covered_from=turn.view_since())
    return say_result(handler_input, deps, turn, result, everything=True)


def log_doses(handler_input: HandlerInput, deps: Deps, turn: Turn, dose_ids: list[str]) -> Response:
    """ "Yes" to "Have you taken it?": exactly the doses that question was about."""
    result = use_case_log_doses(deps.store, actor_of(turn), turn.now, turn.recipient.id, dose_ids,
                                view=turn.view, covered_from=turn.view_since())
    return say_result(handler_input, deps, turn, result)


class LogDoseHandler(MedicineHandler):
    intent = "LogDoseIntent"
    action = "log"

    def for_medicine(self, handler_input: HandlerInput, turn: Turn, medication: Medication,
                     count: int | None) -> Response:
        return log_medication(handler_input, self.deps, turn, medication, count)

    def for_all(self, handler_input: HandlerInput, turn: Turn) -> Response:
        return log_everything_due(handler_input, self.deps, turn)
