"""The question DoseKeeper just asked on a Home Assistant conversation, kept until the answer or a deadline.

Alexa carries the pending question in its session; Home Assistant's intent scripts carry nothing, so the
question is kept here by (person, conversation). Bounded and short-lived: a "yes" minutes later means nothing,
and a forgotten conversation must not grow memory. Kept per process: `dosekeeper serve` is one process; on
Lambda a "yes" that lands in another container is heard without a question and asks again (never a guess).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import datetime, timedelta

from skill.conversation.questions import Question

QUESTION_LIFETIME = timedelta(minutes=5)
MAX_CONVERSATIONS = 1000


class PendingQuestions:
    def __init__(self, lifetime: timedelta = QUESTION_LIFETIME, limit: int = MAX_CONVERSATIONS) -> None:
        self.lifetime = lifetime
        self.limit = limit
        self._kept: OrderedDict[tuple[str, str], tuple[datetime, Question]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, recipient_id: str, conversation_id: str, now: datetime) -> Question | None:
        with self._lock:
            kept = self._kept.get((recipient_id, conversation_id))
            if kept is None:
                return None
            asked_at, question = kept
            if now - asked_at > self.lifetime:
                del self._kept[(recipient_id, conversation_id)]
                return None
            return question

    def put(self, recipient_id: str, conversation_id: str, question: Question | None, now: datetime) -> None:
        """Keep the question (None forgets it); the oldest conversation goes first when full."""
        key = (recipient_id, conversation_id)
        with self._lock:
            self._kept.pop(key, None)
            if question is None:
                return
            self._kept[key] = (now, question)
            while len(self._kept) > self.limit:
                self._kept.popitem(last=False)

    def __len__(self) -> int:
        return len(self._kept)
