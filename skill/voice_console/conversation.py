"""One speaker's conversation with the skill, playing the Alexa service's part.

It keeps what Alexa keeps between turns: the session and its attributes (taken from each response), the
dynamic entities the skill installed, and a dialog in progress: Alexa itself asks for missing slots and
confirmation when an intent's dialog is delegated (ALWAYS), and follows Dialog.ElicitSlot / ConfirmIntent /
Delegate directives from the skill.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from skill.voice_console import envelopes
from skill.voice_console.envelopes import Caller
from skill.voice_console.matcher import IntentMatch, SlotFill, UtteranceMatcher
from skill.voice_console.model import InteractionModel, SlotTypeValue
from skill.voice_console.resolution import dynamic_types, is_match, resolve
from skill.voice_console.speech import spoken_text
from skill.voice_console.transport import SkillCall

FALLBACK = "AMAZON.FallbackIntent"
_ABANDON_DIALOG = ("AMAZON.StopIntent", "AMAZON.CancelIntent")


@dataclass(frozen=True)
class Turn:
    """What the speaker heard back for one thing said."""

    speech: str
    reprompt: str = ""
    ended: bool = False
    intent: str | None = None  # the intent the sentence was heard as (None for launch and dialog prompts)
    slots: dict[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()  # what a device would do besides speaking (permission requests, cards)
    response: dict[str, Any] | None = None  # the skill's raw response, None when Alexa answered itself


@dataclass
class _Dialog:
    intent: dict[str, Any]
    delegated: bool  # Alexa drives it (ALWAYS or Dialog.Delegate); else the skill asked for one step
    slot: str | None = None  # being elicited
    confirming: bool = False
    prompt: str = ""


@dataclass(frozen=True)
class _ConsentAsk:
    name: str
    token: str
    scope: str


def _consent_ask(directive: dict[str, Any]) -> _ConsentAsk | None:
    payload = directive.get("payload") or {}
    scopes = payload.get("permissionScopes") or [{"permissionScope": payload.get("permissionScope")}]
    scope = (scopes[0] or {}).get("permissionScope")
    if directive.get("name") != "AskFor" or not scope:
        return None
    return _ConsentAsk(name="AskFor", token=str(directive.get("token") or ""), scope=str(scope))


class Conversation:
    def __init__(self, model: InteractionModel, call: SkillCall, caller: Caller,
                 clock: Callable[[], datetime] | None = None) -> None:
        self.model = model
        self.matcher = UtteranceMatcher(model)
        self.call = call
        self.caller = caller
        self.clock = clock or (lambda: datetime.now(UTC))
        self.session_id: str | None = None
        self.new_session = True
        self.attributes: dict[str, Any] = {}
        self.dynamic: dict[str, tuple[SlotTypeValue, ...]] = {}
        self.dialog: _Dialog | None = None
        self.consent: _ConsentAsk | None = None

    # -- the three things a speaker can do ------------------------------------------------------------
    def start(self) -> Turn:
        """"Alexa, open Dose Keeper"."""
        self._open_session()
        return self._send(envelopes.launch_request(self.caller, self.clock()))

    def say(self, text: str) -> Turn:
        if self.consent is not None:
            answered = self._answer_consent(text)
            if answered is not None:
                return answered
        if self.dialog is not None:
            return self._continue_dialog(text)
        match = self.matcher.match(text, self._known)
        if self.session_id is None:
            self._open_session()  # a one-shot: "Alexa, tell Dose Keeper I took my metformin"
        if match is None:
            intent = envelopes.empty_intent(FALLBACK, [])
            return self._send(envelopes.intent_request(self.caller, self.clock(), intent), FALLBACK)
        intent = self._intent(match)
        spec = self.model.dialog.get(match.intent)
        if spec is not None and spec.auto_delegate:
            self.dialog = _Dialog(intent=intent, delegated=True)
            return self._next_dialog_step(match.intent)
        turn = self._send(envelopes.intent_request(self.caller, self.clock(), intent), match.intent)
        return _with_slots(turn, match.slots)

    def end(self) -> Turn | None:
        """The speaker walks away: Alexa tells the skill the session ended."""
        if self.session_id is None:
            return None
        turn = self._send(envelopes.session_ended_request(self.caller, self.clock()))
        self._close_session()
        return turn

    @property
    def in_session(self) -> bool:
        return self.session_id is not None

    def _answer_consent(self, text: str) -> Turn | None:
        """Alexa asked the speaker for the permission the skill wanted; a yes or no goes back to the skill."""
        ask = self.consent
        assert ask is not None
        self.consent = None
        heard = self.matcher.match(text)
        if heard is None or heard.intent not in ("AMAZON.YesIntent", "AMAZON.NoIntent"):
            return None
        accepted = heard.intent == "AMAZON.YesIntent"
        if accepted and ask.scope not in self.caller.granted_scopes:
            self.caller = replace(self.caller, granted_scopes=(*self.caller.granted_scopes, ask.scope))
        self._open_session()
        request = envelopes.permission_response(self.caller, self.clock(), ask.name, ask.token, ask.scope,
                                                "ACCEPTED" if accepted else "DENIED")
        return self._send(request, "Connections.Response")

    # -- slots ----------------------------------------------------------------------------------------
    def _known(self, slot_type: str, spoken: str) -> bool:
        if slot_type not in self.model.slot_types and slot_type not in self.dynamic:
            return False
        return is_match(self._resolutions(slot_type, spoken))

    def _resolutions(self, slot_type: str, spoken: str) -> dict[str, Any]:
        return resolve(spoken, slot_type, self.caller.skill_id, self.model.slot_types, self.dynamic)

    def _intent(self, match: IntentMatch) -> dict[str, Any]:
        declared = list(self.model.intents[match.intent].slots)
        intent = envelopes.empty_intent(match.intent, declared)
        for fill in match.slots.values():
            self._fill(intent, fill)
        return intent

    def _fill(self, intent: dict[str, Any], fill: SlotFill) -> None:
        custom = fill.slot_type in self.model.slot_types or fill.slot_type in self.dynamic
        resolutions = self._resolutions(fill.slot_type, fill.spoken) if custom else None
        envelopes.fill_slot(intent, fill.name, fill.value, resolutions)

    # -- dialogs --------------------------------------------------------------------------------------
    def _continue_dialog(self, text: str) -> Turn:
        dialog = self.dialog
        assert dialog is not None
        name = str(dialog.intent["name"])
        heard = self.matcher.match(text, self._known)
        if heard is not None and heard.intent in _ABANDON_DIALOG:
            self.dialog = None
            return self.say(text)
        if dialog.confirming:
            if heard is None or heard.intent not in ("AMAZON.YesIntent", "AMAZON.NoIntent"):
                return Turn(speech=dialog.prompt, reprompt=dialog.prompt)
            status = "CONFIRMED" if heard.intent == "AMAZON.YesIntent" else "DENIED"
            if dialog.slot is not None:
                dialog.intent["slots"][dialog.slot]["confirmationStatus"] = status
            else:
                dialog.intent["confirmationStatus"] = status
            dialog.confirming = False
            dialog.slot = None
        elif dialog.slot is not None:
            slot_type = self.model.intents[name].slots.get(dialog.slot, "")
            switch = (not dialog.delegated and heard is not None and heard.intent not in (name, "AMAZON.FallbackIntent")
                      and not self._known(slot_type, text))
            if switch:  # as Alexa does: a sentence that is plainly another intent leaves the slot question
                self.dialog = None
                return self.say(text)
            fills = self.matcher.match_slot(name, dialog.slot, text, self._known)
            if dialog.slot not in fills:
                return Turn(speech=dialog.prompt, reprompt=dialog.prompt)
            for fill in fills.values():
                self._fill(dialog.intent, fill)
            dialog.slot = None
        if dialog.delegated:
            return self._next_dialog_step(name)
        self.dialog = None
        request = envelopes.intent_request(self.caller, self.clock(), dialog.intent, "IN_PROGRESS")
        return self._send(request, name)

    def _next_dialog_step(self, name: str) -> Turn:
        """Alexa's own turn in a delegated dialog: ask for the next slot, confirm, or hand over the intent."""
        dialog = self.dialog
        assert dialog is not None
        spec = self.model.dialog.get(name)
        values = {k: str(v.get("value", "")) for k, v in dialog.intent.get("slots", {}).items() if v.get("value")}
        for slot in spec.slots if spec else ():
            if slot.elicitation_prompt and slot.name not in values:
                dialog.slot = slot.name
                dialog.prompt = self.model.prompt(slot.elicitation_prompt, values)
                return Turn(speech=dialog.prompt, reprompt=dialog.prompt)
        if spec and spec.confirmation_prompt and dialog.intent.get("confirmationStatus", "NONE") == "NONE":
            dialog.confirming = True
            dialog.prompt = self.model.prompt(spec.confirmation_prompt, values)
            return Turn(speech=dialog.prompt, reprompt=dialog.prompt)
        self.dialog = None
        request = envelopes.intent_request(self.caller, self.clock(), dialog.intent, "COMPLETED")
        return self._send(request, name)

    def _dialog_directive(self, directive: dict[str, Any], turn: Turn) -> Turn:
        kind = directive["type"]
        intent = directive.get("updatedIntent") or (self.dialog.intent if self.dialog else None)
        if intent is None:
            return turn
        name = str(intent["name"])
        intent.setdefault("slots", {})
        if kind == "Dialog.Delegate":
            self.dialog = _Dialog(intent=intent, delegated=True)
            step = self._next_dialog_step(name)
            return Turn(speech=" ".join(filter(None, [turn.speech, step.speech])), reprompt=step.reprompt,
                        ended=step.ended, intent=turn.intent, notes=turn.notes + step.notes,
                        response=turn.response)
        dialog = _Dialog(intent=intent, delegated=False, prompt=turn.reprompt or turn.speech)
        if kind == "Dialog.ElicitSlot":
            dialog.slot = directive.get("slotToElicit")
        elif kind == "Dialog.ConfirmSlot":
            dialog.slot = directive.get("slotToConfirm")
            dialog.confirming = True
        elif kind == "Dialog.ConfirmIntent":
            dialog.confirming = True
        self.dialog = dialog
        return turn

    # -- the session ----------------------------------------------------------------------------------
    def _open_session(self) -> None:
        self.session_id = envelopes.new_session_id()
        self.new_session = True
        self.attributes = {}
        self.dialog = None

    def _close_session(self) -> None:
        self.session_id = None
        self.attributes = {}
        self.dialog = None

    def _send(self, request: dict[str, Any], intent: str | None = None) -> Turn:
        assert self.session_id is not None
        body = envelopes.envelope(self.caller, self.session_id, self.new_session, self.attributes, request)
        self.new_session = False
        reply = self.call(body)
        if request["type"] == "SessionEndedRequest":
            return Turn(speech="", ended=True, response=reply)
        self.attributes = dict(reply.get("sessionAttributes") or {})
        response = reply.get("response") or {}
        notes: list[str] = []
        dialog_directive: dict[str, Any] | None = None
        for directive in response.get("directives") or []:
            kind = str(directive.get("type", ""))
            if kind == "Dialog.UpdateDynamicEntities":
                self.dynamic = dynamic_types(directive)
            elif kind.startswith("Dialog."):
                dialog_directive = directive
            elif kind == "Connections.SendRequest":
                self.consent = _consent_ask(directive)
                if self.consent is not None:
                    notes.append(f"Alexa asks for permission: {self.consent.scope} (say yes or no)")
        card = response.get("card") or {}
        if card:
            notes.append(f"card: {card.get('title') or card.get('type')}")
        reprompt = spoken_text((response.get("reprompt") or {}).get("outputSpeech"))
        ended = response.get("shouldEndSession") is not False and dialog_directive is None
        turn = Turn(speech=spoken_text(response.get("outputSpeech")), reprompt=reprompt, ended=ended,
                    intent=intent, notes=tuple(notes), response=reply)
        if dialog_directive is not None:
            turn = self._dialog_directive(dialog_directive, turn)
        if turn.ended:
            self._close_session()
        return turn


def _with_slots(turn: Turn, slots: dict[str, SlotFill]) -> Turn:
    return Turn(speech=turn.speech, reprompt=turn.reprompt, ended=turn.ended, intent=turn.intent,
                slots={k: v.value for k, v in slots.items()}, notes=turn.notes, response=turn.response)
