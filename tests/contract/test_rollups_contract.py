"""The rollup contract: day counts add up, and the rank index pages a coordinator's people the same on every store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from skill.domain.models import Recipient
from skill.store.base import Store
from skill.store.rollups import DayCounts, RollupChange
from tests.factories import recipient


@pytest.fixture
def now() -> datetime:
    return datetime.now(UTC)


def person_at(store: Store, now: datetime, taken: int, missed: int, org: str = "care-home") -> Recipient:
    """Someone whose 30-day adherence is taken / (taken + missed), all of it yesterday."""
    person = recipient(organisation=org)
    store.put_recipient(person)
    day = now.astimezone(person.tz).date() - timedelta(days=1)
    changes = [RollupChange(day, "on_time", 1)] * taken + [RollupChange(day, "missed", 1)] * missed
    store.apply_rollup_changes(person, changes, now)
    return person


def test_changes_add_up_per_day_and_the_latest_activity_is_kept(store: Store, now: datetime) -> None:
    # GIVEN a person with a dose taken, then undone and logged late, and one missed the day before
    person = recipient()
    store.put_recipient(person)
    today = now.astimezone(person.tz).date()
    store.apply_rollup_changes(person, [RollupChange(today, "on_time", 1)], now, activity=now - timedelta(hours=2))
    store.apply_rollup_changes(person, [RollupChange(today, "on_time", -1), RollupChange(today, "late", 1)], now,
                               activity=now - timedelta(hours=1))
    store.apply_rollup_changes(person, [RollupChange(today - timedelta(days=1), "missed", 1)], now)

    # WHEN the coordinator page reads it
    found = store.read_rollups([person.id, "rec_nobody"])

    # THEN each day holds what happened on it, and nobody unknown appears
    assert set(found) == {person.id}
    assert found[person.id].days == {today: DayCounts(late=1), today - timedelta(days=1): DayCounts(missed=1)}
    assert found[person.id].last_activity == now - timedelta(hours=1)


def test_a_rebuild_replaces_the_counts_and_old_days_are_dropped(store: Store, now: datetime) -> None:
    person = recipient()
    store.put_recipient(person)
    today = now.astimezone(person.tz).date()
    store.apply_rollup_changes(person, [RollupChange(today, "missed", 1)], now)

    store.replace_rollups(person, {today: DayCounts(on_time=2), today - timedelta(days=400): DayCounts(missed=5)}, now)

    assert store.read_rollups([person.id])[person.id].days == {today: DayCounts(on_time=2)}


def test_the_rank_index_pages_by_adherence_with_people_without_figures_last(store: Store, now: datetime) -> None:
    # GIVEN four people of one home at 25%, 50%, 100% and no figure, and someone of another home
    low, mid, high = (person_at(store, now, t, m) for t, m in ((1, 3), (1, 1), (2, 0)))
    new = recipient(organisation="care-home")
    store.put_recipient(new)
    store.apply_rollup_changes(new, [], now)
    person_at(store, now, 0, 4, org="elsewhere")

    # WHEN the coordinator pages through their home, two at a time, both ways
    first = store.ranked_recipients("care-home", offset=0, limit=2)
    second = store.ranked_recipients("care-home", offset=2, limit=2)
    falling = store.ranked_recipients("care-home", offset=0, limit=4, descending=True)

    # THEN the worst come first, no figure comes last either way, and the other home is not there
    assert first.total == second.total == 4
    assert first.recipient_ids + second.recipient_ids == [low.id, mid.id, high.id, new.id]
    assert falling.recipient_ids == [high.id, mid.id, low.id, new.id]


def test_below_keeps_people_under_the_line_and_people_without_a_figure(store: Store, now: datetime) -> None:
    low, mid, _ = (person_at(store, now, t, m) for t, m in ((1, 3), (1, 1), (2, 0)))
    new = recipient(organisation="care-home")
    store.put_recipient(new)
    store.apply_rollup_changes(new, [], now)

    page = store.ranked_recipients("care-home", offset=0, limit=10, below=0.5)

    assert page.recipient_ids == [low.id, new.id]
    assert page.total == 2
    assert mid.id not in page.recipient_ids  # exactly 50% is not below 50%
