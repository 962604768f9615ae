"""How a use case says no: each edge renders these its own way (404/403/422, exit 2, a gentle reprompt)."""

from __future__ import annotations

from skill.domain.errors import DoseKeeperError, NotFoundError, ValidationError


class NotFound(NotFoundError):
    """Unknown, or not visible to this actor: the two are told apart nowhere, so ids cannot be probed."""

    def __init__(self, what: str) -> None:
        super().__init__(f"no such {what}")
        self.what = what


class Forbidden(DoseKeeperError):
    """Visible to this actor but not theirs to change (a coordinator reading a person's record)."""


class Invalid(ValidationError):
    """Input that breaks a rule of the care plan, naming the field so forms and the API can point at it."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field} {reason}")
        self.field, self.reason = field, reason
