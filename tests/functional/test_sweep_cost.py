"""What a sweep costs on DynamoDB (Amazon's DynamoDB Local, which runs transactions as AWS does).

The sweep's floor is the due-index Query (one per hour bucket of its window) plus one write per due dose.
A coordinator must see a person's new figure as soon as the sweep marks their dose missed, and a carer
must still be alerted, exactly once, whatever the sweep skips to be cheap.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from skill.domain.models import Contact, Dose, Recipient, new_id, utcnow
from skill.store.dynamodb import DynamoStore
from skill.store.dynamodb.table import RequestCounter
from skill.sweep import run_sweep
from tests.factories import recipient

WRITES = ("TransactWriteItems", "UpdateItem", "PutItem", "DeleteItem", "BatchWriteItem")


def now_on_the_hour() -> datetime:
    """Half past the last hour, so a sweep reading from the hour before spans two hour buckets of the due
    index, as a real sweep often does; taken from the real clock so the test holds on any day."""
    return utcnow().astimezone(UTC).replace(minute=30, second=0, microsecond=0) - timedelta(hours=1)


def add_person_with_due_dose(store: DynamoStore, now: datetime, n: int) -> tuple[Recipient, Dose]:
    """A person as `add_recipient` adds them (profile, then rollup and rank entries) with one dose past grace."""
    person = recipient(display_name=f"Person {n}", timezone="UTC")
    store.put_recipient(person)
    store.apply_rollup_changes(person, [], now - timedelta(days=1))
    at = now - person.grace - timedelta(minutes=5 + n % 20)
    dose = Dose(id=f"med_{person.id}@{n}", recipient_id=person.id, medication_id=f"med_{person.id}",
                medication_name="Metformin", scheduled_local=at, scheduled_utc=at)
    store.put_doses([dose])
    return person, dose


def carer(person: Recipient, now: datetime) -> Contact:
    return Contact(id=new_id("con"), recipient_id=person.id, name="Ann", channel="email",
                   address="ann@example.org", created_at=now)


def test_a_sweep_costs_at_most_one_and_a_half_times_its_floor_and_reranks_in_the_same_write(
        dynamodb_local_store: DynamoStore) -> None:
    # GIVEN 30 people with a dose each past its grace window, none with a contact, and Aaron, with no dose
    store = dynamodb_local_store
    now = now_on_the_hour()
    people = [add_person_with_due_dose(store, now, n)[0] for n in range(30)]
    aaron = recipient(display_name="Aaron", timezone="UTC")
    store.put_recipient(aaron)
    store.apply_rollup_changes(aaron, [], now)
    store.advance_sweep_checkpoint(now - timedelta(minutes=90))
    assert store.ranked_recipients(None, offset=0, limit=1).recipient_ids == [aaron.id]  # by name: no figures
    counter = RequestCounter(store.client)

    # WHEN the sweep runs
    report = run_sweep(store, {}, now, plan=False, clock=lambda: now)

    # THEN every dose is missed for one write each (the checkpoint's aside), and the whole sweep stays near
    # its floor: the due-index Queries of its two hour buckets plus one write per due dose
    assert report.marked_missed == 30
    writes = sum(counter.counts.get(op, 0) for op in WRITES)
    assert writes == 30 + 1, counter.counts
    assert counter.total <= 1.5 * (2 + 30), counter.counts
    assert counter.counts.get("Query", 0) < 30  # no contact read per person
    # AND the coordinator's order already has everyone's figure (0%) ahead of Aaron, who has none
    page = store.ranked_recipients(None, offset=0, limit=50)
    assert page.recipient_ids[-1] == aaron.id
    assert set(page.recipient_ids[:-1]) == {p.id for p in people}

def test_people_with_a_contact_are_still_alerted_once_and_a_removed_contact_is_not(
        dynamodb_local_store: DynamoStore) -> None:
    # GIVEN one person whose carer was added, and one whose carer was added then removed
    store = dynamodb_local_store
    now = now_on_the_hour()
    kept, _ = add_person_with_due_dose(store, now, 1)
    gone, _ = add_person_with_due_dose(store, now, 2)
    store.put_contact(carer(kept, now))
    removed = carer(gone, now)
    store.put_contact(removed)
    assert store.delete_contact(gone.id, removed.id)
    store.advance_sweep_checkpoint(now - timedelta(minutes=90))

    # WHEN two sweeps run
    first = run_sweep(store, {}, now, plan=False, clock=lambda: now)
    second = run_sweep(store, {}, now, plan=False, clock=lambda: now)

    # THEN the kept carer has exactly one alert, the removed one none
    assert (first.marked_missed, first.alerts_recorded) == (2, 1)
    assert (second.marked_missed, second.alerts_recorded) == (0, 0)
    assert [a.recipient_id for a in store.list_alerts()] == [kept.id]


def test_the_carers_of_many_people_are_read_in_batches_and_each_alerted_once(
        dynamodb_local_store: DynamoStore) -> None:
    # GIVEN 30 people with a dose each past its grace window, each with a carer (two for the first)
    store = dynamodb_local_store
    now = now_on_the_hour()
    people = [add_person_with_due_dose(store, now, n)[0] for n in range(30)]
    for person in people:
        store.put_contact(carer(person, now))
    store.put_contact(carer(people[0], now))
    store.advance_sweep_checkpoint(now - timedelta(minutes=90))
    counter = RequestCounter(store.client)

    # WHEN the sweep runs
    report = run_sweep(store, {}, now, plan=False, clock=lambda: now)

    # THEN every carer has one alert, and the carers were read by key in a batch, not a query a person
    assert (report.marked_missed, report.alerts_recorded) == (30, 31)
    assert sorted(a.recipient_id for a in store.list_alerts()) == sorted([p.id for p in people] + [people[0].id])
    assert counter.counts.get("Query", 0) < 30 and counter.counts.get("BatchGetItem", 0) <= 2, counter.counts


def test_a_person_whose_carers_predate_the_id_list_is_still_alerted_through_every_change(
        dynamodb_local_store: DynamoStore) -> None:
    # GIVEN a person whose carer was stored before contact ids were kept (the flag alone), then a second carer
    # added and the first removed, and a person whose only carer was removed and a new one added
    store = dynamodb_local_store
    now = now_on_the_hour()
    older, _ = add_person_with_due_dose(store, now, 1)
    first = carer(older, now)
    store.put_contact(first)
    store.client.update_item(TableName=store.table.table_name, Key={"PK": {"S": f"ROLLUP#{older.id}"},
                             "SK": {"S": "DAYS"}}, UpdateExpression="REMOVE contact_ids")
    second = carer(older, now)
    store.put_contact(second)
    assert store.delete_contact(older.id, first.id)
    renewed, _ = add_person_with_due_dose(store, now, 2)
    gone, fresh = carer(renewed, now), carer(renewed, now)
    store.put_contact(gone)
    assert store.delete_contact(renewed.id, gone.id)
    store.put_contact(fresh)
    store.advance_sweep_checkpoint(now - timedelta(minutes=90))

    # WHEN the sweep runs
    report = run_sweep(store, {}, now, plan=False, clock=lambda: now)

    # THEN exactly the carers still there are alerted, once each
    assert report.alerts_recorded == 2
    assert sorted(a.contact_id for a in store.list_alerts()) == sorted([second.id, fresh.id])
