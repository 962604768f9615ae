"""The console plays the Alexa service against a real ask-sdk-core skill: sessions, attributes, dialogs.

The skill here is a small stand-in that reports back what it received, so each test can see exactly the
envelope the console built; the real DoseKeeper skill is driven in test_chat_console.py.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ask_sdk_core.dispatch_components.request_components import AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.skill_builder import SkillBuilder
from ask_sdk_core.utils.predicate import is_intent_name, is_request_type
from ask_sdk_model.dialog.dynamic_entities_directive import DynamicEntitiesDirective
from ask_sdk_model.dialog.elicit_slot_directive import ElicitSlotDirective
from ask_sdk_model.er.dynamic.entity import Entity
from ask_sdk_model.er.dynamic.entity_list_item import EntityListItem
from ask_sdk_model.er.dynamic.entity_value_and_synonyms import EntityValueAndSynonyms
from ask_sdk_model.er.dynamic.update_behavior import UpdateBehavior
from ask_sdk_model.response import Response

from skill.voice_console.conversation import Conversation
from skill.voice_console.envelopes import Caller
from skill.voice_console.model import load_model
from skill.voice_console.transport import in_process

SKILL_ID = "amzn1.ask.skill.console-test"
NOW = datetime(2026, 11, 25, 8, 5, tzinfo=UTC)


def request_of(handler_input: HandlerInput) -> Any:
    return handler_input.request_envelope.request


def attributes_of(handler_input: HandlerInput) -> dict[str, Any]:
    attributes = handler_input.attributes_manager.session_attributes
    assert attributes is not None
    return attributes


class Launch(AbstractRequestHandler):
    def can_handle(self, handler_input: HandlerInput) -> bool:
        return bool(is_request_type("LaunchRequest")(handler_input))

    def handle(self, handler_input: HandlerInput) -> Response:
        attributes_of(handler_input)["turns"] = 1
        own = EntityListItem(name="MedicationName", values=[
            Entity(id="med_ramipril", name=EntityValueAndSynonyms(value="Ramipril", synonyms=["heart pill"]))])
        return (handler_input.response_builder.speak("<speak>Hello <break time='1s'/> Edith &amp; co.</speak>")
                .ask("What would you like?")
                .add_directive(DynamicEntitiesDirective(update_behavior=UpdateBehavior.REPLACE, types=[own]))
                .response)


class Elicit(AbstractRequestHandler):
    """Asks for a missing medicine itself (a SKILL_RESPONSE dialog)."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        if not is_intent_name("SkipDoseIntent")(handler_input):
            return False
        return request_of(handler_input).intent.slots["medication"].value is None

    def handle(self, handler_input: HandlerInput) -> Response:
        intent = request_of(handler_input).intent
        return (handler_input.response_builder.speak("Which medicine are you skipping?")
                .ask("Which medicine?")
                .add_directive(ElicitSlotDirective(updated_intent=intent, slot_to_elicit="medication"))
                .response)


class Echo(AbstractRequestHandler):
    """Says back what it heard: intent, slots (with the resolved id), dialog state and the turn count."""

    received: list[dict[str, Any]] = []  # noqa: RUF012 - per test class, read by the tests

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return bool(is_request_type("IntentRequest")(handler_input))

    def handle(self, handler_input: HandlerInput) -> Response:
        request = request_of(handler_input)
        attributes = attributes_of(handler_input)
        attributes["turns"] = int(attributes.get("turns", 0)) + 1
        parts = [request.intent.name]
        for name, slot in sorted((request.intent.slots or {}).items()):
            if slot.value is None:
                continue
            resolved = ""
            if slot.resolutions:
                matched = [a for a in slot.resolutions.resolutions_per_authority if a.values]
                resolved = f"={matched[0].values[0].value.id}" if matched else "=?"
            parts.append(f"{name}:{slot.value}{resolved}")
        parts.append(f"confirm:{request.intent.confirmation_status.value}")
        if request.dialog_state is not None:
            parts.append(f"dialog:{request.dialog_state.value}")
        parts.append(f"turn:{attributes['turns']}")
        builder = handler_input.response_builder.speak(" ".join(parts))
        if request.intent.name != "AMAZON.StopIntent":
            builder.ask("Anything else?")
        return builder.response


class Ended(AbstractRequestHandler):
    ended: list[str] = []  # noqa: RUF012

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return bool(is_request_type("SessionEndedRequest")(handler_input))

    def handle(self, handler_input: HandlerInput) -> Response:
        Ended.ended.append(request_of(handler_input).reason.value)
        return handler_input.response_builder.response


def conversation(locale: str = "en-GB") -> Conversation:
    builder = SkillBuilder()
    builder.skill_id = SKILL_ID  # type: ignore[assignment]
    for handler in (Launch(), Elicit(), Echo(), Ended()):
        builder.add_request_handler(handler)
    caller = Caller(skill_id=SKILL_ID, user_id="amzn1.ask.account.TEST", locale=locale)
    return Conversation(load_model(locale), in_process(builder.create()), caller, clock=lambda: NOW)


def test_launch_speaks_plain_text_and_keeps_the_session_open() -> None:
    # GIVEN a console  WHEN the speaker opens the skill
    turn = conversation().start()
    # THEN the SSML is read as plain text, with the reprompt, and the session stays open
    assert turn.speech == "Hello Edith & co."
    assert turn.reprompt == "What would you like?"
    assert not turn.ended


def test_session_attributes_travel_from_each_response_to_the_next_request() -> None:
    chat = conversation()
    chat.start()
    # WHEN two sentences follow the launch
    chat.say("what's my next dose")
    turn = chat.say("what medicines do I take")
    # THEN the skill saw its own attributes come back each time
    assert turn.speech == "ListMedicationsIntent confirm:NONE turn:3"


def test_the_persons_own_medicine_names_resolve_after_launch() -> None:
    chat = conversation()
    chat.start()  # the skill installs dynamic entities: Ramipril, "heart pill"
    # WHEN the speaker uses their own word for it
    turn = chat.say("did I take my heart pill?")
    # THEN the slot resolves to their own medicine's id, as Alexa's dynamic entities do
    assert turn.speech == "CheckDoseIntent medication:heart pill=med_ramipril confirm:NONE turn:2"
    # AND a common medicine resolves to the model's id; an unknown word resolves to nothing
    assert "medication:lipitor=ATORVASTATIN" in chat.say("did I take my lipitor").speech
    assert "medication:zzz=?" in chat.say("did I take my zzz").speech


def test_numbers_spoken_as_words_arrive_as_digits() -> None:
    chat = conversation()
    chat.start()
    assert chat.say("my code is four eight two nine one three").speech.startswith(
        "LinkAccountIntent code:482913 ")


def test_a_sentence_nobody_modelled_reaches_the_skill_as_the_fallback_intent() -> None:
    chat = conversation()
    chat.start()
    assert chat.say("sing me a song about turnips").speech.startswith("AMAZON.FallbackIntent")


def test_alexa_runs_a_delegated_dialog_and_hands_over_the_confirmed_intent() -> None:
    # GIVEN AddMedicationIntent, whose dialog Alexa runs itself (delegation ALWAYS)
    chat = conversation()
    chat.start()
    # WHEN the speaker gives only the name
    first = chat.say("add ramipril")
    # THEN Alexa (not the skill) asks for each missing slot, with the model's prompts
    assert first.speech == "How much ramipril do you take each time? Just the number, please."
    assert chat.say("five").speech == "Is that in milligrams, tablets, or something else?"
    assert chat.say("milligrams").speech.startswith(("What time of day do you take ramipril?", "When do you take"))
    confirm = chat.say("at eight in the evening")
    assert confirm.speech == "I'll add ramipril, 5 milligrams, every day at 20:00. Shall I save it?"
    # AND an answer that is not yes or no is asked again
    assert chat.say("purple").speech == confirm.speech
    # AND the skill gets the whole intent, confirmed and completed (the person's own Ramipril resolved first)
    done = chat.say("yes")
    assert done.speech == ("AddMedicationIntent doseAmount:5 doseUnit:milligrams=MILLIGRAM "
                           "medication:ramipril=med_ramipril time:20:00 confirm:CONFIRMED dialog:COMPLETED turn:2")


def test_a_slot_the_skill_asks_for_is_filled_by_the_next_sentence() -> None:
    chat = conversation()
    chat.start()
    # WHEN the skill answers with Dialog.ElicitSlot
    assert chat.say("skip this dose").speech == "Which medicine are you skipping?"
    # THEN the next sentence fills that slot of the same intent
    turn = chat.say("aspirin")
    assert turn.speech.startswith("SkipDoseIntent medication:aspirin=ASPIRIN confirm:NONE dialog:IN_PROGRESS")


def test_stop_ends_the_session_and_the_next_sentence_is_a_one_shot_in_a_new_session() -> None:
    chat = conversation()
    chat.start()
    stopped = chat.say("stop")
    assert stopped.ended and not chat.in_session
    # WHEN the speaker says "Alexa, tell Dose Keeper I took it" later
    turn = chat.say("Alexa, tell Dose Keeper I took it")
    # THEN it starts a new session without a launch (no attributes carried over)
    assert turn.speech == "LogDoseIntent confirm:NONE turn:1"
    assert turn.response is not None


def test_quitting_tells_the_skill_the_session_ended() -> None:
    chat = conversation()
    chat.start()
    Ended.ended.clear()
    chat.end()
    assert Ended.ended == ["USER_INITIATED"]
    assert chat.end() is None


def test_american_english_uses_the_us_model() -> None:
    chat = conversation("en-US")
    chat.start()
    assert chat.say("I took my meds").speech.startswith("LogDoseIntent confirm:NONE")
