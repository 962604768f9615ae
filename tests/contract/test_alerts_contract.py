"""The alerts store contract: contacts, outbox, watches and checkpoint behave alike on every store."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta

import pytest

from skill.domain.alerts import AlertKind, Attempt, DeliveryState
from skill.domain.models import Contact, Dose, DoseStatus, LogSource, Recipient, new_id
from skill.doses import expected_doses
from skill.notify.policy import all_clear_alerts, missed_alerts
from skill.store.base import Store
from skill.store.dynamodb import DynamoStore
from skill.store.dynamodb.table import RequestCounter
from tests.factories import medication, recipient

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


def contact(recipient_id: str, name: str = "Ann", priority: int = 0, **kw: object) -> Contact:
    values: dict[str, object] = {"id": new_id("con"), "recipient_id": recipient_id, "name": name,
                                 "channel": "email", "address": f"{name.lower()}@example.org",
                                 "priority": priority, "created_at": NOW}
    values.update(kw)
    return Contact(**values)  # type: ignore[arg-type]


def a_pending_dose(store: Store) -> tuple[Recipient, Dose]:
    edith = recipient()
    store.put_recipient(edith)
    med = medication(edith.id, at=("08:00",))
    store.put_medication(med)
    dose = expected_doses(edith, med, NOW - timedelta(hours=3), NOW)[0]
    store.put_doses([dose])
    return edith, dose


def test_contacts_round_trip_in_priority_order(store: Store) -> None:
    # GIVEN two contacts, the second more urgent, one with quiet hours
    edith = recipient()
    later = contact(edith.id, "Bob", priority=1, quiet_hours=(time(22), time(7)), escalate_after_minutes=30,
                    channel="sms", address="+447700900123", name_medicines=True)
    first = contact(edith.id, "Ann")
    store.put_contact(later)
    store.put_contact(first)
    # THEN they read back exactly, by priority
    assert store.list_contacts(edith.id) == [first, later]
    assert store.delete_contact(edith.id, first.id) is True
    assert store.delete_contact(edith.id, first.id) is False
    assert store.list_contacts(edith.id) == [later]


def test_a_dose_is_marked_missed_once_with_its_alerts(transactional_store: Store) -> None:
    # GIVEN a pending dose and two contacts
    store = transactional_store
    edith, dose = a_pending_dose(store)
    contacts = [contact(edith.id, "Ann"), contact(edith.id, "Bob")]
    alerts = missed_alerts(edith, dose, contacts, NOW)
    # WHEN two sweeps mark it
    first = store.mark_missed_with_alerts(dose, alerts, NOW)
    second = store.mark_missed_with_alerts(dose, alerts, NOW)
    # THEN only the first did, the dose is missed, out of the due index, and each alert is recorded once
    assert (first, second) == (True, False)
    assert store.due_doses(NOW - timedelta(hours=3), NOW) == []
    assert [d.status for d in store.list_doses(edith.id, NOW - timedelta(hours=3), NOW)] == [DoseStatus.MISSED]
    recorded = store.alerts_about(edith.id, dose.id)
    assert sorted(a.key for a in recorded) == sorted(a.key for a in alerts)
    assert len(store.due_alerts(NOW)) == 2


def test_concurrent_marks_record_alerts_exactly_once(concurrent_store: Store) -> None:
    store = concurrent_store  # a race means something only where writes are serialised (tests/conftest.py)
    # GIVEN one pending dose and eight sweeps racing to mark it
    store = concurrent_store
    edith, dose = a_pending_dose(store)
    alerts = missed_alerts(edith, dose, [contact(edith.id)], NOW)
    results: list[bool] = []
    barrier = threading.Barrier(8, timeout=60)

    def sweep() -> None:
        barrier.wait()
        results.append(store.mark_missed_with_alerts(dose, alerts, NOW))

    threads = [threading.Thread(target=sweep) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    # THEN exactly one won, and there is one alert
    assert not any(t.is_alive() for t in threads)
    assert results.count(True) == 1
    assert len(store.due_alerts(NOW)) == 1


def test_an_alert_is_claimed_by_one_sweep_and_retried_when_its_time_comes(transactional_store: Store) -> None:
    store = transactional_store
    # GIVEN a recorded alert
    edith, dose = a_pending_dose(store)
    store.mark_missed_with_alerts(dose, missed_alerts(edith, dose, [contact(edith.id)], NOW), NOW)
    [due] = store.due_alerts(NOW)
    # WHEN two sweeps claim it
    claimed = store.claim_alert(due, NOW, NOW + timedelta(minutes=5))
    assert claimed is not None
    assert store.claim_alert(due, NOW, NOW + timedelta(minutes=5)) is None
    # AND the attempt fails and is put off for two minutes
    store.record_attempt(claimed.with_attempt(Attempt(NOW, False, "smtp unreachable"), DeliveryState.PENDING,
                                              NOW + timedelta(minutes=2)))
    # THEN it is not due now, but due in two minutes, with its attempt kept
    assert store.due_alerts(NOW + timedelta(minutes=1)) == []
    [again] = store.due_alerts(NOW + timedelta(minutes=2))
    assert [a.detail for a in again.attempts] == ["smtp unreachable"]
    # WHEN it is sent
    claimed = store.claim_alert(again, NOW + timedelta(minutes=2), NOW + timedelta(minutes=7))
    assert claimed is not None
    store.record_attempt(claimed.with_attempt(Attempt(NOW, True, "sent"), DeliveryState.SENT, NOW))
    # THEN it is never due again, and its history lists both attempts
    assert store.due_alerts(NOW + timedelta(days=1)) == []
    [done] = store.list_alerts(edith.id)
    assert done.state is DeliveryState.SENT
    assert [a.ok for a in done.attempts] == [False, True]


def test_a_claim_of_a_sweep_that_died_lapses(transactional_store: Store) -> None:
    store = transactional_store
    edith, dose = a_pending_dose(store)
    store.mark_missed_with_alerts(dose, missed_alerts(edith, dose, [contact(edith.id)], NOW), NOW)
    [due] = store.due_alerts(NOW)
    assert store.claim_alert(due, NOW, NOW + timedelta(minutes=5)) is not None
    assert store.due_alerts(NOW + timedelta(minutes=4)) == []
    [lapsed] = store.due_alerts(NOW + timedelta(minutes=5))
    assert lapsed.state is DeliveryState.SENDING
    assert store.claim_alert(lapsed, NOW + timedelta(minutes=5), NOW + timedelta(minutes=10)) is not None


def test_a_late_log_is_seen_through_the_watch_and_settled_once(transactional_store: Store) -> None:
    store = transactional_store
    # GIVEN a missed dose whose alert was sent
    edith, dose = a_pending_dose(store)
    ann = contact(edith.id)
    store.mark_missed_with_alerts(dose, missed_alerts(edith, dose, [ann], NOW), NOW)
    [watched] = store.watched_doses()
    assert watched.dose.status is DoseStatus.MISSED
    # WHEN it is logged late
    store.record_dose(dose, DoseStatus.TAKEN_LATE, NOW + timedelta(minutes=5), LogSource.VOICE)
    # THEN the watch shows it, and settling it records the all clear once
    [watched] = store.watched_doses()
    assert watched.dose.status is DoseStatus.TAKEN_LATE
    clears = all_clear_alerts(edith, watched.dose, [ann], NOW)
    assert store.settle_watch(watched.dose, clears) is True
    assert store.settle_watch(watched.dose, clears) is False
    assert store.watched_doses() == []
    kinds = sorted(a.kind for a in store.alerts_about(edith.id, dose.id))
    assert kinds == [AlertKind.ALL_CLEAR, AlertKind.MISSED]


def test_enqueue_and_cancel(store: Store) -> None:
    edith, dose = a_pending_dose(store)
    alerts = missed_alerts(edith, dose, [contact(edith.id)], NOW)
    assert store.enqueue_alerts(alerts) == 1
    assert store.enqueue_alerts(alerts) == 0
    [due] = store.due_alerts(NOW)
    assert store.cancel_alert(due, NOW) is True
    assert store.cancel_alert(due, NOW) is False
    assert store.due_alerts(NOW + timedelta(days=1)) == []
    assert store.list_alerts(edith.id)[0].state is DeliveryState.CANCELLED


def test_the_sweep_checkpoint_only_moves_forward(store: Store) -> None:
    assert store.sweep_checkpoint() is None
    store.advance_sweep_checkpoint(NOW)
    store.advance_sweep_checkpoint(NOW - timedelta(hours=1))
    assert store.sweep_checkpoint() == NOW
    store.advance_sweep_checkpoint(NOW + timedelta(minutes=1))
    assert store.sweep_checkpoint() == NOW + timedelta(minutes=1)


def test_alerts_keep_their_words_and_hold_time(store: Store) -> None:
    # GIVEN a contact with quiet hours all day long except 07:00-07:01 (so the alert is held)
    edith, dose = a_pending_dose(store)
    quiet = contact(edith.id, quiet_hours=(time(7, 1), time(7, 0)))
    [alert] = missed_alerts(edith, dose, [quiet], NOW)
    store.enqueue_alerts([alert])
    [stored] = store.list_alerts(edith.id)
    assert stored == replace(alert, next_attempt_at=stored.next_attempt_at)
    assert stored.next_attempt_at > NOW


def test_an_alert_already_recorded_does_not_stop_the_dose_being_marked(transactional_store: Store) -> None:
    # GIVEN a pending dose, two contacts, and the first contact's alert recorded earlier by another route
    store = transactional_store
    edith, dose = a_pending_dose(store)
    alerts = missed_alerts(edith, dose, [contact(edith.id, "Ann"), contact(edith.id, "Bob")], NOW)
    assert store.enqueue_alerts(alerts[:1]) == 1
    # WHEN the sweep marks it missed with both alerts
    marked = store.mark_missed_with_alerts(dose, alerts, NOW)
    # THEN the dose is missed and watched, and each alert exists exactly once
    assert marked is True
    assert [w.dose.id for w in store.watched_doses()] == [dose.id]
    assert sorted(a.key for a in store.alerts_about(edith.id, dose.id)) == sorted(a.key for a in alerts)


def test_a_dose_logged_before_the_sweep_records_no_alert(transactional_store: Store) -> None:
    # GIVEN a dose logged just before a sweep that read it as pending
    store = transactional_store
    edith, dose = a_pending_dose(store)
    store.record_dose(dose, DoseStatus.TAKEN, NOW, LogSource.VOICE)
    # WHEN that sweep marks it missed
    marked = store.mark_missed_with_alerts(dose, missed_alerts(edith, dose, [contact(edith.id)], NOW), NOW)
    # THEN nothing is written: no alert, no watch, the log stands
    assert marked is False
    assert store.alerts_about(edith.id, dose.id) == []
    assert store.watched_doses() == []
    assert [d.status for d in store.list_doses(edith.id, NOW - timedelta(hours=3), NOW)] == [DoseStatus.TAKEN]


@pytest.mark.parametrize("server", ["moto_store", "dynamodb_local_store"])
def test_marking_missed_with_alerts_is_one_request_on_dynamodb(server: str, request: pytest.FixtureRequest) -> None:
    # GIVEN a pending dose with three contacts on DynamoDB
    store: DynamoStore = request.getfixturevalue(server)
    edith, dose = a_pending_dose(store)
    alerts = missed_alerts(edith, dose, [contact(edith.id, n) for n in ("Ann", "Bob", "Cy")], NOW)
    counter = RequestCounter(store.client)
    # WHEN it is marked missed, and marked again by a second sweep
    store.mark_missed_with_alerts(dose, alerts, NOW)
    first = dict(counter.counts)
    counter.reset()
    store.mark_missed_with_alerts(dose, alerts, NOW)
    # THEN each was a single transaction: no repair write, and the loser wrote nothing
    assert first == {"TransactWriteItems": 1}
    assert counter.counts == {"TransactWriteItems": 1}
    assert len(store.alerts_about(edith.id, dose.id)) == 3
