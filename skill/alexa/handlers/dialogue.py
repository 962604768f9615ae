"""Intents answered by the conversation's dialogue: Alexa only reads the slots and speaks the answer.

After a turn that logged doses, the follow-up reminder for those dose times is quietened for today (best
effort: Alexa's Reminders API is slow or absent at times, and the log never waits on it).
"""

from __future__ import annotations

from collections.abc import Callable

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model.response import Response

from skill.alexa.followups import quiet_followups
from skill.alexa.handlers.base import Handler, talk_of, utterance_of
from skill.alexa.reply import speak
from skill.alexa.turn import Turn
from skill.conversation import dialogue
from skill.conversation.answer import Answer
from skill.conversation.talk import Talk
from skill.conversation.utterance import Utterance

Reply = Callable[[Talk, Utterance], Answer]


class DialogueHandler(Handler):
    respond: Reply

    def answer(self, handler_input: HandlerInput, turn: Turn) -> Response:
        talk = talk_of(handler_input, self.deps, turn)
        logged_before = {d.id for d in talk.view.doses if d.is_logged}
        answer = type(self).respond(talk, utterance_of(handler_input))
        newly_logged = [d for d in talk.view.doses if d.is_logged and d.id not in logged_before]
        if turn.voice is not None:
            turn.voice = type(turn.voice)(view=talk.view, state=turn.voice.state, linked_ids=turn.voice.linked_ids)
        if newly_logged:
            quiet_followups(handler_input, self.deps.store, turn, newly_logged)
        return speak(handler_input, answer)


def handler(intent: str, respond: Reply, unlinked_key: str = "link.ask_code") -> type[DialogueHandler]:
    name = intent.removeprefix("AMAZON.").removesuffix("Intent") + "Handler"
    return type(name, (DialogueHandler,), {"intent": intent, "respond": staticmethod(respond),
                                           "unlinked_key": unlinked_key})


DIALOGUE_HANDLERS: tuple[type[DialogueHandler], ...] = (
    handler("LogDoseIntent", dialogue.log),
    handler("SkipDoseIntent", lambda talk, said: dialogue.log(talk, said, skip=True)),
    handler("UndoLogIntent", dialogue.undo_log),
    handler("CheckDoseIntent", dialogue.check),
    handler("WhatIsDueIntent", dialogue.what_is_due),
    handler("NextDoseIntent", dialogue.next_dose),
    handler("ListMedicationsIntent", lambda talk, said: dialogue.list_medicines(talk)),
    handler("PillsLeftIntent", dialogue.pills_left),
    *(handler(intent, dialogue.safety) for intent in dialogue.SAFETY_INTENTS),
    handler("DontRememberIntent", lambda talk, said: dialogue.dont_remember(talk)),
    handler("LetMeCheckIntent", lambda talk, said: dialogue.let_me_check(talk)),
    handler("AMAZON.YesIntent", lambda talk, said: dialogue.yes(talk)),
    handler("AMAZON.NoIntent", lambda talk, said: dialogue.no(talk)),
    handler("AMAZON.HelpIntent", lambda talk, said: dialogue.help_(talk), unlinked_key="link.help"),
    handler("AMAZON.FallbackIntent", lambda talk, said: dialogue.fallback(talk), unlinked_key="link.fallback"),
)
