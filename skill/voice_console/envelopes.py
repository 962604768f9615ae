"""Request envelopes as Alexa sends them (JSON dicts), for launch, intents and the end of a session."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

DEFAULT_API_ENDPOINT = "https://api.amazonalexa.com"


@dataclass(frozen=True)
class Caller:
    """Who is speaking, to which skill, through which device: the fixed parts of every envelope."""

    skill_id: str
    user_id: str
    locale: str
    device_id: str = "amzn1.ask.device.DOSEKEEPER_CONSOLE"
    api_endpoint: str = DEFAULT_API_ENDPOINT
    api_access_token: str = "console-token"  # noqa: S105 - a placeholder the console's skill never trusts
    person_id: str | None = None
    granted_scopes: tuple[str, ...] = ()  # permissions the speaker has given the skill (e.g. reminders)


def timestamp(now: datetime) -> str:
    return now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def new_session_id() -> str:
    return f"amzn1.echo-api.session.{uuid.uuid4()}"


def envelope(caller: Caller, session_id: str, new: bool, attributes: Mapping[str, Any],
             request: dict[str, Any]) -> dict[str, Any]:
    application = {"applicationId": caller.skill_id}
    user: dict[str, Any] = {"userId": caller.user_id}
    system_user = dict(user)
    if caller.granted_scopes:
        system_user["permissions"] = {
            "consentToken": caller.api_access_token,
            "scopes": {scope: {"status": "GRANTED"} for scope in caller.granted_scopes},
        }
    system: dict[str, Any] = {
        "application": application,
        "user": system_user,
        "device": {"deviceId": caller.device_id, "supportedInterfaces": {}},
        "apiEndpoint": caller.api_endpoint,
        "apiAccessToken": caller.api_access_token,
    }
    if caller.person_id:
        system["person"] = {"personId": caller.person_id}
    return {
        "version": "1.0",
        "session": {"new": new, "sessionId": session_id, "application": application,
                    "attributes": dict(attributes), "user": user},
        "context": {"System": system},
        "request": request,
    }


def _request(kind: str, caller: Caller, now: datetime, **fields: Any) -> dict[str, Any]:
    return {"type": kind, "requestId": f"amzn1.echo-api.request.{uuid.uuid4()}",
            "timestamp": timestamp(now), "locale": caller.locale, **fields}


def launch_request(caller: Caller, now: datetime) -> dict[str, Any]:
    return _request("LaunchRequest", caller, now)


def intent_request(caller: Caller, now: datetime, intent: dict[str, Any],
                   dialog_state: str | None = None) -> dict[str, Any]:
    fields: dict[str, Any] = {"intent": intent}
    if dialog_state:
        fields["dialogState"] = dialog_state
    return _request("IntentRequest", caller, now, **fields)


def session_ended_request(caller: Caller, now: datetime, reason: str = "USER_INITIATED") -> dict[str, Any]:
    return _request("SessionEndedRequest", caller, now, reason=reason)


def permission_response(caller: Caller, now: datetime, name: str, token: str, scope: str,
                        status: str) -> dict[str, Any]:
    """Alexa's answer to the skill's Connections.SendRequest (AskFor): ACCEPTED, DENIED or NOT_ANSWERED."""
    return _request("Connections.Response", caller, now, name=name, token=token,
                    status={"code": "200", "message": "OK"},
                    payload={"permissionScope": scope, "status": status})


def empty_intent(name: str, slot_names: list[str]) -> dict[str, Any]:
    """Alexa lists every slot the intent declares, with a value only for those that were heard."""
    return {"name": name, "confirmationStatus": "NONE",
            "slots": {s: {"name": s, "confirmationStatus": "NONE"} for s in slot_names}}


def fill_slot(intent: dict[str, Any], name: str, value: str, resolutions: dict[str, Any] | None) -> None:
    slot: dict[str, Any] = {"name": name, "value": value, "confirmationStatus": "NONE", "source": "USER"}
    if resolutions is not None:
        slot["resolutions"] = resolutions
    intent.setdefault("slots", {})[name] = slot
