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

from skill.alexa.device_settings import check_device_zone
from skill.alexa.handlers.base import Handler, talk_of
from skill.alexa.reminders import reminders_of, wanted_reminders
from skill.alexa.reply import catalog_of, reply, speak
from skill.alexa.turn import REMINDERS_SCOPE, Deps, Turn, reminders_granted
from skill.conversation import dialogue

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
    """The linked person's greeting (launch, and right after linking): the dialogue's check-in or next dose,
    plus what only Alexa does in session: the person's medicine names, reminders, the device's time zone."""
    assert turn.voice is not None
    say = catalog_of(handler_input)
    parts = [opening]
    if turn.voice.state.disclaimer_heard_at is None:
        parts.append(say("greet.disclaimer"))
        deps.store.mark_disclaimer_heard(turn.recipient.id, turn.now)
    builder = handler_input.response_builder
    if turn.medications:
        builder.add_directive(medicine_entities(turn))
    if handler_input.service_client_factory is not None:
        check_device_zone(handler_input, deps.store, turn)
    granted = reminders_granted(handler_input)
    if granted:
        sync_reminders(handler_input, deps, turn, can_create=True)
    answer = dialogue.greeting(talk_of(handler_input, deps, turn), " ".join(parts))
    declined = turn.voice.state.permission_declined_at
    if (answer.question is None and not granted and any(not m.schedule.as_needed for m in turn.medications)
            and (declined is None or turn.now - declined >= ASK_AGAIN_AFTER)):
        # Voice consent first; the card in the Alexa app is the fallback where voice consent is unavailable.
        builder.add_directive(permission_request())
        text = answer.text.removesuffix(answer.reprompt or "").rstrip() + " " + say("greet.reminders_offer")
        return reply(handler_input, text, card=AskForPermissionsConsentCard(permissions=[REMINDERS_SCOPE]))
    return speak(handler_input, answer)


class LaunchHandler(Handler):
    request_type = "LaunchRequest"
    unlinked_key = "link.welcome"

    def answer(self, handler_input: HandlerInput, turn: Turn) -> Response:
        return greet(handler_input, self.deps, turn, catalog_of(handler_input)("greet.hello",
                                                                                name=turn.recipient.display_name))
