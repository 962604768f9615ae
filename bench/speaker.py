"""The person the voice benchmarks talk as: linked to a speaker, two medicines, the disclaimer heard."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from skill.domain.voice import AlexaLink
from skill.store.base import Store
from tests.factories import medication, recipient
from tests.support.envelopes import Speaker, envelope


def seed_linked_person(store: Store, api_url: str) -> dict[str, Any]:
    """Edith, with Metformin twice a day and Ramipril once; returns the LaunchRequest her speaker sends (its
    Alexa APIs at `api_url`)."""
    now = datetime.now(UTC)
    person = recipient(display_name="Edith", timezone="Europe/London")
    store.put_recipient(person)
    for name, at in (("Metformin", ("08:00", "20:00")), ("Ramipril", ("09:00",))):
        store.put_medication(medication(person.id, name, at=at, start=now.date()))
    speaker = Speaker(api_endpoint=api_url)
    store.put_alexa_link(AlexaLink(speaker.user_id, person.id, now))
    store.mark_disclaimer_heard(person.id, now)
    return envelope(speaker, {"type": "LaunchRequest"}, now=now)
