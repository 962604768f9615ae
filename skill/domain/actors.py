"""Who is acting: the person by voice, a carer or coordinator on the web or API, the operator, the system.

Every use case takes an actor, so one rule decides what each may see and change, and the audit log names who
made a change the same way whichever edge it came through.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from skill.domain.accounts import User
from skill.domain.models import LogSource


class ActorKind(StrEnum):
    USER = "user"  # a web account: carer, coordinator or admin (their role decides the rest)
    PERSON = "person"  # the person who takes the medicines, speaking to their assistant
    OPERATOR = "operator"  # whoever runs the `dosekeeper` command on the host: trusted with everything
    SYSTEM = "system"  # the sweep and other scheduled work


@dataclass(frozen=True)
class Actor:
    kind: ActorKind
    source: LogSource
    user: User | None = None
    recipient_id: str | None = None  # the person themself (PERSON only)

    @classmethod
    def of_user(cls, user: User, source: LogSource) -> Actor:
        return cls(ActorKind.USER, source, user=user)

    @classmethod
    def person(cls, recipient_id: str, source: LogSource = LogSource.VOICE) -> Actor:
        return cls(ActorKind.PERSON, source, recipient_id=recipient_id)

    @classmethod
    def operator(cls) -> Actor:
        return cls(ActorKind.OPERATOR, LogSource.CLI)

    @classmethod
    def system(cls) -> Actor:
        return cls(ActorKind.SYSTEM, LogSource.CLI)

    @property
    def audit_name(self) -> str:
        """How the audit log names who made a change (an email is the carer's own account name)."""
        if self.user is not None:
            return self.user.email
        return {ActorKind.PERSON: f"the person ({self.source.value})", ActorKind.OPERATOR: "operator (command line)",
                ActorKind.SYSTEM: "DoseKeeper"}.get(self.kind, self.kind.value)
