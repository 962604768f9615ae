"""Recording a change to a recipient's care plan in the audit log: who, when, before and after."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from skill.accounts.models import AuditEntry, User
from skill.domain.models import new_id
from skill.store.accounts import AccountStore


def record_change(store: AccountStore, who: User, recipient_id: str, entity: str, action: str,
                  before: dict[str, Any] | None, after: dict[str, Any] | None, now: datetime) -> AuditEntry:
    entry = AuditEntry(id=new_id("aud"), who=who.email, when=now, recipient_id=recipient_id, entity=entity,
                       action=action, before=before, after=after)
    store.append_audit(entry)
    return entry
