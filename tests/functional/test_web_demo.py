"""The demo data `dosekeeper serve --demo` loads: on every store, and only once."""

from __future__ import annotations

from datetime import UTC, datetime

from skill.accounts.passwords import verify_password
from skill.demo import seed_demo
from skill.reports.adherence import cohort_rows
from skill.store.base import Store

NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)


def test_demo_has_four_people_accounts_and_varied_history(store: Store) -> None:
    # GIVEN an empty store
    # WHEN the demo is seeded twice
    first = seed_demo(store, NOW)
    second = seed_demo(store, NOW)
    # THEN it was written once, with four people in different zones and the promised accounts
    assert first == second
    people = store.list_recipients(first.organisation)
    assert len(people) == 4 and len({p.timezone for p in people}) == 4
    carer = store.get_user_by_email(first.carer_email)
    assert carer is not None and verify_password(carer.password_hash, first.password)
    assert carer.recipient_ids == set(first.carer_recipient_ids) and len(carer.recipient_ids) == 2
    assert store.get_user_by_email(first.coordinator_email) is not None
    meds = [m for p in people for m in store.list_medications(p.id)]
    assert any(m.schedule.as_needed for m in meds) and any(m.pill_count is not None for m in meds)
    # AND the cohort shows a realistic spread, with some below 80%
    rows = cohort_rows(store, people, NOW)
    thirty = [r.adherence_30 for r in rows if r.adherence_30 is not None]
    assert len(thirty) == 4 and min(thirty) < 0.8 < max(thirty)
    assert all(r.missed_30 + r.skipped_30 > 0 for r in rows)
