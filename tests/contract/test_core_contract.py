"""The core store contract: SQLite, moto and dynalite must behave alike, for every access pattern."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ReadTimeoutError

from skill.domain.models import (
    Dose,
    DoseStatus,
    LinkCode,
    LogSource,
    Medication,
    Recipient,
    Schedule,
    SpeechPreferences,
)
from skill.doses import as_needed_dose, expected_doses
from skill.schedules import day_window
from skill.store.base import Store
from skill.store.core import AsNeededOutcome
from skill.store.dynamodb import DynamoStore
from skill.store.sqlite import SqliteStore
from skill.usecases.planning import plan_medication
from tests.factories import medication, recipient

DAY = datetime(2026, 11, 25, tzinfo=UTC)


def run_together(work: Callable[[], None], n: int) -> None:
    """Start n threads on `work` at one barrier (no sleeps), and re-raise the first error any of them hit."""
    barrier = threading.Barrier(n)
    errors: list[BaseException] = []

    def run() -> None:
        barrier.wait()
        try:
            work()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]


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


def test_a_dose_never_stored_can_be_logged_and_its_pills_counted(transactional_store: Store) -> None:
    store = transactional_store
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


def test_concurrent_logs_of_one_dose_apply_exactly_once(concurrent_store: Store) -> None:
    store = concurrent_store  # a race means something only where writes are serialised (tests/conftest.py)
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
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads)
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


def test_a_counted_log_changes_the_pill_count_once_and_says_what_it_left(transactional_store: Store) -> None:
    # GIVEN a medicine with 2 pills left, taken 2 at a time, and a planned dose
    store = transactional_store
    edith = recipient()
    store.put_recipient(edith)
    med = medication(edith.id, pill_count=3, pills_per_dose=2)
    store.put_medication(med)
    morning, evening = expected_doses(edith, med, DAY, DAY + timedelta(days=1))
    store.put_doses([morning, evening])
    # WHEN both doses are logged, the second finding too few pills, and the first logged again
    first = store.record_dose(morning, DoseStatus.TAKEN, morning.scheduled_utc, LogSource.VOICE, pill_delta=-2)
    second = store.record_dose(evening, DoseStatus.TAKEN, evening.scheduled_utc, LogSource.WEB, pill_delta=-2)
    again = store.record_dose(morning, DoseStatus.TAKEN, morning.scheduled_utc, LogSource.API, pill_delta=-2)
    # THEN each applied log says exactly what it left (never below zero), and the repeat changes nothing
    assert (first.applied, first.previous_status, first.pills_left) == (True, DoseStatus.PENDING, 1)
    assert (second.applied, second.pills_left) == (True, 0)
    assert not again.applied and again.dose.source is LogSource.VOICE
    assert store.list_medications(edith.id)[0].pill_count == 0


@pytest.mark.parametrize("server", ["moto_store", "dynamodb_local_store"])
def test_a_log_whose_answer_was_lost_is_retried_without_counting_twice(server: str,
                                                                       request: pytest.FixtureRequest) -> None:
    # GIVEN a DynamoDB store whose next transaction applies but whose answer never arrives
    store: DynamoStore = request.getfixturevalue(server)
    edith = recipient()
    store.put_recipient(edith)
    med = medication(edith.id, pill_count=10)
    store.put_medication(med)
    dose = expected_doses(edith, med, DAY, DAY + timedelta(days=1))[0]
    store.put_doses([dose])
    lost: list[str] = []

    def lose_the_answer(**_: object) -> None:
        if not lost:
            lost.append("answer")
            raise ReadTimeoutError(endpoint_url="dynamodb")

    store.client.meta.events.register("after-call.dynamodb.TransactWriteItems", lose_the_answer)
    at = dose.scheduled_utc + timedelta(minutes=2)
    with pytest.raises(ReadTimeoutError):
        store.record_dose(dose, DoseStatus.TAKEN, at, LogSource.VOICE, pill_delta=-1)
    # WHEN the caller repeats the call
    retry = store.record_dose(dose, DoseStatus.TAKEN, at, LogSource.VOICE, pill_delta=-1)
    # THEN it answers from what was recorded: the log stands once, and one pill was counted
    assert not retry.applied
    assert (retry.dose.status, retry.dose.logged_at, retry.dose.source) == (DoseStatus.TAKEN, at, LogSource.VOICE)
    assert store.list_medications(edith.id)[0].pill_count == 9


def as_needed_medicine(store: Store, pill_count: int | None = 20) -> tuple[Recipient, Medication]:
    edith = recipient()
    store.put_recipient(edith)
    med = medication(edith.id, "Paracetamol", pill_count=pill_count,
                     schedule=Schedule(as_needed=True, min_interval_minutes=240, max_per_day=8, start=DAY.date()))
    store.put_medication(med)
    return edith, med


def log_as_needed(store: Store, edith: Recipient, med: Medication, at: datetime,
                  source: LogSource = LogSource.VOICE) -> AsNeededOutcome:
    day_start, day_end = day_window(at.astimezone(edith.tz).date(), edith.tz)
    return store.record_as_needed_dose(as_needed_dose(edith, med, at), DoseStatus.TAKEN, at, source,
                                       pill_delta=-med.pills_per_dose, same_intake_within=SAME_INTAKE,
                                       day_start=day_start, day_end=day_end)


SAME_INTAKE = timedelta(minutes=5)
MORNING = DAY + timedelta(hours=9)  # 09:00 in London, in November


def test_as_needed_logs_report_the_previous_dose_and_the_days_total(transactional_store: Store) -> None:
    # GIVEN an as-needed medicine with 20 pills
    store = transactional_store
    edith, med = as_needed_medicine(store)
    # WHEN it is taken at 09:00, reported again at 09:02, then taken at 13:00
    first = log_as_needed(store, edith, med, MORNING)
    echo = log_as_needed(store, edith, med, MORNING + timedelta(minutes=2), LogSource.API)
    later = log_as_needed(store, edith, med, MORNING + timedelta(hours=4))
    # THEN the first had nothing before it, the echo wrote nothing, the third sees the first
    assert (first.applied, first.previous_taken_at, first.taken_today_before, first.pills_left) == (True, None, 0, 19)
    assert (echo.applied, echo.dose.id, echo.dose.source, echo.pills_left) == (
        False, first.dose.id, LogSource.VOICE, 19)
    assert (later.applied, later.previous_taken_at, later.taken_today_before, later.pills_left) == (
        True, MORNING, 1, 18)
    # WHEN a carer back-dates a dose to 11:00, and another is taken at 15:00
    backdated = log_as_needed(store, edith, med, MORNING + timedelta(hours=2), LogSource.WEB)
    afternoon = log_as_needed(store, edith, med, MORNING + timedelta(hours=6))
    # THEN each sees only what was taken before it in time, and the total counts all of that day's
    assert (backdated.previous_taken_at, backdated.taken_today_before) == (MORNING, 1)
    assert (afternoon.previous_taken_at, afternoon.taken_today_before) == (MORNING + timedelta(hours=4), 3)
    # WHEN it is taken the next morning
    tomorrow = log_as_needed(store, edith, med, MORNING + timedelta(days=1))
    # THEN the day starts from nought, the previous dose is yesterday's last, and every pill was counted once
    assert (tomorrow.previous_taken_at, tomorrow.taken_today_before, tomorrow.pills_left) == (
        MORNING + timedelta(hours=6), 0, 15)
    taken = store.list_doses(edith.id, DAY, DAY + timedelta(days=2))
    assert len(taken) == 5 and all(d.status is DoseStatus.TAKEN for d in taken)
    assert store.list_medications(edith.id)[0].pill_count == 15


def test_as_needed_doses_logged_before_the_guard_existed_still_count(transactional_store: Store) -> None:
    # GIVEN an as-needed dose an older release logged at 07:00 (a plain dose log)
    store = transactional_store
    edith, med = as_needed_medicine(store, pill_count=None)
    early = MORNING - timedelta(hours=2)
    store.record_dose(as_needed_dose(edith, med, early), DoseStatus.TAKEN, early, LogSource.VOICE)
    # WHEN it is taken again at 09:00 and reported twice
    now = log_as_needed(store, edith, med, MORNING)
    echo = log_as_needed(store, edith, med, MORNING + timedelta(minutes=4))
    # THEN the 07:00 dose is seen, pills are not counted, and the echo is recognised
    assert (now.applied, now.previous_taken_at, now.taken_today_before, now.pills_left) == (True, early, 1, None)
    assert (echo.applied, echo.dose.id) == (False, now.dose.id)


def test_thirty_simultaneous_reports_of_one_intake_record_one_dose(concurrent_store: Store) -> None:
    # GIVEN an as-needed medicine with a 4-hour interval, and 30 reports of one intake over 4.5 minutes
    store = concurrent_store
    edith, med = as_needed_medicine(store)
    moments = iter(MORNING + timedelta(seconds=9 * i) for i in range(30))
    lock = threading.Lock()
    outcomes: list[AsNeededOutcome] = []

    def report() -> None:
        with lock:
            at = next(moments)
        outcome = log_as_needed(store, edith, med, at, LogSource.API)
        with lock:
            outcomes.append(outcome)

    # WHEN they all arrive at once
    run_together(report, 30)
    # THEN exactly one was recorded, one pill counted, and every other report names that dose
    [applied] = [o for o in outcomes if o.applied]
    assert len(outcomes) == 30
    assert {o.dose.id for o in outcomes} == {applied.dose.id}
    assert [d.id for d in store.list_doses(edith.id, DAY, DAY + timedelta(days=1))] == [applied.dose.id]
    assert store.list_medications(edith.id)[0].pill_count == 19


def test_sqlite_keeps_a_dose_s_stored_copy_in_step_with_its_status(sqlite_store: SqliteStore) -> None:
    """The status columns are what is read, but a backup, an export or an older release reads the row's JSON:
    a log and a miss change both, so they never say different things."""
    person = recipient()
    sqlite_store.put_recipient(person)
    at = datetime(2026, 3, 2, 8, tzinfo=UTC)
    taken, missed = (Dose(id=f"med_1@{n}", recipient_id=person.id, medication_id="med_1",
                          medication_name="Metformin", scheduled_local=at + timedelta(hours=n),
                          scheduled_utc=at + timedelta(hours=n)) for n in (0, 1))
    sqlite_store.put_doses([taken, missed])
    sqlite_store.record_dose(taken, DoseStatus.TAKEN, at + timedelta(minutes=3), LogSource.VOICE)
    sqlite_store.mark_missed(missed)

    def stored(dose_id: str) -> dict[str, Any]:
        row = sqlite_store.query("SELECT data FROM doses WHERE id = ?", (dose_id,))[0]
        return dict(json.loads(row["data"]))

    assert (stored(taken.id)["status"], stored(taken.id)["source"]) == ("taken", "voice")
    assert stored(taken.id)["logged_at"] is not None
    assert stored(missed.id)["status"] == "missed"
