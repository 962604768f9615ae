"""The sweep cannot be blinded, and one bad record never stops it for everyone.

Time comes from an injected clock, relative to now; alerts are counted at a real SMTP server (aiosmtpd).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from skill.cli.main import cli
from skill.domain.alerts import OutboxItem
from skill.domain.models import Contact, Dose, new_id, utcnow
from skill.notify.channel import Channel
from skill.notify.factory import ChannelSettings, build_channels
from skill.store.rollups import SweepPerson
from skill.store.sqlite import SqliteStore
from skill.sweep import run_sweep
from tests.factories import medication, recipient
from tests.functional.channel_servers import Inbox, smtp_server

NOW = utcnow().replace(second=0, microsecond=0)


@pytest.fixture
def mail() -> Iterator[tuple[dict[str, Channel], Inbox]]:
    with smtp_server() as (port, inbox):
        yield build_channels(ChannelSettings(smtp_url=f"smtp://127.0.0.1:{port}?starttls=off"), timeout=5), inbox


def person_with_dose_at(store: SqliteStore, due: datetime, carer: str, name: str = "Edith") -> str:
    """Someone on UTC with a daily dose at `due`'s time of day from `due`'s day on, and one email contact."""
    person = recipient(display_name=name, timezone="UTC")
    store.put_recipient(person)
    store.put_medication(medication(person.id, at=(due.strftime("%H:%M"),), start=due.date()))
    store.put_contact(Contact(id=new_id("con"), recipient_id=person.id, name="Carer", channel="email",
                              address=carer, created_at=due - timedelta(days=2)))
    return person.id


def test_a_future_sweep_then_real_sweeps_still_alert_every_real_missed_dose(
        tmp_path: Path, mail: tuple[dict[str, Channel], Inbox]) -> None:
    channels, inbox = mail
    db_path = tmp_path / "dk.db"
    store = SqliteStore(db_path)
    store.init()
    # GIVEN real sweeps up to now, and a dose due 30 minutes from now
    person_with_dose_at(store, NOW + timedelta(minutes=30), "ann@example.org")
    run_sweep(store, channels, clock=lambda: NOW)
    # WHEN an operator types a sweep two days ahead: the command refuses, and the checkpoint does not move
    before = store.sweep_checkpoint()
    result = CliRunner().invoke(cli, ["--store", f"sqlite:///{db_path}", "sweep", "--now",
                                      (NOW + timedelta(days=2)).isoformat()], env={})
    assert result.exit_code == 2 and "future" in result.output
    assert store.sweep_checkpoint() == before
    # AND a sweep through the library with a future `now` (a clock running ahead) cannot push it past the
    # real time either, nor can a checkpoint an older release already pushed ahead hide anything
    run_sweep(store, {}, NOW + timedelta(minutes=20), clock=lambda: NOW)
    assert store.sweep_checkpoint() is not None and store.sweep_checkpoint() <= NOW  # type: ignore[operator]
    store.advance_sweep_checkpoint(NOW + timedelta(days=2))
    # AND a dose due 10 minutes from now is added after all of that (and planned by the next sweep)
    person_with_dose_at(store, NOW + timedelta(minutes=10), "bob@example.org", name="Frank")
    soon = NOW + timedelta(minutes=5)
    run_sweep(store, channels, soon, clock=lambda: soon)
    # THEN real sweeps, once both doses are past their grace window, alert both carers, once each
    for minutes in (75, 95, 100):
        at = NOW + timedelta(minutes=minutes)
        run_sweep(store, channels, at, clock=lambda at=at: at)  # type: ignore[misc]
    assert sorted(m["To"] for m in inbox.messages) == ["ann@example.org", "bob@example.org"]
    store.close()


def test_the_stored_checkpoint_never_passes_the_real_clock(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "dk.db")
    store.init()
    person_with_dose_at(store, NOW - timedelta(minutes=20), "ann@example.org")  # still in its grace window
    report = run_sweep(store, {}, NOW + timedelta(hours=6), clock=lambda: NOW)
    assert report.checkpoint is not None and report.checkpoint <= NOW
    assert store.sweep_checkpoint() == report.checkpoint
    store.close()


class FaultyStore(SqliteStore):
    """A real SQLite store in which one person's dose and another's alert fail, as a damaged item would."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.bad_recipient = ""  # marking this person's doses missed fails
        self.bad_alert_recipient = ""  # claiming this person's alerts fails

    def due_doses(self, start: datetime, end: datetime) -> list[Dose]:
        return sorted(super().due_doses(start, end), key=lambda d: d.recipient_id != self.bad_recipient)

    def mark_missed_with_alerts(self, dose: Dose, alerts: Sequence[OutboxItem], now: datetime,
                                person: SweepPerson | None = None) -> bool:
        if dose.recipient_id == self.bad_recipient:
            raise sqlite3.DataError("damaged dose row")
        return super().mark_missed_with_alerts(dose, alerts, now, person)

    def due_alerts(self, now: datetime, limit: int = 500) -> list[OutboxItem]:
        return sorted(super().due_alerts(now, limit), key=lambda a: a.recipient_id != self.bad_alert_recipient)

    def claim_alert(self, item: OutboxItem, now: datetime, lease_until: datetime) -> OutboxItem | None:
        if item.recipient_id == self.bad_alert_recipient:
            raise sqlite3.DataError("damaged outbox row")
        return super().claim_alert(item, now, lease_until)


def test_one_bad_dose_or_outbox_row_does_not_stop_alerts_for_other_people(
        tmp_path: Path, mail: tuple[dict[str, Channel], Inbox]) -> None:
    channels, inbox = mail
    store = FaultyStore(tmp_path / "dk.db")
    store.init()
    due = NOW - timedelta(hours=2)
    # GIVEN three people who all missed a dose: Frank's dose cannot be marked, Gina's alert cannot be claimed
    person_with_dose_at(store, due, "ann@example.org", name="Edith")
    store.bad_recipient = person_with_dose_at(store, due, "bob@example.org", name="Frank")
    store.bad_alert_recipient = person_with_dose_at(store, due, "cy@example.org", name="Gina")
    before = due - timedelta(hours=1)
    run_sweep(store, channels, before, clock=lambda: before)  # plans the doses ahead
    # WHEN the sweep runs
    report = run_sweep(store, channels, clock=lambda: NOW)
    # THEN Edith's carer is alerted; the two failures are counted, and Frank's dose is still pending
    assert [m["To"] for m in inbox.messages] == ["ann@example.org"]
    assert report.errors == 1 and report.delivery.errors == 1
    assert report.checkpoint is not None and report.checkpoint <= due
    # WHEN the damage is repaired
    store.bad_recipient = store.bad_alert_recipient = ""
    later = NOW + timedelta(minutes=10)
    run_sweep(store, channels, clock=lambda: later)
    # THEN the next sweeps alert the others too (Gina's claim lapses, then it goes)
    lease_over = NOW + timedelta(minutes=30)
    run_sweep(store, channels, clock=lambda: lease_over)
    assert sorted(m["To"] for m in inbox.messages) == ["ann@example.org", "bob@example.org", "cy@example.org"]
    store.close()
