"""Opening the skill: greet by name, say what is due (and ask if it is taken) or what comes next.

Launch is also when outside work happens, because it is in session: the person's own medicine names are
sent as dynamic entities, reminders are created or brought up to date, and the device's time zone is
compared with the person's. Each of those is best effort and never delays the greeting past its budget.
"""

from __future__ import annotations

from datetime import timedelta

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model.dialog.dynamic_entities_directive import DynamicEntitiesDirective
from ask_sdk_model.er.dynamic.entity import Entity
from ask_sdk_model.er.dynamic.entity_list_item import EntityListItem
from ask_sdk_model.er.dynamic.entity_value_and_synonyms import EntityValueAndSynonyms
from ask_sdk_model.er.dynamic.update_behavior import UpdateBehavior
from ask_sdk_model.interfaces.connections.send_request_directive import SendRequestDirective
from ask_sdk_model.response import Response
from ask_sdk_model.ui.ask_for_permissions_consent_card import AskForPermissionsConsentCard

from skill.alexa import answers
from skill.alexa.device_settings import check_device_zone
from skill.alexa.handlers.base import WHAT_NEXT, Handler
from skill.alexa.reminders import reminders_of, wanted_reminders
from skill.alexa.reply import reply
from skill.alexa.turn import REMINDERS_SCOPE, Deps, Turn, reminders_granted

DISCLAIMER = ("Just so you know: Dose Keeper reminds you and keeps a record, but it is not medical advice. "
              "For questions about your medicines, please ask your doctor or pharmacist.")
WELCOME_UNLINKED = ("Welcome to Dose Keeper. To get started, ask the person who set up your medicines for your "
                    "six-digit code, then say: my code is, followed by the numbers.")
ASK_AGAIN_AFTER = timedelta(days=7)  # a "no" to reminders is respected this long


def medicine_entities(turn: Turn) -> DynamicEntitiesDirective:
    """The person's own medicines, so Alexa hears "ramipril" rather than a near miss, and what they call each
    ("heart pill") as its synonyms, so that resolves to the medicine itself rather than a kind of medicine."""
    values = [Entity(id=m.id, name=EntityValueAndSynonyms(value=m.name, synonyms=list(m.also_called)))
              for m in turn.medications]
    return DynamicEntitiesDirective(update_behavior=UpdateBehavior.REPLACE,
                                    types=[EntityListItem(name="MedicationName", values=values)])


def permission_request() -> SendRequestDirective:
    return SendRequestDirective(name="AskFor", token="reminders", payload={  # noqa: S106 - a correlation tag
        "@type": "AskForPermissionsConsentRequest", "@version": "2",
        "permissionScopes": [{"permissionScope": REMINDERS_SCOPE, "consentLevel": "ACCOUNT"}]})


def sync_reminders(handler_input: HandlerInput, deps: Deps, turn: Turn, can_create: bool) -> None:
    reminders = reminders_of(handler_input, deps.store, turn)
    if reminders is None or turn.voice is None:
        return
    state = turn.voice.state
    wanted = wanted_reminders(turn.medications, state.followup_minutes, turn.speech_locale)
    reminders.sync(wanted, state.reminders, can_create=can_create)


def greet(handler_input: HandlerInput, deps: Deps, turn: Turn, opening: str) -> Response:
    """The linked person's greeting; used by launch and right after linking."""
    assert turn.voice is not None
    parts = [opening]
    if turn.voice.state.disclaimer_heard_at is None:
        parts.append(DISCLAIMER)
        deps.store.mark_disclaimer_heard(turn.recipient.id, turn.now)
    builder = handler_input.response_builder
    if turn.medications:
        builder.add_directive(medicine_entities(turn))
    if handler_input.service_client_factory is not None:
        check_device_zone(handler_input, deps.store, turn)
    granted = reminders_granted(handler_input)
    if granted:
        sync_reminders(handler_input, deps, turn, can_create=True)
    due = answers.due_now(turn)
    if due:
        parts.append(answers.due_question(turn, due))
        return reply(handler_input, " ".join(parts), reprompt="Have you taken it?",
                     pending={"kind": "taken", "ids": [d.id for d in due]})
    parts.append(answers.next_dose_sentence(turn))
    declined = turn.voice.state.permission_declined_at
    if (not granted and any(not m.schedule.as_needed for m in turn.medications)
            and (declined is None or turn.now - declined >= ASK_AGAIN_AFTER)):
        # Voice consent first; the card in the Alexa app is the fallback where voice consent is unavailable.
        parts.append("I can also remind you when each medicine is due.")
        builder.add_directive(permission_request())
        return reply(handler_input, " ".join(parts), card=AskForPermissionsConsentCard(permissions=[REMINDERS_SCOPE]))
    parts.append(WHAT_NEXT)
    return reply(handler_input, " ".join(parts), reprompt=WHAT_NEXT)


class LaunchHandler(Handler):
    request_type = "LaunchRequest"
    unlinked_text = WELCOME_UNLINKED

    def answer(self, handler_input: HandlerInput, turn: Turn) -> Response:
        return greet(handler_input, self.deps, turn, f"Hello {turn.recipient.display_name}.")
