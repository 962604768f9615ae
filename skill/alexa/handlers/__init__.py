"""Every request handler, in the order the dispatcher tries them."""

from __future__ import annotations

from skill.alexa.handlers.add_medication import AddMedicationHandler
from skill.alexa.handlers.base import Handler
from skill.alexa.handlers.conversation import (
    CancelHandler,
    NavigateHomeHandler,
    NormalSpeedHandler,
    RepeatHandler,
    SlowerHandler,
    StopHandler,
)
from skill.alexa.handlers.dialogue import DIALOGUE_HANDLERS
from skill.alexa.handlers.launch import LaunchHandler
from skill.alexa.handlers.link import LinkAccountHandler
from skill.alexa.handlers.reminders_permission import PermissionResponseHandler
from skill.alexa.handlers.session import MessageReceivedHandler, SessionEndedHandler
from skill.alexa.handlers.snooze import SnoozeHandler
from skill.alexa.turn import Deps

HANDLER_CLASSES: tuple[type[Handler], ...] = (
    LaunchHandler, LinkAccountHandler, *DIALOGUE_HANDLERS, SnoozeHandler, AddMedicationHandler,
    RepeatHandler, SlowerHandler, NormalSpeedHandler, StopHandler, CancelHandler, NavigateHomeHandler,
    PermissionResponseHandler, MessageReceivedHandler, SessionEndedHandler,
)


def handled_intents() -> set[str]:
    """The intent names the skill answers (the interaction models must hold exactly these)."""
    return {cls.intent for cls in HANDLER_CLASSES if cls.intent is not None}


def build_handlers(deps: Deps) -> list[Handler]:
    return [cls(deps) for cls in HANDLER_CLASSES]
