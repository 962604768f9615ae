"""Which recipients an actor may read and change: the one gate every use case passes through."""

from __future__ import annotations

from skill.accounts.access import can_edit, can_see_cohort, can_view
from skill.domain.actors import Actor, ActorKind
from skill.domain.models import Recipient
from skill.store.base import Store
from skill.usecases.errors import Forbidden, NotFound


def may_view(actor: Actor, recipient: Recipient) -> bool:
    if actor.kind in (ActorKind.OPERATOR, ActorKind.SYSTEM):
        return True
    if actor.kind is ActorKind.PERSON:
        return actor.recipient_id == recipient.id
    return actor.user is not None and can_view(actor.user, recipient)


def may_edit(actor: Actor, recipient: Recipient) -> bool:
    if actor.kind is ActorKind.USER:
        return actor.user is not None and can_edit(actor.user, recipient)
    return may_view(actor, recipient)


def recipient_for(store: Store, actor: Actor, recipient_id: str, edit: bool = False,
                  known: Recipient | None = None) -> Recipient:
    """`known`: the recipient the edge already read this turn (the voice turn's one read), saving a read."""
    recipient = known if known is not None and known.id == recipient_id else store.get_recipient(recipient_id)
    if recipient is None or not may_view(actor, recipient):
        raise NotFound("recipient")
    if edit and not may_edit(actor, recipient):
        raise Forbidden("you may read this person's records but not change them")
    return recipient


def visible_recipients(store: Store, actor: Actor) -> list[Recipient]:
    """Everyone this actor may read, by name: their organisation's people (coordinators and admins) and
    the people linked to them (carers)."""
    if actor.kind in (ActorKind.OPERATOR, ActorKind.SYSTEM):
        found = {r.id: r for r in store.list_recipients()}
    elif actor.kind is ActorKind.PERSON:
        own = store.get_recipient(actor.recipient_id or "")
        found = {own.id: own} if own else {}
    else:
        user = actor.user
        assert user is not None
        found = {r.id: r for r in store.list_recipients(user.organisation)} if can_see_cohort(user) else {}
        for rid in user.recipient_ids:
            if rid not in found and (r := store.get_recipient(rid)) is not None:
                found[rid] = r
    mine = [r for r in found.values() if may_view(actor, r)]
    return sorted(mine, key=lambda r: (r.display_name.casefold(), r.id))


def may_see_cohort(actor: Actor) -> bool:
    if actor.kind is ActorKind.USER:
        return actor.user is not None and can_see_cohort(actor.user)
    return actor.kind in (ActorKind.OPERATOR, ActorKind.SYSTEM)
