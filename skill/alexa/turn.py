"""One voice turn's facts, gathered once by the request interceptor and read by every handler."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from ask_sdk_core.handler_input import HandlerInput

from skill.domain.models import Dose, Medication, Recipient
from skill.doses import merge_doses
from skill.schedules import day_window
from skill.store.base import Store
from skill.store.core import RecipientView
from skill.store.voice import VoiceView
from skill.usecases.dose_log import VIEW_MARGIN

Clock = Callable[[], datetime]
TURN_KEY = "dosekeeper.turn"
REMINDERS_SCOPE = "alexa::alerts:reminders:skill:readwrite"
LOOKBACK = timedelta(hours=24)  # as-needed limits and "you already took it" look this far back


@dataclass
class Deps:
    """What the handlers share, built once per skill: the store and the clock (tests pass a fixed one)."""

    store: Store
    clock: Clock
    api_budget_seconds: float = 3.0  # total time one turn may spend on Alexa's APIs


@dataclass
class Turn:
    now: datetime
    locale: str
    user_id: str
    person_id: str | None
    device_id: str | None
    recipient_id: str | None = None
    voice: VoiceView | None = None
    said: dict[str, str] = field(default_factory=dict)

    @property
    def alexa_id(self) -> str:
        """A recognised voice profile is served on its own; otherwise the Alexa account is the person."""
        return self.person_id or self.user_id

    @property
    def linked(self) -> bool:
        return self.voice is not None

    @property
    def recipient(self) -> Recipient:
        assert self.voice is not None
        return self.voice.view.recipient

    @property
    def medications(self) -> list[Medication]:
        assert self.voice is not None
        return [m for m in self.voice.view.medications if m.active]

    @property
    def local_now(self) -> datetime:
        return self.now.astimezone(self.recipient.tz)

    @property
    def speech_locale(self) -> str:
        """Times are said the way the device's locale says them, falling back to the person's."""
        return self.locale if self.locale.startswith("en-") else self.recipient.locale

    @property
    def view(self) -> RecipientView:
        assert self.voice is not None
        return self.voice.view

    def doses(self, start: datetime, end: datetime) -> list[Dose]:
        assert self.voice is not None
        view = self.voice.view
        return merge_doses(view.recipient, view.medications, view.doses, start, end)

    def doses_today(self) -> list[Dose]:
        start, end = day_window(self.local_now.date(), self.recipient.tz)
        return self.doses(start, end)

    def recent_doses(self) -> list[Dose]:
        """From 24 hours ago (or midnight, if earlier) to the end of today: for as-needed limits."""
        start, end = day_window(self.local_now.date(), self.recipient.tz)
        return self.doses(min(self.now - LOOKBACK, start), end)

    def view_since(self) -> datetime:
        """What the turn's one read covers: exactly what a use case decides on (`VIEW_MARGIN`)."""
        return self.now - VIEW_MARGIN


def turn_of(handler_input: HandlerInput) -> Turn:
    turn = handler_input.attributes_manager.request_attributes[TURN_KEY]
    assert isinstance(turn, Turn)
    return turn


def session(handler_input: HandlerInput) -> dict[str, Any]:
    """The session's attributes; out of session (e.g. a skill message) a throwaway dict."""
    if handler_input.request_envelope.session is None:
        return {}
    attributes = handler_input.attributes_manager.session_attributes
    if attributes is None:
        attributes = {}
        handler_input.attributes_manager.session_attributes = attributes
    return attributes


def reminders_granted(handler_input: HandlerInput) -> bool:
    envelope: Any = handler_input.request_envelope
    user = envelope.context.system.user
    scopes = getattr(getattr(user, "permissions", None), "scopes", None) or {}
    scope = scopes.get(REMINDERS_SCOPE)
    status = getattr(scope, "status", None)
    return bool(status is not None and getattr(status, "value", status) == "GRANTED")
