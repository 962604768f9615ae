"""Real Alexa request envelopes (the JSON Alexa sends), and a little conversation driver for voice tests."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_core.skill import CustomSkill
from ask_sdk_model.request_envelope import RequestEnvelope

SKILL_ID = "amzn1.ask.skill.00000000-0000-4000-8000-000000000001"
REMINDERS_SCOPE = "alexa::alerts:reminders:skill:readwrite"
_serializer = DefaultSerializer()


def _authority(dynamic: bool) -> str:
    return ("amzn1.er-authority.echo-sdk.dynamic.amzn1.ask.skill.test.MedicationName" if dynamic
            else "amzn1.er-authority.echo-sdk.amzn1.ask.skill.test.MedicationName")


def slot(name: str, value: str | None, *, resolved: tuple[str, str] | None = None,
         dynamic: bool = False, also: tuple[str, str] | None = None) -> dict[str, Any]:
    """A slot as Alexa fills it; `resolved` = (canonical name, id) from entity resolution (the person's own
    entities when `dynamic`); `also` = (name, id) the model's own values matched as well (e.g. a kind)."""
    data: dict[str, Any] = {"name": name, "confirmationStatus": "NONE"}
    if value is not None:
        data["value"] = value
    matched = [(resolved, dynamic)] if resolved is not None else []
    if also is not None:
        matched.append((also, False))
    if matched:
        data["resolutions"] = {"resolutionsPerAuthority": [{
            "authority": _authority(is_dynamic), "status": {"code": "ER_SUCCESS_MATCH"},
            "values": [{"value": {"name": found[0], "id": found[1]}}]} for found, is_dynamic in matched]}
    return data


SlotValue = str | dict[str, Any] | None  # the words heard, or a whole slot from `slot()` (with resolutions)


def intent_request(name: str, slots: Mapping[str, SlotValue] | None = None, **extra: Any) -> dict[str, Any]:
    return {"type": "IntentRequest", "intent": {
        "name": name, "confirmationStatus": extra.pop("confirmation", "NONE"),
        "slots": {k: v if isinstance(v, dict) else slot(k, v) for k, v in (slots or {}).items()}}, **extra}


@dataclass
class Speaker:
    """One Alexa account on one device, optionally a recognised voice profile (person id)."""

    user_id: str = field(default_factory=lambda: f"amzn1.ask.account.{uuid.uuid4().hex}")
    person_id: str | None = None
    device_id: str = "amzn1.ask.device.TEST"
    reminders_granted: bool = False
    api_endpoint: str = "http://127.0.0.1:9"  # loopback discard port: outside calls fail at once
    locale: str = "en-GB"


def envelope(speaker: Speaker, request: Mapping[str, Any], *, now: datetime,
             session: Mapping[str, Any] | None = None, new: bool = True,
             attributes: Mapping[str, Any] | None = None) -> dict[str, Any]:
    application = {"applicationId": SKILL_ID}
    user: dict[str, Any] = {"userId": speaker.user_id}
    if speaker.reminders_granted:
        user["permissions"] = {"consentToken": "consent", "scopes": {REMINDERS_SCOPE: {"status": "GRANTED"}}}
    system: dict[str, Any] = {
        "application": application, "user": user,
        "device": {"deviceId": speaker.device_id, "supportedInterfaces": {}},
        "apiEndpoint": speaker.api_endpoint, "apiAccessToken": "test-api-token",
    }
    if speaker.person_id:
        system["person"] = {"personId": speaker.person_id}
    body: dict[str, Any] = {
        "version": "1.0",
        "context": {"System": system},
        "request": {"requestId": f"amzn1.echo-api.request.{uuid.uuid4()}", "locale": speaker.locale,
                    "timestamp": now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), **request},
    }
    if session is not None or new is not None:
        body["session"] = dict(session or {
            "new": new, "sessionId": f"amzn1.echo-api.session.{uuid.uuid4()}",
            "application": application, "user": user, "attributes": dict(attributes or {})})
    return body


@dataclass
class Said:
    """What Alexa would say back, in plain words, plus the raw response."""

    text: str
    reprompt: str | None
    ended: bool | None
    raw: dict[str, Any]

    @property
    def directives(self) -> list[dict[str, Any]]:
        return list(self.raw.get("response", {}).get("directives") or [])

    @property
    def ssml(self) -> str:
        return str(self.raw.get("response", {}).get("outputSpeech", {}).get("ssml", ""))


def _plain(ssml: str | None) -> str | None:
    if ssml is None:
        return None
    return re.sub(r"<[^>]+>", "", ssml).replace("&amp;", "&").strip()


def invoke(skill: CustomSkill, body: Mapping[str, Any]) -> Said:
    request_envelope = _serializer.deserialize(json.dumps(body), RequestEnvelope)
    raw: Any = _serializer.serialize(skill.invoke(request_envelope=request_envelope, context=None))
    assert isinstance(raw, dict)
    response = raw.get("response", {})
    reprompt = response.get("reprompt", {}).get("outputSpeech", {}).get("ssml")
    return Said(text=_plain(response.get("outputSpeech", {}).get("ssml")) or "", reprompt=_plain(reprompt),
                ended=response.get("shouldEndSession"), raw=raw)


@dataclass
class Conversation:
    """A session with the skill: each call sends one request, carrying the session attributes along."""

    skill: CustomSkill
    speaker: Speaker
    clock: Any  # callable returning "now"
    attributes: dict[str, Any] = field(default_factory=dict)
    session_id: str = field(default_factory=lambda: f"amzn1.echo-api.session.{uuid.uuid4()}")
    turns: int = 0

    def send(self, request: Mapping[str, Any]) -> Said:
        application = {"applicationId": SKILL_ID}
        session = {"new": self.turns == 0, "sessionId": self.session_id, "application": application,
                   "user": {"userId": self.speaker.user_id}, "attributes": dict(self.attributes)}
        said = invoke(self.skill, envelope(self.speaker, request, now=self.clock(), session=session))
        self.attributes = dict(said.raw.get("sessionAttributes") or {})
        self.turns += 1
        return said

    def launch(self) -> Said:
        return self.send({"type": "LaunchRequest"})

    def intent(self, name: str, **slots: SlotValue) -> Said:
        return self.send(intent_request(name, slots))

    def answer(self, name: str, **slots: SlotValue) -> Said:
        """The reply to a question the skill asked with Dialog.ElicitSlot: the same intent, in progress."""
        return self.send(intent_request(name, slots, dialogState="IN_PROGRESS"))

    def new_session(self) -> Conversation:
        return Conversation(self.skill, self.speaker, self.clock)


@dataclass
class FixedClock:
    """The skill's clock in tests: moved by hand, never by sleeping."""

    now: datetime

    def __call__(self) -> datetime:
        return self.now

    def set(self, value: datetime) -> None:
        self.now = value
