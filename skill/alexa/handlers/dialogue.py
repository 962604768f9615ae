"""Intents answered by the conversation's dialogue: Alexa only reads the slots and speaks the answer.

After a turn that logged doses, the follow-up reminder for those dose times is quietened for today (best
effort: Alexa's Reminders API is slow or absent at times, and the log never waits on it).
"""

from __future__ import annotations

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model.response import Response

from skill.alexa.followups import quiet_followups
from skill.alexa.handlers.base import Handler, talk_of, utterance_of
from skill.alexa.reply import speak
from skill.alexa.turn import Turn
from skill.conversation.replies import REPLIES, Reply


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


# Help and fallback tell an unlinked person how to link; every other intent asks for the code.
UNLINKED_KEYS = {"AMAZON.HelpIntent": "link.help", "AMAZON.FallbackIntent": "link.fallback"}
DIALOGUE_HANDLERS: tuple[type[DialogueHandler], ...] = tuple(
    handler(intent, respond, UNLINKED_KEYS.get(intent, "link.ask_code")) for intent, respond in REPLIES.items())
