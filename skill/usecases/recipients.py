"""The people who take the medicines: adding one, changing their settings, and linking their speaker.

A change of time zone re-places every dose still to come (dose times are local wall-clock times); every
change is audited in plain words.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from skill.domain.actors import Actor, ActorKind
from skill.domain.models import LinkCode, Recipient, new_id
from skill.domain.voice import validate_followup
from skill.store.base import Store
from skill.usecases.access import recipient_for
from skill.usecases.audit import audit
from skill.usecases.errors import Forbidden
from skill.usecases.planning import replan_after_move

RATE_WORDS = {"medium": "normal", "slow": "slower", "x-slow": "slowest"}


def settings_record(r: Recipient, followup_minutes: int | None = None) -> dict[str, Any]:
    """Settings as the Changes log shows them: in words, not program values."""
    record: dict[str, Any] = {"name": r.display_name, "time zone": r.timezone, "language": r.locale,
                              "speech pace": RATE_WORDS.get(r.speech.rate, r.speech.rate),
                              "counts as missed after": f"{r.grace_minutes} minutes"}
    if followup_minutes is not None:
        record["follow-up reminder after"] = f"{followup_minutes} minutes"
    return record


def add_recipient(store: Store, actor: Actor, now: datetime, recipient: Recipient) -> tuple[Recipient, LinkCode]:
    """A new person, with a link code to say to their speaker. A carer who adds someone cares for them."""
    if actor.kind is ActorKind.PERSON:
        raise Forbidden("a person cannot add another person")
    organisation = actor.user.organisation if actor.user is not None else recipient.organisation
    person = replace(recipient, id=recipient.id or new_id("rec"), organisation=organisation, created_at=now)
    store.put_recipient(person)
    if actor.user is not None:
        store.link_recipient(actor.user.id, person.id)
    code = LinkCode.issue(person.id, now)
    store.put_link_code(code)
    audit(store, actor, person.id, "recipient", "create", None, settings_record(person), now)
    return person, code


def change_recipient(store: Store, actor: Actor, now: datetime, updated: Recipient,
                     followup_minutes: int | None = None) -> int:
    """Save changed settings; returns how many doses a time-zone move re-planned."""
    before = recipient_for(store, actor, updated.id, edit=True)
    after = replace(updated, organisation=before.organisation, created_at=before.created_at)
    old_followup = store.get_voice_state(before.id).followup_minutes if followup_minutes is not None else None
    if followup_minutes is not None:
        validate_followup(followup_minutes)
    if after == before and followup_minutes == old_followup:
        return 0
    store.put_recipient(after)
    if followup_minutes is not None and followup_minutes != old_followup:
        store.set_followup_minutes(after.id, followup_minutes)
    planned = replan_after_move(store, after, now) if after.timezone != before.timezone else 0
    audit(store, actor, after.id, "recipient", "update", settings_record(before, old_followup),
          settings_record(after, followup_minutes), now)
    return planned


def issue_link_code(store: Store, actor: Actor, now: datetime, recipient_id: str) -> LinkCode:
    recipient = recipient_for(store, actor, recipient_id, edit=True)
    code = LinkCode.issue(recipient.id, now)
    store.put_link_code(code)
    audit(store, actor, recipient.id, "link_code", "create", None,
          {"valid until": code.expires_at.strftime("%Y-%m-%d %H:%M UTC")}, now)
    return code
