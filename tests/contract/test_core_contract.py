"""The core store contract: SQLite, moto and dynalite must behave alike, for every access pattern."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from skill.domain.models import DoseStatus, LinkCode, LogSource, Schedule, SpeechPreferences
from skill.doses import expected_doses, plan_medication
from skill.store.base import Store
from tests.factories import medication, recipient

DAY = datetime(2026, 11, 25, tzinfo=UTC)


def test_recipient_round_trips_and_lists_by_organisation(store: Store) -> None:
    # GIVEN two recipients in two organisations
    edith = recipient(display_name="Edith", speech=SpeechPreferences(rate="slow"), locale="en-US",
                      timezone="America/New_York", organisation="north")
    bert = recipient(display_name="Bert", organisation="south")
    store.put_recipient(edith)
    store.put_recipient(bert)
    # THEN each reads back exactly, and lists filter by organisation
    assert store.get_recipient(edith.id) == edith
    assert store.get_recipient("rec_missing") is None
    assert [r.id for r in store.list_recipients("north")] == [edith.id]
    assert [r.display_name for r in store.list_recipients()] == ["Bert", "Edith"]


def test_medications_list_by_name_and_stopped_ones_are_hidden(store: Store) -> None:
    edith = recipient()
    store.put_recipient(edith)
    a = medication(edith.id, "ramipril", pill_count=30, also_called=("heart pill", "Heart  pill", "ramipril"))
    b = medication(edith.id, "Aspirin")
    assert a.also_called == ("heart pill",)
    store.put_medication(a)
    store.put_medication(b)
    assert [m.name for m in store.list_medications(edith.id)] == ["Aspirin", "ramipril"]
    store.put_medication(b.stopped())
    assert [m.name for m in store.list_medications(edith.id)] == ["ramipril"]
    assert {m.name for m in store.list_medications(edith.id, include_stopped=True)} == {"Aspirin", "ramipril"}
    assert store.list_medications(edith.id)[0] == a


def test_pill_count_adjusts_atomically_and_never_below_zero(store: Store) -> None:
    edith = recipient()
    store.put_recipient(edith)
    counted, uncounted = medication(edith.id, pill_count=3), medication(edith.id, "Aspirin")
    store.put_medication(counted)
    store.put_medication(uncounted)
    assert store.adjust_pill_count(edith.id, counted.id, -2) == 1
    assert store.adjust_pill_count(edith.id, counted.id, -2) == 0
    assert store.adjust_pill_count(edith.id, uncounted.id, -1) is None
    assert store.adjust_pill_count(edith.id, counted.id, 28) == 28


def test_planned_doses_are_stored_once_and_listed_by_window(store: Store) -> None:
    # GIVEN a twice-daily medication planned twice (as two sweeps might)
    edith = recipient()
    store.put_recipient(edith)
    med = medication(edith.id)
    store.put_medication(med)
    first = plan_medication(store, edith, med, DAY)
    second = plan_medication(store, edith, med, DAY)
    # THEN 14 days x 2 doses were stored once
    assert (first, second) == (28, 0)
    doses = store.list_doses(edith.id, DAY, DAY + timedelta(days=1))
    assert [d.scheduled_local.strftime("%H:%M") for d in doses] == ["08:00", "20:00"]
    assert all(d.status is DoseStatus.PENDING for d in doses)


def test_medications_to_plan_finds_only_those_running_out(store: Store) -> None:
    edith = recipient()
    store.put_recipient(edith)
    planned, fresh, stopped = medication(edith.id), medication(edith.id, "B"), medication(edith.id, "C")
    for m in (planned, fresh, stopped):
        store.put_medication(m)
    store.put_medication(stopped.stopped())
    plan_medication(store, edith, planned, DAY)
    # WHEN the sweep asks a day later which need topping up within a week
    due = store.medications_to_plan(DAY + timedelta(days=7))
    assert {m.id for m in due} == {fresh.id}
    # and re-saving a planned medication keeps its horizon
    store.put_medication(replace(planned, dose_text="1 g"))
    assert {m.id for m in store.medications_to_plan(DAY + timedelta(days=7))} == {fresh.id}
    assert {m.id for m in store.medications_to_plan(DAY + timedelta(days=30))} == {fresh.id, planned.id}


def test_logging_a_dose_twice_stores_one_log_and_says_when(store: Store) -> None:
    # GIVEN a pending dose
    edith = recipient()
    store.put_recipient(edith)
    med = medication(edith.id)
    store.put_medication(med)
    dose = expected_doses(edith, med, DAY, DAY + timedelta(days=1))[0]
    store.put_doses([dose])
    at = dose.scheduled_utc + timedelta(minutes=5)
    # WHEN it is logged twice
    first = store.record_dose(dose, DoseStatus.TAKEN, at, LogSource.VOICE)
    second = store.record_dose(dose, DoseStatus.TAKEN, at + timedelta(minutes=3), LogSource.WEB)
    # THEN the first applies and the second reports the first log
    assert first.applied and first.previous_status is DoseStatus.PENDING
    assert not second.applied
    assert second.dose.logged_at == at and second.dose.source is LogSource.VOICE
    stored = store.list_doses(edith.id, DAY, DAY + timedelta(days=1))
    assert [(d.status, d.logged_at) for d in stored] == [(DoseStatus.TAKEN, at)]


def test_a_dose_never_stored_can_be_logged_and_its_pills_counted(store: Store) -> None:
    edith = recipient()
    store.put_recipient(edith)
    med = medication(edith.id, pill_count=10)
    store.put_medication(med)
    dose = expected_doses(edith, med, DAY, DAY + timedelta(days=1))[1]
    outcome = store.record_dose(dose, DoseStatus.TAKEN, dose.scheduled_utc, LogSource.CLI, pill_delta=-1)
    again = store.record_dose(dose, DoseStatus.TAKEN, dose.scheduled_utc, LogSource.CLI, pill_delta=-1)
    assert outcome.applied and not again.applied
    assert store.list_medications(edith.id)[0].pill_count == 9
    assert store.list_doses(edith.id, DAY, DAY + timedelta(days=1))[0].status is DoseStatus.TAKEN


def test_concurrent_logs_of_one_dose_apply_exactly_once(store: Store) -> None:
    edith = recipient()
    store.put_recipient(edith)
    med = medication(edith.id, pill_count=20)
    store.put_medication(med)
    dose = expected_doses(edith, med, DAY, DAY + timedelta(days=1))[0]
    store.put_doses([dose])
    results: list[bool] = []
    lock = threading.Lock()

    def log() -> None:
        outcome = store.record_dose(dose, DoseStatus.TAKEN, dose.scheduled_utc, LogSource.VOICE, pill_delta=-1)
        with lock:
            results.append(outcome.applied)

    threads = [threading.Thread(target=log) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [False] * 5 + [True]
    assert store.list_medications(edith.id)[0].pill_count == 19


def test_due_window_returns_only_pending_doses_due_in_it(store: Store) -> None:
    edith, bert = recipient(), recipient(display_name="Bert", timezone="America/New_York")
    for r in (edith, bert):
        store.put_recipient(r)
        med = medication(r.id)
        store.put_medication(med)
        plan_medication(store, r, med, DAY)
    start, end = DAY + timedelta(hours=7, minutes=30), DAY + timedelta(hours=13, minutes=30)
    due = store.due_doses(start, end)
    # Edith's 08:00 GMT and Bert's 08:00 EST (13:00 UTC) fall in the window
    assert sorted((d.recipient_id, d.scheduled_utc.hour) for d in due) == sorted([(edith.id, 8), (bert.id, 13)])
    # a logged dose leaves the index; a missed one is marked exactly once
    edith_dose = next(d for d in due if d.recipient_id == edith.id)
    store.record_dose(edith_dose, DoseStatus.TAKEN, edith_dose.scheduled_utc, LogSource.VOICE)
    bert_dose = next(d for d in due if d.recipient_id == bert.id)
    assert store.mark_missed(bert_dose) is True
    assert store.mark_missed(bert_dose) is False
    assert store.mark_missed(edith_dose) is False
    assert store.due_doses(start, end) == []


def test_a_missed_dose_can_still_be_logged_late(store: Store) -> None:
    edith = recipient()
    store.put_recipient(edith)
    med = medication(edith.id)
    store.put_medication(med)
    plan_medication(store, edith, med, DAY)
    dose = store.list_doses(edith.id, DAY, DAY + timedelta(days=1))[0]
    store.mark_missed(dose)
    outcome = store.record_dose(dose, DoseStatus.TAKEN_LATE, dose.scheduled_utc + timedelta(hours=3),
                                LogSource.VOICE)
    assert outcome.applied and outcome.previous_status is DoseStatus.MISSED
    assert store.list_doses(edith.id, DAY, DAY + timedelta(days=1))[0].status is DoseStatus.TAKEN_LATE


def test_replanning_drops_pending_doses_the_new_schedule_does_not_expect(store: Store) -> None:
    edith = recipient()
    store.put_recipient(edith)
    med = medication(edith.id)
    store.put_medication(med)
    plan_medication(store, edith, med, DAY)
    first = store.list_doses(edith.id, DAY, DAY + timedelta(days=1))[0]
    store.record_dose(first, DoseStatus.TAKEN, first.scheduled_utc, LogSource.VOICE)
    # WHEN the carer moves the evening dose to 21:00
    moved = replace(med, schedule=Schedule(times=(first.scheduled_local.time().replace(tzinfo=None),
                                                  datetime(2026, 1, 1, 21).time()), start=med.schedule.start))
    store.put_medication(moved)
    plan_medication(store, edith, moved, DAY + timedelta(hours=9), replan=True)
    doses = store.list_doses(edith.id, DAY, DAY + timedelta(days=1))
    # THEN the logged morning dose stays, 20:00 is gone, 21:00 is expected
    assert [(d.scheduled_local.strftime("%H:%M"), d.status) for d in doses] == [
        ("08:00", DoseStatus.TAKEN), ("21:00", DoseStatus.PENDING)]


def test_recipient_view_is_profile_medications_and_upcoming_doses(store: Store) -> None:
    edith = recipient()
    store.put_recipient(edith)
    med = medication(edith.id)
    store.put_medication(med)
    plan_medication(store, edith, med, DAY)
    store.put_link_code(LinkCode.issue(edith.id, DAY))
    view = store.load_recipient_view(edith.id, DAY + timedelta(days=13))
    assert view is not None
    assert view.recipient == edith
    assert [m.id for m in view.medications] == [med.id]
    assert [d.scheduled_local.strftime("%d %H:%M") for d in view.doses] == ["08 08:00", "08 20:00"]
    assert store.load_recipient_view("rec_nobody", DAY) is None


def test_link_codes_are_single_use_expiring_and_replaced(store: Store) -> None:
    edith = recipient()
    store.put_recipient(edith)
    old = LinkCode(code="482913", recipient_id=edith.id, expires_at=DAY + timedelta(hours=48))
    store.put_link_code(old)
    new = LinkCode(code="517204", recipient_id=edith.id, expires_at=DAY + timedelta(hours=48))
    store.put_link_code(new)
    assert store.claim_link_code("482913", DAY) is None  # replaced by the newer code
    assert store.claim_link_code("000000", DAY) is None
    assert store.claim_link_code("517204", DAY + timedelta(hours=49)) is None  # expired
    claimed = store.claim_link_code("517204", DAY)
    assert claimed is not None and claimed.recipient_id == edith.id
    assert store.claim_link_code("517204", DAY) is None  # single use


def test_many_recipients_are_read_together_for_reports(store: Store) -> None:
    # GIVEN three people, one with no medicines
    people = [recipient(display_name=n) for n in ("Ann", "Bert", "Cy")]
    for p in people:
        store.put_recipient(p)
    meds = {people[0].id: medication(people[0].id, "B"), people[1].id: medication(people[1].id, "A")}
    for m in meds.values():
        store.put_medication(m)
        plan_medication(store, people[0] if m.recipient_id == people[0].id else people[1], m, DAY)
    store.put_medication(meds[people[0].id].stopped())
    ids = [p.id for p in people]
    # WHEN a report reads them all at once (an unknown id among them)
    views = store.load_recipient_views([*ids, "rec_gone"], DAY, DAY + timedelta(days=1))
    # THEN each person gets their own profile, medicines (stopped too) and that day's doses only
    assert set(views) == set(ids)
    assert [views[i].recipient for i in ids] == people
    assert {rid: [m.name for m in v.medications] for rid, v in views.items()} == {
        ids[0]: ["B"], ids[1]: ["A"], ids[2]: []}
    assert views[ids[0]].medications[0].active is False
    assert {rid: len(v.doses) for rid, v in views.items()} == {ids[0]: 2, ids[1]: 2, ids[2]: 0}
    assert all(d.recipient_id == rid and DAY <= d.scheduled_utc < DAY + timedelta(days=1)
               for rid, v in views.items() for d in v.doses)
