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
PAUSE_WORDS = {"normal": "short", "long": "long"}


def settings_record(r: Recipient, followup_minutes: int | None = None,
                    name_medicines: bool | None = None) -> dict[str, Any]:
    """Settings as the Changes log shows them: in words, not program values."""
    record: dict[str, Any] = {"name": r.display_name, "time zone": r.timezone, "language": r.locale,
                              "speech pace": RATE_WORDS.get(r.speech.rate, r.speech.rate),
                              "pauses in lists": PAUSE_WORDS.get(r.speech.pause, r.speech.pause),
                              "counts as missed after": f"{r.grace_minutes} minutes"}
    if followup_minutes is not None:
        record["follow-up reminder after"] = f"{followup_minutes} minutes"
    if name_medicines is not None:
        record["medicine names in Alexa reminders"] = "said" if name_medicines else "not said"
    return record


def add_recipient(store: Store, actor: Actor, now: datetime, recipient: Recipient) -> tuple[Recipient, LinkCode]:
    """A new person, with a link code to say to their speaker. A carer who adds someone cares for them."""
    if actor.kind is ActorKind.PERSON:
        raise Forbidden("a person cannot add another person")
    organisation = actor.user.organisation if actor.user is not None else recipient.organisation
    person = replace(recipient, id=recipient.id or new_id("rec"), organisation=organisation, created_at=now)
    store.put_recipient(person)
    store.apply_rollup_changes(person, [], now)  # a rank entry, so the coordinator's page lists them at once
    if actor.user is not None:
        store.link_recipient(actor.user.id, person.id)
    code = LinkCode.issue(person.id, now)
    store.put_link_code(code)
    audit(store, actor, person.id, "recipient", "create", None, settings_record(person), now)
    return person, code


def change_recipient(store: Store, actor: Actor, now: datetime, updated: Recipient,
                     followup_minutes: int | None = None, name_medicines_in_reminders: bool | None = None) -> int:
    """Save changed settings; returns how many doses a time-zone move re-planned.

    Voice settings left as None are not changed. Alexa's reminders follow on the person's next launch.
    """
    before = recipient_for(store, actor, updated.id, edit=True)
    after = replace(updated, organisation=before.organisation, created_at=before.created_at)
    names = name_medicines_in_reminders
    state = store.get_voice_state(before.id) if followup_minutes is not None or names is not None else None
    old_followup = state.followup_minutes if state is not None and followup_minutes is not None else None
    old_names = state.name_medicines_in_reminders if state is not None and names is not None else None
    if followup_minutes is not None:
        validate_followup(followup_minutes)
    if after == before and followup_minutes == old_followup and names == old_names:
        return 0
    store.put_recipient(after)
    if followup_minutes is not None and followup_minutes != old_followup:
        store.set_followup_minutes(after.id, followup_minutes)
    if names is not None and names != old_names:
        store.set_name_medicines_in_reminders(after.id, names)
    planned = replan_after_move(store, after, now) if after.timezone != before.timezone else 0
    audit(store, actor, after.id, "recipient", "update", settings_record(before, old_followup, old_names),
          settings_record(after, followup_minutes, names), now)
    return planned


def issue_link_code(store: Store, actor: Actor, now: datetime, recipient_id: str) -> LinkCode:
    recipient = recipient_for(store, actor, recipient_id, edit=True)
    code = LinkCode.issue(recipient.id, now)
    store.put_link_code(code)
    audit(store, actor, recipient.id, "link_code", "create", None,
          {"valid until": code.expires_at.strftime("%Y-%m-%d %H:%M UTC")}, now)
    return code
