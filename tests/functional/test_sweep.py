"""The sweep end to end on a real SQLite file, real SMTP (aiosmtpd) and a real webhook receiver."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from skill.domain.models import Contact, Dose, DoseStatus, LogSource, Medication, Recipient, new_id, utcnow
from skill.notify.factory import ChannelSettings, build_channels
from skill.notify.followups import after_dose_logged
from skill.notify.webhook import verify
from skill.store.sqlite import SqliteStore
from skill.sweep import run_sweep
from tests.factories import medication, recipient
from tests.functional.channel_servers import Hooks, Inbox, smtp_server, webhook_server

SECRET = "test-webhook-key"
# 7:00 two days ago, in a recipient zone of UTC: the doses below are 8:00 and 12:00, whatever today is
T0 = (utcnow() - timedelta(days=2)).replace(hour=7, minute=0, second=0, microsecond=0)
START = T0.date() - timedelta(days=5)


@pytest.fixture(autouse=True)
def loopback_webhooks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOSEKEEPER_WEBHOOK_ALLOW_HOSTS", "127.0.0.1")


def log_dose(store: SqliteStore, recipient: Recipient, medication: Medication, dose: Dose, at: datetime,
             source: LogSource) -> object:
    """The store's one conditional write for a log, as every edge makes it."""
    late = at > dose.scheduled_utc + recipient.grace
    return store.record_dose(dose, DoseStatus.TAKEN_LATE if late else DoseStatus.TAKEN, at, source,
                             pill_delta=-dose.quantity if medication.pill_count is not None else 0)


@pytest.fixture
def db(tmp_path: Path) -> Iterator[SqliteStore]:
    store = SqliteStore(tmp_path / "dk.db")
    store.init()
    yield store
    store.close()


@pytest.fixture
def receivers() -> Iterator[tuple[int, Inbox, str, Hooks]]:
    with smtp_server() as (port, inbox), webhook_server() as (url, hooks):
        yield port, inbox, url, hooks


def setup_edith(store: SqliteStore, smtp_port: int, hook_url: str, **med: object) -> tuple[Recipient, dict[str, str]]:
    edith = recipient(display_name="Edith", timezone="UTC")
    store.put_recipient(edith)
    store.put_medication(medication(edith.id, "Metformin", at=("08:00",), start=START, **med))
    ann = Contact(id=new_id("con"), recipient_id=edith.id, name="Ann", channel="email",
                  address="ann@example.org", created_at=T0)
    bob = Contact(id=new_id("con"), recipient_id=edith.id, name="Bob", channel="webhook", address=hook_url,
                  name_medicines=True, created_at=T0)
    store.put_contact(ann)
    store.put_contact(bob)
    channels = build_channels(ChannelSettings(smtp_url=f"smtp://127.0.0.1:{smtp_port}?starttls=off",
                                              webhook_secret=SECRET), timeout=2)
    return edith, channels  # type: ignore[return-value]


def test_an_untaken_dose_alerts_each_contact_once_and_a_late_log_sends_one_all_clear(
        db: SqliteStore, receivers: tuple[int, Inbox, str, Hooks]) -> None:
    port, inbox, url, hooks = receivers
    edith, channels = setup_edith(db, port, url)
    # GIVEN a sweep before the 8:00 dose plans the doses ahead
    first = run_sweep(db, channels, T0)  # type: ignore[arg-type]
    assert first.doses_planned > 0 and first.marked_missed == 0
    # WHEN nobody logs the dose and sweeps run past its grace window (60 minutes), twice
    report = run_sweep(db, channels, T0 + timedelta(hours=2, minutes=5))  # type: ignore[arg-type]
    run_sweep(db, channels, T0 + timedelta(hours=2, minutes=10))  # type: ignore[arg-type]
    # THEN the dose is missed, and each contact got exactly one alert
    assert report.marked_missed == 1
    [email] = inbox.to("ann@example.org")
    body = email.get_payload()
    assert "Edith" in email["Subject"] and "8:00 am" in str(body) and "Metformin" not in str(body)
    [(headers, raw)] = hooks.requests
    assert verify(SECRET.encode(), headers, raw)
    assert hooks.bodies()[0]["kind"] == "missed" and hooks.bodies()[0]["medicine"] == "Metformin"
    # WHEN Edith's late log is stored but the process dies before its follow-up hook runs, and two sweeps follow
    [dose] = [d for d in db.list_doses(edith.id, T0, T0 + timedelta(hours=2)) if d.status is DoseStatus.MISSED]
    outcome = db.record_dose(dose, DoseStatus.TAKEN_LATE, T0 + timedelta(hours=2, minutes=20), LogSource.VOICE)
    assert outcome.applied
    late = run_sweep(db, channels, T0 + timedelta(hours=2, minutes=25))  # type: ignore[arg-type]
    run_sweep(db, channels, T0 + timedelta(hours=2, minutes=30))  # type: ignore[arg-type]
    # THEN each contact got one all clear, and nothing else
    assert late.all_clears == 2
    assert [m["Subject"] for m in inbox.to("ann@example.org")] == ["Edith: dose not confirmed", "Edith: all clear"]
    assert [b["kind"] for b in hooks.bodies()] == ["missed", "all_clear"]


def test_the_log_hook_sends_the_all_clear_at_once_and_the_sweep_adds_nothing(
        db: SqliteStore, receivers: tuple[int, Inbox, str, Hooks]) -> None:
    port, inbox, url, _ = receivers
    edith, channels = setup_edith(db, port, url)
    run_sweep(db, channels, T0)  # type: ignore[arg-type]
    run_sweep(db, channels, T0 + timedelta(hours=2, minutes=5))  # type: ignore[arg-type]
    [dose] = [d for d in db.list_doses(edith.id, T0, T0 + timedelta(hours=2)) if d.status is DoseStatus.MISSED]
    med = db.list_medications(edith.id)[0]
    at = T0 + timedelta(hours=2, minutes=20)
    # WHEN the log path runs its hook (log_dose does), even twice
    after_dose_logged(db, edith, med, log_dose(db, edith, med, dose, at, LogSource.WEB), at)  # type: ignore[arg-type]
    report = run_sweep(db, channels, at + timedelta(minutes=1))  # type: ignore[arg-type]
    # THEN the all clear goes (once) with the next delivery, and the sweep found nothing more to settle
    assert report.all_clears == 0
    assert [m["Subject"] for m in inbox.to("ann@example.org")] == ["Edith: dose not confirmed", "Edith: all clear"]


def test_escalation_goes_only_when_the_dose_is_still_missed(
        db: SqliteStore, receivers: tuple[int, Inbox, str, Hooks]) -> None:
    port, inbox, _, _ = receivers
    edith = recipient(display_name="Edith", timezone="UTC")
    db.put_recipient(edith)
    db.put_medication(medication(edith.id, at=("08:00", "12:00"), start=START))
    db.put_contact(Contact(id=new_id("con"), recipient_id=edith.id, name="Ann", channel="email",
                           address="ann@example.org", escalate_after_minutes=30, created_at=T0))
    db.put_contact(Contact(id=new_id("con"), recipient_id=edith.id, name="Carl", channel="email",
                           address="carl@example.org", priority=1, created_at=T0))
    channels = build_channels(ChannelSettings(smtp_url=f"smtp://127.0.0.1:{port}?starttls=off"), timeout=2)
    run_sweep(db, channels, T0)
    # WHEN the 8:00 dose is missed and stays missed past Ann's 30 minutes
    run_sweep(db, channels, T0 + timedelta(hours=2, minutes=5))
    assert inbox.to("carl@example.org") == []
    run_sweep(db, channels, T0 + timedelta(hours=2, minutes=36))
    # THEN Carl hears, once
    assert [m["Subject"] for m in inbox.to("carl@example.org")] == ["Edith: dose still not confirmed"]
    # WHEN the 12:00 dose is missed but logged within Ann's 30 minutes
    run_sweep(db, channels, T0 + timedelta(hours=6, minutes=5))
    [noon] = [d for d in db.list_doses(edith.id, T0 + timedelta(hours=4), T0 + timedelta(hours=6))]
    med = db.list_medications(edith.id)[0]
    log_dose(db, edith, med, noon, T0 + timedelta(hours=6, minutes=10), LogSource.VOICE)
    run_sweep(db, channels, T0 + timedelta(hours=6, minutes=15))
    run_sweep(db, channels, T0 + timedelta(hours=7))
    # THEN Carl is not bothered; Ann gets her all clear
    assert len(inbox.to("carl@example.org")) == 1
    assert [m["Subject"] for m in inbox.to("ann@example.org")] == [
        "Edith: dose not confirmed", "Edith: dose not confirmed", "Edith: all clear"]


def test_a_sweep_that_did_not_run_for_hours_catches_up(
        db: SqliteStore, receivers: tuple[int, Inbox, str, Hooks]) -> None:
    port, inbox, url, _ = receivers
    _, channels = setup_edith(db, port, url)
    run_sweep(db, channels, T0)  # type: ignore[arg-type]
    # WHEN the next sweep comes 30 hours later
    report = run_sweep(db, channels, T0 + timedelta(hours=30))  # type: ignore[arg-type]
    # THEN the doses of the last 24 hours are missed (today 8:00 and... only those in the window)
    assert report.window_start == T0 + timedelta(hours=6)
    assert report.marked_missed == 1
    assert len(inbox.to("ann@example.org")) == 1


def test_refill_warning_goes_once_when_the_count_falls_to_the_threshold(
        db: SqliteStore, receivers: tuple[int, Inbox, str, Hooks]) -> None:
    port, inbox, url, hooks = receivers
    edith, channels = setup_edith(db, port, url, pill_count=6, refill_threshold=5)
    run_sweep(db, channels, T0)  # type: ignore[arg-type]
    med = db.list_medications(edith.id)[0]
    doses = db.list_doses(edith.id, T0, T0 + timedelta(days=3))
    # WHEN two doses are taken (6 -> 5 -> 4)
    for i, dose in enumerate(doses[:2]):
        at = dose.scheduled_utc + timedelta(minutes=1)
        after_dose_logged(db, edith, med, log_dose(db, edith, med, dose, at, LogSource.VOICE), at)  # type: ignore[arg-type]
        run_sweep(db, channels, at + timedelta(minutes=1 + i))  # type: ignore[arg-type]
    # THEN one warning went to each contact
    assert [m["Subject"] for m in inbox.to("ann@example.org")] == ["Edith: refill needed soon"]
    assert [b["kind"] for b in hooks.bodies()] == ["refill"]
    assert hooks.bodies()[0]["pills_left"] == 5
