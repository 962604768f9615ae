"""Persistence: one `Store` interface, an embedded SQLite store and a DynamoDB single-table store."""

from skill.store.base import Store
from skill.store.core import LogOutcome, RecipientView

__all__ = ["LogOutcome", "RecipientView", "Store"]
