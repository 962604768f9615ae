"""Who is calling a tool, and which people they may ask about: the token's grant, checked against the account.

The account is read on every call, so a carer unlinked from a person (or an account removed) loses their
assistants' access at once, whatever tokens are still out there. A person's own assistant acts as that
person (the audit says "the person"), and only while the account that linked it may still change their care.
"""

from __future__ import annotations

from dataclasses import dataclass

from skill.domain.actors import Actor
from skill.domain.models import LogSource, Recipient
from skill.domain.oauth import GrantKind
from skill.oauth.bearer import BearerAccess, person_spoken_for
from skill.store.base import Store
from skill.usecases.access import visible_recipients
from skill.usecases.errors import Forbidden, Invalid, NotFound


class Unlinked(Forbidden):
    """The token is valid but the account behind it can no longer act (removed, or unlinked from the person)."""


@dataclass(frozen=True)
class Caller:
    access: BearerAccess
    actor: Actor

    @property
    def is_person(self) -> bool:
        return self.access.kind is GrantKind.PERSON

    def require_write(self) -> None:
        if not self.access.may_write:
            raise Forbidden("this assistant was linked to read only: it cannot record anything")

    def require_carer(self) -> None:
        if self.is_person:
            raise Forbidden("this is for carers: a person's own assistant cannot use it")


def caller_for(store: Store, access: BearerAccess) -> Caller:
    user = store.get_user(access.user_id)
    if user is None:
        raise Unlinked("the account that linked this assistant no longer exists")
    if access.kind is GrantKind.PERSON:
        recipient_id = person_spoken_for(store, access)
        if recipient_id is None:
            raise Unlinked("the account that linked this assistant no longer cares for this person")
        return Caller(access, Actor.person(recipient_id, LogSource.VOICE))
    return Caller(access, Actor.of_user(user, LogSource.API))


def people_of(store: Store, caller: Caller) -> list[Recipient]:
    """Everyone this caller may ask about: the account's people, narrowed to those the grant covers."""
    if caller.is_person:
        own = store.get_recipient(caller.actor.recipient_id or "")
        return [own] if own is not None else []
    people = caller.access.people
    return [r for r in visible_recipients(store, caller.actor) if people is None or r.id in people]


def person_for(store: Store, caller: Caller, person_id: str | None) -> Recipient:
    """The person a call is about. A person's assistant needs no id; a carer's needs one unless the grant
    covers one person only. Someone outside the grant is "no such person", exactly like a made-up id."""
    mine = people_of(store, caller)
    if person_id is None:
        if len(mine) == 1:
            return mine[0]
        if not mine:
            raise NotFound("person")
        raise Invalid("person_id", "is needed: this account cares for several people (see list_people)")
    found = next((r for r in mine if r.id == person_id), None)
    if found is None:
        raise NotFound("person")
    return found
