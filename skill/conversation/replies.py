"""Which dialogue function answers each intent of the voice grammar: one table for every front.

Keyed by the grammar's intent names (those of the Alexa model); a front that names intents its own way (Home
Assistant's `DoseKeeperLogDose`) maps its names onto these, so a new intent is wired once for every front.
"""

from __future__ import annotations

from collections.abc import Callable

from skill.conversation import dialogue
from skill.conversation.answer import Answer
from skill.conversation.talk import Talk
from skill.conversation.utterance import Utterance

Reply = Callable[[Talk, Utterance], Answer]

REPLIES: dict[str, Reply] = {
    "LogDoseIntent": dialogue.log,
    "SkipDoseIntent": lambda talk, said: dialogue.log(talk, said, skip=True),
    "UndoLogIntent": dialogue.undo_log,
    "CheckDoseIntent": dialogue.check,
    "WhatIsDueIntent": dialogue.what_is_due,
    "NextDoseIntent": dialogue.next_dose,
    "ListMedicationsIntent": lambda talk, said: dialogue.list_medicines(talk),
    "PillsLeftIntent": dialogue.pills_left,
    **{intent: dialogue.safety for intent in dialogue.SAFETY_INTENTS},
    "DontRememberIntent": lambda talk, said: dialogue.dont_remember(talk),
    "LetMeCheckIntent": lambda talk, said: dialogue.let_me_check(talk),
    "AMAZON.YesIntent": lambda talk, said: dialogue.yes(talk),
    "AMAZON.NoIntent": lambda talk, said: dialogue.no(talk),
    "AMAZON.HelpIntent": lambda talk, said: dialogue.help_(talk),
    "AMAZON.FallbackIntent": lambda talk, said: dialogue.fallback(talk),
}
