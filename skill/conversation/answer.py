"""What the dialogue answers: words to say, and whether the microphone stays open for a question."""

from __future__ import annotations

from dataclasses import dataclass

from skill.conversation.questions import Question


@dataclass(frozen=True)
class Answer:
    text: str
    reprompt: str | None = None  # set: the microphone stays open, and this is said if nothing is heard
    question: Question | None = None  # what "yes" or "no" will mean next turn
    elicit: str | None = None  # the slot the next bare answer fills ("Ramipril" after "Which one?")
    keep_question: bool = False  # a turn that asked nothing new keeps the earlier question (fallback, repeat)

    @property
    def end(self) -> bool:
        return self.reprompt is None
