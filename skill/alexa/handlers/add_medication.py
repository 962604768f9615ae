""" "Add a medicine": Alexa's dialog collects name, dose and time, and the person confirms before we save.

For people who manage their own medicines. A name already on the list is not added twice.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model.dialog.delegate_directive import DelegateDirective
from ask_sdk_model.response import Response

from skill.alexa.handlers.base import Handler, number_slot, resolved_values, slot_text
from skill.alexa.reply import catalog_of, reply
from skill.alexa.turn import Turn
from skill.conversation.dialogue import spoken_time
from skill.conversation.speech import medicine, time_of_day
from skill.domain.actors import Actor
from skill.domain.errors import ValidationError
from skill.domain.models import Medication, Schedule, new_id
from skill.usecases.care_plan import add_medication
from skill.usecases.errors import Invalid


def slot_name(handler_input: HandlerInput, name: str) -> str | None:
    resolved = [value for value, _, _ in resolved_values(handler_input, name)]
    return resolved[0] if resolved else slot_text(handler_input, name)


class AddMedicationHandler(Handler):
    intent = "AddMedicationIntent"

    def answer(self, handler_input: HandlerInput, turn: Turn) -> Response:
        request: Any = handler_input.request_envelope.request
        state = getattr(getattr(request, "dialog_state", None), "value", None)
        if state != "COMPLETED":
            handler_input.response_builder.add_directive(DelegateDirective(updated_intent=request.intent))
            response: Response = handler_input.response_builder.response
            return response
        say = catalog_of(handler_input)
        confirmation = getattr(getattr(request.intent, "confirmation_status", None), "value", "NONE")
        if confirmation != "CONFIRMED":
            return reply(handler_input, say("add.cancelled"), end=True)
        name = slot_name(handler_input, "medication")
        at = spoken_time(slot_text(handler_input, "time"))
        if name is None or at is None:
            return reply(handler_input, say("add.missing"), end=True)
        amount = number_slot(handler_input, "doseAmount")
        unit = slot_name(handler_input, "doseUnit") or ""
        dose_text = f"{amount} {unit}".strip() if amount is not None else ""
        try:
            medication = Medication(id=new_id("med"), recipient_id=turn.recipient.id, name=name,
                                    schedule=Schedule(times=(at,), start=turn.local_now.date()),
                                    dose_text=dose_text)
        except ValidationError:
            return reply(handler_input, say("add.failed"), end=True)
        try:
            medication = add_medication(self.deps.store, Actor.person(turn.recipient.id), turn.now, medication)
        except Invalid:
            return reply(handler_input, say("add.duplicate", name=name), end=True)
        said = medicine(medication.name, dose_text, turn.speech_locale)
        daily = time_of_day(datetime.combine(turn.local_now.date(), at), turn.speech_locale)
        return reply(handler_input, say("add.done", name=said, when=daily), end=True)
