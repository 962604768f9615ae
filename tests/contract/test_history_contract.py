"""The history contract: care events, heard names and undoing a log behave alike on every store.

Undoing a log with a pill count needs transactions (dynalite has none, and a half-done undo is worse than a
refused one), so those tests take `transactional_store`; the race takes `concurrent_store`.
"""

from __future__ import annotations

import json
import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from skill.domain.events import CareEvent, EventKind
from skill.domain.models import Dose, DoseStatus, LogSource, Medication, Recipient, new_id
from skill.doses import expected_doses
from skill.store.base import Store
from skill.store.history_codec import HEARD_LIMIT
from skill.store.sqlite import SqliteStore
from tests.factories import medication, recipient


@pytest.fixture
def now() -> datetime:
    """The clock every test reads: the real time, with microseconds, so round trips must keep them."""
    return datetime.now(UTC)


def event(person: Recipient, at: datetime, kind: EventKind = EventKind.DOUBLE_DOSE, **kw: object) -> CareEvent:
    values: dict[str, object] = {"id": new_id("evt"), "recipient_id": person.id, "kind": kind, "at": at,
                                 "source": LogSource.VOICE, "who": person.id}
    values.update(kw)
    return CareEvent(**values)  # type: ignore[arg-type]


def person_with_medication(store: Store, now: datetime, pill_count: int | None = None) -> tuple[Recipient, Medication]:
    edith = recipient()
    store.put_recipient(edith)
    med_ = medication(edith.id, start=(now - timedelta(days=3)).date(), pill_count=pill_count)
    store.put_medication(med_)
    return edith, med_


def due_dose(store: Store, edith: Recipient, med: Medication, now: datetime) -> Dose:
    """A dose due within the last day, stored pending as planning would leave it."""
    dose = expected_doses(edith, med, now - timedelta(days=1), now)[0]
    store.put_doses([dose])
    return dose


def log(store: Store, dose: Dose, at: datetime, pill_delta: int = 0) -> Dose:
    """Log a dose and read it back as the undo's caller would have it (from the store)."""
    assert store.record_dose(dose, DoseStatus.TAKEN, at, LogSource.VOICE, pill_delta=pill_delta).applied
    return stored(store, dose)


def stored(store: Store, dose: Dose) -> Dose:
    day = dose.scheduled_utc
    return next(d for d in store.list_doses(dose.recipient_id, day, day + timedelta(seconds=1)) if d.id == dose.id)


def window(dose: Dose) -> tuple[datetime, datetime]:
    return dose.scheduled_utc - timedelta(minutes=5), dose.scheduled_utc + timedelta(minutes=5)


# -- care events --------------------------------------------------------------------------------------
def test_events_are_listed_newest_first_within_the_range_and_never_across_people(store: Store,
                                                                               now: datetime) -> None:
    # GIVEN Edith's events over two days, two of them within one second, and one of Bert's
    edith, bert = recipient(), recipient(display_name="Bert")
    start, end = now - timedelta(days=1), now
    at_start = event(edith, start, EventKind.EARLY_LOG)
    unwell = event(edith, now - timedelta(hours=3), EventKind.FEELING_UNWELL, detail="after the 8am tablets")
    double = event(edith, now - timedelta(hours=1), medication_id="med_1", medication_name="Metformin",
                   dose_id="med_1@x", detail="2 taken")
    limit = event(edith, double.at + timedelta(microseconds=300), EventKind.OVER_LIMIT, source=LogSource.WEB)
    too_old = event(edith, start - timedelta(microseconds=1))
    at_end = event(edith, end)
    berts = event(bert, now - timedelta(hours=2))
    for e in (limit, too_old, at_start, berts, double, at_end, unwell):
        store.append_event(e)
    # WHEN Edith's day is listed
    listed = store.list_events(edith.id, start, end)
    # THEN her events in [start, end) come back exactly, newest first, the same-second pair in time order
    assert listed == [limit, double, unwell, at_start]
    assert store.list_events(bert.id, start, end) == [berts]


def test_appending_the_same_event_again_changes_nothing(store: Store, now: datetime) -> None:
    # GIVEN an event already recorded (a retried request sends it again, even with other words)
    edith = recipient()
    first = event(edith, now - timedelta(minutes=5), EventKind.LOG_UNDONE, detail="undone")
    store.append_event(first)
    # WHEN it is appended again
    store.append_event(first)
    store.append_event(replace(first, detail="a second telling"))
    # THEN the history holds it once, as first told
    assert store.list_events(edith.id, now - timedelta(hours=1), now) == [first]


# -- heard names --------------------------------------------------------------------------------------
def test_heard_names_are_counted_most_recent_first_and_can_be_forgotten(store: Store, now: datetime) -> None:
    # GIVEN names Alexa heard for Edith that matched none of her medicines, one of them twice in two spellings
    edith, bert = recipient(), recipient(display_name="Bert")
    t1, t2, t3 = now - timedelta(hours=3), now - timedelta(hours=2), now - timedelta(hours=1)
    store.note_heard_name(edith.id, "Metfromin", t1)
    store.note_heard_name(edith.id, "blue  pill", t2)
    store.note_heard_name(edith.id, "METFROMIN ", t3)
    store.note_heard_name(bert.id, "water tablet", t2)
    store.note_heard_name(edith.id, "   ", t3)  # nothing printable: nothing to keep
    # THEN they are listed case-folded, counted, most recently heard first, and only for her
    heard = store.list_heard_names(edith.id)
    assert [(h.heard, h.times, h.first_at, h.last_at) for h in heard] == [
        ("metfromin", 2, t1.replace(microsecond=0), t3.replace(microsecond=0)),
        ("blue pill", 1, t2.replace(microsecond=0), t2.replace(microsecond=0)),
    ]
    assert all(h.recipient_id == edith.id for h in heard)
    # WHEN the carer dismisses one (in any case), twice
    assert store.forget_heard_name(edith.id, "Blue Pill") is True
    assert store.forget_heard_name(edith.id, "Blue Pill") is False
    # THEN only that one is gone
    assert [h.heard for h in store.list_heard_names(edith.id)] == ["metfromin"]
    assert [h.heard for h in store.list_heard_names(bert.id)] == ["water tablet"]


def test_only_the_most_recently_heard_names_are_kept(store: Store, now: datetime) -> None:
    # GIVEN two more distinct names than a person keeps, each heard a minute after the last
    edith = recipient()
    names = [f"name {i}" for i in range(HEARD_LIMIT + 2)]
    for i, name in enumerate(names):
        store.note_heard_name(edith.id, name, now - timedelta(minutes=len(names) - i))
    # THEN the list is the most recent HEARD_LIMIT, newest first, and stays so when read again
    expected = list(reversed(names))[:HEARD_LIMIT]
    assert [h.heard for h in store.list_heard_names(edith.id)] == expected
    assert [h.heard for h in store.list_heard_names(edith.id)] == expected
    # AND an old name heard again comes back to the top
    store.note_heard_name(edith.id, names[0], now)
    assert [h.heard for h in store.list_heard_names(edith.id)][:2] == [names[0], names[-1]]


# -- undoing a log ------------------------------------------------------------------------------------
def test_an_undone_log_is_pending_again_and_the_sweep_can_still_mark_it_missed(store: Store,
                                                                              now: datetime) -> None:
    # GIVEN a dose Edith logged
    edith, med = person_with_medication(store, now)
    dose = due_dose(store, edith, med, now)
    logged = log(store, dose, now - timedelta(minutes=2))
    assert store.due_doses(*window(dose)) == []
    # WHEN she says she did not take it, and the undo is sent twice
    first, second = store.reopen_dose(logged), store.reopen_dose(logged)
    # THEN only the first applies and the dose is exactly as planned again
    assert (first, second) == (True, False)
    assert stored(store, dose) == dose
    # AND the sweep finds it due and can mark it missed, once
    assert store.due_doses(*window(dose)) == [dose]
    assert store.mark_missed(dose) is True
    assert store.mark_missed(dose) is False
    assert stored(store, dose).status is DoseStatus.MISSED


def test_an_undo_does_not_touch_a_newer_log(store: Store, now: datetime) -> None:
    # GIVEN a log that was undone and then logged again (another device, a minute later)
    edith, med = person_with_medication(store, now)
    dose = due_dose(store, edith, med, now)
    old = log(store, dose, now - timedelta(minutes=5))
    assert store.reopen_dose(old) is True
    newer = log(store, dose, now - timedelta(minutes=1))
    # WHEN the first undo is retried with the old log
    # THEN it changes nothing: the newer log stands
    assert store.reopen_dose(old) is False
    assert stored(store, dose) == newer
    assert newer.logged_at == (now - timedelta(minutes=1)).replace(microsecond=0)


def test_only_a_logged_dose_can_be_undone(store: Store, now: datetime) -> None:
    # GIVEN a pending dose, and one the sweep marked missed
    edith, med = person_with_medication(store, now)
    pending, missed = expected_doses(edith, med, now - timedelta(days=1), now)[:2]
    store.put_doses([pending, missed])
    assert store.mark_missed(missed)
    # THEN undoing either changes nothing
    assert store.reopen_dose(pending) is False
    assert store.reopen_dose(stored(store, missed)) is False
    assert stored(store, pending) == pending
    assert stored(store, missed).status is DoseStatus.MISSED


def test_a_missed_dose_logged_late_and_undone_is_due_again(store: Store, now: datetime) -> None:
    # GIVEN a dose the sweep marked missed, then logged late
    edith, med = person_with_medication(store, now)
    dose = due_dose(store, edith, med, now)
    assert store.mark_missed(dose)
    assert store.record_dose(dose, DoseStatus.TAKEN_LATE, now, LogSource.WEB).applied
    # WHEN the late log is undone
    assert store.reopen_dose(stored(store, dose)) is True
    # THEN it is pending and due, as if never logged
    assert store.due_doses(*window(dose)) == [dose]


def test_undoing_a_log_gives_the_pills_back_once(transactional_store: Store, now: datetime) -> None:
    # GIVEN a counted medication whose dose was logged (one pill taken)
    store = transactional_store
    edith, med = person_with_medication(store, now, pill_count=10)
    dose = due_dose(store, edith, med, now)
    logged = log(store, dose, now, pill_delta=-1)
    assert store.list_medications(edith.id)[0].pill_count == 9
    # WHEN the log is undone twice, each asking for the pill back
    assert store.reopen_dose(logged, pill_delta=1) is True
    assert store.reopen_dose(logged, pill_delta=1) is False
    # THEN the pill came back once, with the dose pending
    assert store.list_medications(edith.id)[0].pill_count == 10
    assert stored(store, dose) == dose


def test_undoing_a_log_of_an_uncounted_medication_still_reopens_it(transactional_store: Store, now: datetime) -> None:
    # GIVEN a medication whose pills are not counted (the carer turned counting off after the log)
    store = transactional_store
    edith, med = person_with_medication(store, now)
    dose = due_dose(store, edith, med, now)
    logged = log(store, dose, now)
    # WHEN the undo asks for a pill back
    # THEN the dose reopens and no count appears from nowhere
    assert store.reopen_dose(logged, pill_delta=1) is True
    assert stored(store, dose) == dose
    assert store.list_medications(edith.id)[0].pill_count is None


def test_racing_undos_give_the_pills_back_exactly_once(concurrent_store: Store, now: datetime) -> None:
    # GIVEN a logged dose of a counted medication
    store = concurrent_store
    edith, med = person_with_medication(store, now, pill_count=10)
    dose = due_dose(store, edith, med, now)
    logged = log(store, dose, now, pill_delta=-1)
    results: list[bool] = []
    lock = threading.Lock()

    def undo() -> None:
        done = store.reopen_dose(logged, pill_delta=1)
        with lock:
            results.append(done)

    # WHEN six devices send the undo at once
    threads = [threading.Thread(target=undo) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # THEN exactly one did it, and one pill came back
    assert sorted(results) == [False] * 5 + [True]
    assert store.list_medications(edith.id)[0].pill_count == 10
    assert stored(store, dose) == dose


def test_an_undone_log_leaves_no_trace_in_the_sqlite_row(sqlite_store: SqliteStore, now: datetime) -> None:
    # GIVEN an undone log on SQLite, whose row keeps the dose twice (columns, and a JSON copy)
    edith, med = person_with_medication(sqlite_store, now)
    dose = due_dose(sqlite_store, edith, med, now)
    assert sqlite_store.reopen_dose(log(sqlite_store, dose, now))
    # THEN both say pending, with no log time or source
    row = sqlite_store.query("SELECT status, logged_at, source, data FROM doses WHERE id = ?", (dose.id,))[0]
    data = json.loads(row["data"])
    assert (row["status"], row["logged_at"], row["source"]) == ("pending", None, None)
    assert (data["status"], data["logged_at"], data["source"]) == ("pending", None, None)
