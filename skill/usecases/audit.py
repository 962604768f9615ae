"""Writing the audit trail: who changed what in a person's care plan, before and after, from any edge."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from skill.domain.accounts import AuditEntry
from skill.domain.actors import Actor
from skill.domain.models import new_id
from skill.store.accounts import AccountStore


def audit(store: AccountStore, actor: Actor, recipient_id: str, entity: str, action: str,
          before: dict[str, Any] | None, after: dict[str, Any] | None, now: datetime) -> AuditEntry:
    entry = AuditEntry(id=new_id("aud"), who=actor.audit_name, when=now, recipient_id=recipient_id, entity=entity,
                       action=action, before=before, after=after)
    store.append_audit(entry)
    return entry
