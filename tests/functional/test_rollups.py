"""Rollups kept by every write agree with a recount from the doses, and the coordinator page reads them."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from moto import mock_aws

from skill.cli.main import cli
from skill.domain.actors import Actor
from skill.domain.errors import DoseKeeperError
from skill.domain.models import DoseStatus, LogSource, Recipient
from skill.doses import expected_doses
from skill.reports.rollups import recount, rollup_row
from skill.store.base import Store
from skill.store.dynamodb import DynamoStore
from skill.store.rollups import DayCounts
from skill.store.sqlite import SqliteStore
from skill.sweep import run_sweep
from skill.usecases.care_plan import add_medication
from skill.usecases.cohort import CohortQuery, cohort_page
from skill.usecases.dose_log import log_medicine
from skill.usecases.recipients import add_recipient
from skill.usecases.undo import undo_last_log
from tests.factories import medication, recipient

OPERATOR = Actor.operator()
ACTIONS = st.lists(st.tuples(st.integers(min_value=1, max_value=13),
                             st.sampled_from(["take", "skip", "undo", "sweep", "take_late"])),
                   min_size=1, max_size=25)


def real_now() -> datetime:
    return datetime.now(UTC)


def stored_counts(store: Store, person: Recipient, now: datetime) -> dict:  # type: ignore[type-arg]
    doses = store.list_doses(person.id, now - timedelta(days=60), now + timedelta(days=2))
    return recount(doses, set())


def play(store: Store, actions: list[tuple[int, str]]) -> None:
    """A person with a twice-daily medicine, the clock ten days ago; then, as time passes, each action.

    Asserts the running totals are exactly what counting the stored doses gives."""
    now = real_now() - timedelta(days=10)
    person, _ = add_recipient(store, OPERATOR, now, recipient())
    med = add_medication(store, OPERATOR, now, medication(person.id, start=(now - timedelta(days=2)).date()))
    for hours, action in actions:
        now += timedelta(hours=hours)
        try:
            if action in ("take", "skip"):
                log_medicine(store, OPERATOR, now, person.id, med.id, skip=action == "skip", confirm=True)
            elif action == "take_late":  # a missed dose from earlier today, logged late by the carer
                log_medicine(store, OPERATOR, now, person.id, med.id, at=now - timedelta(hours=3), confirm=True)
            elif action == "undo":
                undo_last_log(store, OPERATOR, now, person.id)
            else:
                run_sweep(store, {}, now, plan=True, clock=real_now)
        except DoseKeeperError:
            pass  # "too early", "nothing to undo": refused, nothing written
    kept = store.read_rollups([person.id])
    assert (kept[person.id].days if kept else {}) == stored_counts(store, person, now)


@settings(max_examples=40, deadline=None)
@given(actions=ACTIONS)
def test_rollups_equal_a_recount_after_any_sequence_of_logs_undos_and_misses(
        actions: list[tuple[int, str]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        store = SqliteStore(Path(tmp) / "r.db")
        store.init()
        play(store, actions)
        store.close()


@settings(max_examples=15, deadline=None)
@given(actions=ACTIONS)
def test_on_dynamodb_the_counts_folded_into_each_dose_write_equal_a_recount_too(
        actions: list[tuple[int, str]]) -> None:
    # The same property where a log and a miss count themselves inside their own transaction (moto)
    with mock_aws():
        store = DynamoStore("rollups", boto3.client("dynamodb", region_name="eu-west-1"))
        store.init()
        play(store, actions)


def test_the_first_page_is_read_from_the_rank_index_worst_first(tmp_path: Path) -> None:
    # GIVEN three people of a home: one missed yesterday's doses, one took them, one is new
    now = real_now()
    store = SqliteStore(tmp_path / "c.db")
    store.init()
    people = {}
    for name in ("Took", "Missed", "New"):
        person, _ = add_recipient(store, OPERATOR, now - timedelta(days=3),
                                  recipient(display_name=name, organisation="home"))
        people[name] = person
    for name in ("Took", "Missed"):
        med = add_medication(store, OPERATOR, now - timedelta(days=3),
                             medication(people[name].id, start=(now - timedelta(days=3)).date()))
        for dose in expected_doses(people[name], med, now - timedelta(days=2), now - timedelta(days=1)):
            if name == "Took":
                log_medicine(store, OPERATOR, now, people[name].id, med.id, at=dose.scheduled_utc, confirm=True)
    run_sweep(store, {}, now, plan=False, clock=real_now)  # marks Missed's overdue doses (and Took's later ones)

    # WHEN an operator opens the cohort page sorted by 30-day adherence, one row at a time
    first = cohort_page(store, OPERATOR, now, CohortQuery(sort="adherence_30", limit=1))
    rest = cohort_page(store, OPERATOR, now, CohortQuery(sort="adherence_30", offset=1, limit=2))

    # THEN the worst comes first, the new person last, and the rows carry the rollup figures
    assert first.total == 3
    names = [r.display_name for r in first.rows + rest.rows]
    assert names == ["Missed", "Took", "New"]
    assert first.rows[0].adherence_30 == 0.0
    assert rest.rows[0].adherence_30 is not None and rest.rows[0].adherence_30 > 0.0
    assert rest.rows[1].adherence_30 is None
    by_name = cohort_page(store, OPERATOR, now, CohortQuery(sort="name"))
    assert [r.display_name for r in by_name.rows] == ["Missed", "New", "Took"]
    assert [r.adherence_30 for r in first.rows] == [
        rollup_row(people["Missed"], store.read_rollups([people["Missed"].id])[people["Missed"].id], now).adherence_30]


def test_rebuild_recomputes_rollups_from_doses_and_refuses_an_unknown_person(tmp_path: Path) -> None:
    # GIVEN doses logged straight into the store, behind the rollups' back (as before an upgrade)
    now = real_now()
    db = tmp_path / "b.db"
    store = SqliteStore(db)
    store.init()
    person = recipient()
    store.put_recipient(person)
    med = medication(person.id, start=(now - timedelta(days=5)).date())
    store.put_medication(med)
    doses = expected_doses(person, med, now - timedelta(days=3), now - timedelta(days=1))
    store.put_doses(doses)
    store.record_dose(doses[0], DoseStatus.TAKEN, doses[0].scheduled_utc, LogSource.WEB)
    store.record_dose(doses[1], DoseStatus.SKIPPED, doses[1].scheduled_utc, LogSource.WEB)
    assert person.id not in store.read_rollups([person.id])
    runner = CliRunner()

    # WHEN the operator rebuilds, then names someone who does not exist
    done = runner.invoke(cli, ["--store", f"sqlite:///{db}", "rollups", "rebuild"])
    unknown = runner.invoke(cli, ["--store", f"sqlite:///{db}", "rollups", "rebuild", "--recipient", "rec_nobody"])

    # THEN the rollup counts the logged doses, and the unknown name is a usage error
    assert done.exit_code == 0, done.output
    days = store.read_rollups([person.id])[person.id].days
    assert sum(c.on_time for c in days.values()) == 1 and sum(c.skipped for c in days.values()) == 1
    assert days == stored_counts(store, person, now)
    assert all(isinstance(c, DayCounts) for c in days.values())
    assert unknown.exit_code == 2
