"""Errors the domain raises, so every edge (CLI, web, voice) can turn them into a kind message."""


class DoseKeeperError(Exception):
    """Base of every error that carries a message fit to show a user."""


class ValidationError(DoseKeeperError, ValueError):
    """Input that can never be valid: a bad time, zone, date range or empty name."""


class NotFoundError(DoseKeeperError, LookupError):
    """A recipient, medication or dose that does not exist (or is not yours to see)."""


class ConflictError(DoseKeeperError):
    """A write lost a race or would break a rule (used code, duplicate name)."""
