"""The answer to our voice request for reminder permission (Connections.Response to AskFor)."""

from __future__ import annotations

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model.response import Response

from skill.alexa.handlers.base import Handler
from skill.alexa.handlers.launch import sync_reminders
from skill.alexa.reply import catalog_of, reply
from skill.alexa.turn import Turn


class PermissionResponseHandler(Handler):
    request_type = "Connections.Response"

    def can_handle(self, handler_input: HandlerInput) -> bool:
        request = handler_input.request_envelope.request
        return bool(super().can_handle(handler_input) and getattr(request, "name", None) == "AskFor")

    def answer(self, handler_input: HandlerInput, turn: Turn) -> Response:
        payload = getattr(handler_input.request_envelope.request, "payload", None) or {}
        if payload.get("status") == "ACCEPTED":
            self.deps.store.set_permission_declined(turn.recipient.id, None)
            sync_reminders(handler_input, self.deps, turn, can_create=True)
            return reply(handler_input, catalog_of(handler_input)("permission.granted"), end=True)
        self.deps.store.set_permission_declined(turn.recipient.id, turn.now)
        return reply(handler_input, catalog_of(handler_input)("permission.declined"), end=True)
