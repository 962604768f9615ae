"""Alexa's envelope read once from the verified dict: its dates as ask-sdk reads them, faster."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from skill.alexa.serializer import AlexaSerializer
from tests.support.envelopes import Speaker, envelope


def test_the_request_timestamp_is_the_instant_alexa_sent() -> None:
    now = datetime(2026, 12, 2, 8, 0, 5, tzinfo=UTC)
    built = AlexaSerializer().envelope_from_dict(envelope(Speaker(), {"type": "LaunchRequest"}, now=now))
    assert built is not None and built.request is not None
    assert built.request.timestamp == now and built.request.timestamp.utcoffset() is not None
    assert built.request.object_type == "LaunchRequest"
    assert built.context is not None and built.context.system is not None
    assert str(getattr(built.context.system.user, "user_id", "")).startswith("amzn1.ask.account.")


def test_a_timestamp_in_another_shape_still_reads() -> None:
    data = envelope(Speaker(), {"type": "LaunchRequest"}, now=datetime(2026, 12, 2, tzinfo=UTC))
    data["request"]["timestamp"] = "Wed, 02 Dec 2026 08:00:05 GMT"
    built = AlexaSerializer().envelope_from_dict(data)
    assert built is not None and built.request is not None
    assert built.request.timestamp == datetime(2026, 12, 2, 8, 0, 5, tzinfo=UTC)


def test_something_that_is_not_an_envelope_is_none() -> None:
    assert AlexaSerializer().envelope_from_dict(None) is None  # type: ignore[arg-type]


def test_a_full_envelope_reads_and_an_answer_writes_exactly_as_ask_sdk_s_own_serializer() -> None:
    from ask_sdk_core.serialize import DefaultSerializer
    from ask_sdk_model.dialog.dynamic_entities_directive import DynamicEntitiesDirective
    from ask_sdk_model.er.dynamic.entity import Entity
    from ask_sdk_model.er.dynamic.entity_list_item import EntityListItem
    from ask_sdk_model.er.dynamic.entity_value_and_synonyms import EntityValueAndSynonyms
    from ask_sdk_model.er.dynamic.update_behavior import UpdateBehavior
    from ask_sdk_model.request_envelope import RequestEnvelope
    from ask_sdk_model.response import Response
    from ask_sdk_model.response_envelope import ResponseEnvelope
    from ask_sdk_model.ui.reprompt import Reprompt
    from ask_sdk_model.ui.simple_card import SimpleCard
    from ask_sdk_model.ui.ssml_output_speech import SsmlOutputSpeech

    from tests.support.envelopes import intent_request, slot

    speaker = Speaker(person_id="amzn1.ask.person.X", reminders_granted=True)
    data = envelope(speaker, intent_request("LogDoseIntent", {
        "medication": slot("medication", "heart pill", resolved=("Bisoprolol", "med_1"), dynamic=True,
                           also=("heart pill", "kind_heart")), "time": "07:30"}),
        now=datetime(2026, 12, 2, 8, tzinfo=UTC), attributes={"link": {"recipient_id": "rec_1"}, "n": [1, 2]})
    ours, theirs = AlexaSerializer(), DefaultSerializer()
    read = ours.envelope_from_dict(data)
    assert read is not None
    assert ours.serialize(read) == theirs.serialize(theirs.deserialize(json.dumps(data), RequestEnvelope))

    remembered: dict[str, object] = {"last": {"text": "Noted.", "at": None}}
    answer = ResponseEnvelope(version="1.0", session_attributes=remembered, response=Response(
        output_speech=SsmlOutputSpeech(ssml="<speak>Noted.</speak>"),
        reprompt=Reprompt(output_speech=SsmlOutputSpeech(ssml="<speak>Anything else?</speak>")),
        card=SimpleCard(title="DoseKeeper", content="Noted."), should_end_session=False,
        directives=[DynamicEntitiesDirective(update_behavior=UpdateBehavior.REPLACE, types=[EntityListItem(
            name="MedicationName", values=[Entity(id="med_1", name=EntityValueAndSynonyms(
                value="Bisoprolol", synonyms=["heart pill"]))])])]))
    assert ours.serialize(answer) == theirs.serialize(answer)
