"""Adherence definitions, the cohort's bounded reads, and the heatmap's accessible SVG."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from typing import cast
from xml.etree import ElementTree

import pytest

from skill.domain.models import Dose, DoseStatus, LogSource, Medication, Recipient, Schedule
from skill.doses import expected_doses
from skill.reports.adherence import Outcome, classify, cohort_rows, count, proportion_of_days_covered, summarise
from skill.reports.cohort_cache import CohortCache
from skill.reports.heatmap import cells_from_doses, render_heatmap_svg
from skill.store.core import CoreStore, RecipientView
from tests import factories

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
EDITH = factories.recipient(grace_minutes=60)


def doses_of(med: Medication, start: datetime, end: datetime) -> list[Dose]:
    return expected_doses(EDITH, med, start, end)


def logged(dose: Dose, status: DoseStatus, minutes_after: int = 5) -> Dose:
    return replace(dose, status=status, logged_at=dose.scheduled_utc + timedelta(minutes=minutes_after),
                   source=LogSource.VOICE)


def test_a_pending_dose_past_its_grace_window_is_missed_and_one_inside_is_not_due() -> None:
    # GIVEN a dose due at 11:30 (grace 60 minutes) and one due at 11:00
    base = doses_of(factories.medication(EDITH.id, at=("11:00",)), datetime(2026, 3, 10, tzinfo=UTC), NOW)[0]
    inside = replace(base, scheduled_utc=datetime(2026, 3, 10, 11, 30, tzinfo=UTC))
    # WHEN they are classified at noon
    # THEN the one whose grace has passed is missed, the other not yet due
    assert classify(base, EDITH.grace, NOW + timedelta(minutes=1)) is Outcome.MISSED
    assert classify(inside, EDITH.grace, NOW) is Outcome.NOT_DUE


def test_adherence_counts_late_as_taken_and_leaves_skipped_out() -> None:
    # GIVEN four past doses: on time, late, skipped, never logged
    med = factories.medication(EDITH.id, at=("06:00", "07:00", "08:00", "09:00"))
    d = doses_of(med, datetime(2026, 3, 10, tzinfo=UTC), datetime(2026, 3, 11, tzinfo=UTC))
    doses = [logged(d[0], DoseStatus.TAKEN), logged(d[1], DoseStatus.TAKEN_LATE, 120),
             logged(d[2], DoseStatus.SKIPPED), d[3]]
    # WHEN they are counted at noon
    counts = count(doses, EDITH.grace, NOW)
    # THEN adherence is 2 taken of 3 scheduled, with the skipped dose shown apart
    assert (counts.on_time, counts.late, counts.missed, counts.skipped) == (1, 1, 1, 1)
    assert counts.adherence == pytest.approx(2 / 3)


def test_nothing_due_is_no_figure_rather_than_zero() -> None:
    assert count([], EDITH.grace, NOW).adherence is None
    assert proportion_of_days_covered(EDITH, [], NOW) is None


def test_a_day_is_covered_only_when_every_dose_that_day_was_taken() -> None:
    # GIVEN two days of twice-daily doses: day one both taken, day two one missed
    med = factories.medication(EDITH.id, at=("08:00", "20:00"))
    d = doses_of(med, datetime(2026, 3, 8, tzinfo=UTC), datetime(2026, 3, 10, tzinfo=UTC))
    doses = [logged(d[0], DoseStatus.TAKEN), logged(d[1], DoseStatus.TAKEN_LATE, 90),
             logged(d[2], DoseStatus.TAKEN), d[3]]
    # WHEN PDC is computed
    # THEN one of two days is covered
    assert proportion_of_days_covered(EDITH, doses, NOW) == 0.5


def test_as_needed_doses_never_count_against_adherence() -> None:
    # GIVEN an as-needed medicine taken once and a scheduled one taken
    prn = factories.medication(EDITH.id, "Paracetamol", schedule=Schedule(as_needed=True, start=date(2026, 1, 1)))
    med = factories.medication(EDITH.id, at=("08:00",))
    taken = logged(doses_of(med, datetime(2026, 3, 10, tzinfo=UTC), NOW)[0], DoseStatus.TAKEN)
    extra = replace(taken, id=f"{prn.id}@20260310T1000", medication_id=prn.id, medication_name=prn.name)
    # WHEN the day is summarised
    summary = summarise(EDITH, [med, prn], [taken, extra], NOW, days=1)
    # THEN only the scheduled dose counts
    assert summary.counts.scheduled == 1
    assert [m.medication_name for m in summary.by_medication] == ["Metformin"]


class CountingStore:
    """Just the one read the cohort may make, counted."""

    def __init__(self, people: list[Recipient], meds: dict[str, list[Medication]],
                 doses: dict[str, list[Dose]]) -> None:
        self.people = {p.id: p for p in people}
        self.meds, self.doses, self.calls = meds, doses, {"views": 0}

    def load_recipient_views(self, ids: Sequence[str], start: datetime, end: datetime) -> dict[str, RecipientView]:
        self.calls["views"] += 1
        return {rid: RecipientView(recipient=self.people[rid], medications=tuple(self.meds.get(rid, [])),
                                   doses=tuple(d for d in self.doses.get(rid, []) if start <= d.scheduled_utc < end))
                for rid in ids}


def test_the_cohort_reads_once_for_doses_and_counts_doses_never_stored() -> None:
    # GIVEN 20 recipients with a daily 08:00 medicine; only the first has stored doses (all taken)
    people = [factories.recipient(display_name=f"P{i}") for i in range(20)]
    meds = {p.id: [factories.medication(p.id, at=("08:00",), start=date(2025, 1, 1))] for p in people}
    first = people[0]
    stored = [logged(replace(d, recipient_id=first.id), DoseStatus.TAKEN) for d in expected_doses(
        first, meds[first.id][0], NOW - timedelta(days=100), NOW)]
    store = CountingStore(people, meds, {first.id: stored})
    # WHEN the cohort table is built
    rows = cohort_rows(cast(CoreStore, store), people, NOW)
    # THEN everyone was read in one call, and unstored doses are missed, not absent
    assert store.calls == {"views": 1}
    assert rows[0].adherence_7 == 1.0 and rows[0].adherence_90 == 1.0 and rows[0].trend == 0.0
    assert rows[1].adherence_30 == 0.0 and rows[1].missed_30 == 30
    assert rows[0].last_activity == max(d.logged_at for d in stored if d.logged_at)


def test_the_heatmap_shows_the_worst_status_per_cell_with_text_alternatives() -> None:
    # GIVEN two medicines at 08:00: one taken, one missed; and a dose at 20:00 not yet due
    a = factories.medication(EDITH.id, "A", at=("08:00", "20:00"))
    b = factories.medication(EDITH.id, "B", at=("08:00",))
    day = datetime(2026, 3, 10, tzinfo=UTC)
    da, db = doses_of(a, day, day + timedelta(days=1)), doses_of(b, day, day + timedelta(days=1))
    doses = [logged(da[0], DoseStatus.TAKEN), db[0], da[1]]
    # WHEN the cells are computed and drawn
    data = cells_from_doses(EDITH, doses, (date(2026, 3, 10),), NOW)
    svg = render_heatmap_svg(data)
    # THEN the 08:00 cell shows missed, 20:00 not yet due, and the SVG is an accessible image
    assert data.status(date(2026, 3, 10), "08:00") == "missed"
    assert data.status(date(2026, 3, 10), "20:00") == "pending"
    root = ElementTree.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    assert root.get("role") == "img"
    assert root.find(f"{ns}title") is not None
    desc = root.find(f"{ns}desc")
    assert desc is not None and "1 missed" in (desc.text or "")
    titles = [t.text for t in root.iter(f"{ns}title")]
    assert "2026-03-10 08:00: Missed" in titles
    for label in ("Taken on time", "Taken late", "Missed", "Skipped", "Not yet due"):
        assert any(t.text == label for t in root.iter(f"{ns}text")), label


def test_the_cohort_cache_reuses_rows_for_a_minute_only() -> None:
    # GIVEN a cache and a store that counts its reads
    people = [factories.recipient(display_name="P")]
    store = CountingStore(people, {people[0].id: [factories.medication(people[0].id, at=("08:00",))]}, {})
    cache = CohortCache()
    # WHEN the table is asked for three times: now, 30 s later, and 2 minutes later
    first = cache.rows(cast(CoreStore, store), people, NOW)
    cache.rows(cast(CoreStore, store), people, NOW + timedelta(seconds=30))
    cache.rows(cast(CoreStore, store), people, NOW + timedelta(minutes=2))
    # THEN the store was read twice, and callers get copies they may sort freely
    assert store.calls["views"] == 2
    first.clear()
    assert len(cache.rows(cast(CoreStore, store), people, NOW + timedelta(minutes=2))) == 1


def test_heatmap_date_labels_never_overlap() -> None:
    # GIVEN 30 days from 20 Oct 2026, where Sunday 1 Nov is next to Monday 2 Nov
    days = tuple(date(2026, 10, 20) + timedelta(days=i) for i in range(30))
    data = cells_from_doses(EDITH, [], days, NOW)
    # WHEN the heatmap is drawn
    root = ElementTree.fromstring(render_heatmap_svg(data))
    ns = "{http://www.w3.org/2000/svg}"
    labels = [(float(t.get("x") or 0), t.text) for t in root.iter(f"{ns}text")
              if t.get("font-size") == "12" and t.text and t.text[:2].isdigit()]
    # THEN the month's first day is labelled, the Monday beside it is not, and labels stand 3 columns apart
    texts = [text for _, text in labels]
    assert "01 Nov" in texts and "02 Nov" not in texts
    assert texts == ["20 Oct", "26 Oct", "01 Nov", "09 Nov", "16 Nov"]
    xs = [x for x, _ in labels]
    assert all(b - a >= 3 * 20 for a, b in pairwise(xs))  # 3 columns of 18 px cells, 2 px gaps
