"""Every request handler, in the order the dispatcher tries them."""

from __future__ import annotations

from skill.alexa.handlers.add_medication import AddMedicationHandler
from skill.alexa.handlers.base import Handler
from skill.alexa.handlers.check import CheckDoseHandler, ListMedicationsHandler, NextDoseHandler, PillsLeftHandler
from skill.alexa.handlers.conversation import (
    CancelHandler,
    FallbackHandler,
    HelpHandler,
    NavigateHomeHandler,
    NoHandler,
    RepeatHandler,
    SlowerHandler,
    StopHandler,
    YesHandler,
)
from skill.alexa.handlers.launch import LaunchHandler
from skill.alexa.handlers.link import LinkAccountHandler
from skill.alexa.handlers.log_dose import LogDoseHandler
from skill.alexa.handlers.reminders_permission import PermissionResponseHandler
from skill.alexa.handlers.session import MessageReceivedHandler, SessionEndedHandler
from skill.alexa.handlers.skip_snooze import SkipDoseHandler, SnoozeHandler
from skill.alexa.turn import Deps

HANDLER_CLASSES: tuple[type[Handler], ...] = (
    LaunchHandler, LinkAccountHandler, LogDoseHandler, CheckDoseHandler, NextDoseHandler, ListMedicationsHandler,
    PillsLeftHandler, SkipDoseHandler, SnoozeHandler, AddMedicationHandler, YesHandler, NoHandler,
    RepeatHandler, SlowerHandler, HelpHandler, StopHandler, CancelHandler, NavigateHomeHandler,
    FallbackHandler, PermissionResponseHandler, MessageReceivedHandler, SessionEndedHandler,
)


def handled_intents() -> set[str]:
    """The intent names the skill answers (the interaction models must hold exactly these)."""
    return {cls.intent for cls in HANDLER_CLASSES if cls.intent is not None}


def build_handlers(deps: Deps) -> list[Handler]:
    return [cls(deps) for cls in HANDLER_CLASSES]
