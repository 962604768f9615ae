"""Who hears when: escalation tiers, quiet hours, backoff; and the checks on what carers type."""

from __future__ import annotations

import random
from datetime import UTC, datetime, time, timedelta

import pytest

from skill.domain.alerts import AlertKind
from skill.domain.errors import ValidationError
from skill.domain.models import Contact, Dose
from skill.notify.addresses import check_email, check_phone, parse_minutes
from skill.notify.policy import missed_alerts, release_time, retry_at
from skill.notify.smtp import SmtpSettings
from skill.notify.webhook import check_webhook_url, sign, verify
from skill.notify.webhook_targets import AllowList
from tests.factories import recipient

NOW = datetime(2026, 11, 25, 9, 5, tzinfo=UTC)


def contact(cid: str, priority: int = 0, **kw: object) -> Contact:
    return Contact(id=cid, recipient_id="r", name=cid, channel="email", address=f"{cid}@example.org",
                   priority=priority, **kw)  # type: ignore[arg-type]


def test_first_tier_hears_at_once_and_the_next_after_escalate_after() -> None:
    edith = recipient(timezone="Europe/London")
    dose = Dose(id="m@1", recipient_id=edith.id, medication_id="m", medication_name="X",
                scheduled_local=NOW, scheduled_utc=NOW - timedelta(hours=1))
    alerts = missed_alerts(edith, dose, [contact("carl", 1), contact("ann", 0, escalate_after_minutes=30),
                                         contact("bea", 0, escalate_after_minutes=45)], NOW)
    by_contact = {a.contact_id: (a.kind, a.next_attempt_at - NOW) for a in alerts}
    assert by_contact == {"ann": (AlertKind.MISSED, timedelta(0)), "bea": (AlertKind.MISSED, timedelta(0)),
                          "carl": (AlertKind.ESCALATION, timedelta(minutes=30))}


def test_without_escalate_after_everyone_hears_at_once() -> None:
    edith = recipient()
    dose = Dose(id="m@1", recipient_id=edith.id, medication_id="m", medication_name="X",
                scheduled_local=NOW, scheduled_utc=NOW)
    assert {a.kind for a in missed_alerts(edith, dose, [contact("a", 0), contact("b", 3)], NOW)} == {
        AlertKind.MISSED}


def test_quiet_hours_hold_until_they_end_in_the_recipients_zone() -> None:
    quiet = (time(22), time(7))
    late = datetime(2026, 11, 25, 23, 30, tzinfo=UTC)
    assert release_time(late, quiet, "Europe/London") == datetime(2026, 11, 26, 7, 0, tzinfo=UTC)
    early = datetime(2026, 7, 1, 4, 0, tzinfo=UTC)  # 05:00 BST
    assert release_time(early, quiet, "Europe/London") == datetime(2026, 7, 1, 6, 0, tzinfo=UTC)
    assert release_time(NOW, quiet, "Europe/London") == NOW
    assert release_time(late, None, "Europe/London") == late


def test_backoff_grows_with_jitter_and_is_capped() -> None:
    rng = random.Random(4)
    delays = [retry_at(NOW, n, rng) - NOW for n in (1, 2, 3, 10)]
    assert timedelta(seconds=30) <= delays[0] <= timedelta(minutes=1)
    assert timedelta(minutes=1) <= delays[1] <= timedelta(minutes=2)
    assert timedelta(minutes=2) <= delays[2] <= timedelta(minutes=4)
    assert timedelta(minutes=30) <= delays[3] <= timedelta(hours=1)


def test_webhook_signature_verifies_and_refuses_tampering_and_replays() -> None:
    body = b'{"kind":"missed"}'
    headers = {"X-DoseKeeper-Timestamp": "1000", "X-DoseKeeper-Signature": sign(b"k", "1000", body)}
    assert verify(b"k", headers, body, now=1010)
    assert not verify(b"k", headers, body + b" ", now=1010)
    assert not verify(b"other", headers, body, now=1010)
    assert not verify(b"k", headers, body, now=2000)


@pytest.mark.parametrize("url", ["http://example.org/x", "ftp://h/x", "https://u:p@h/x", "nonsense",
                                 "http://127.0.0.1:8080/x"])
def test_webhook_urls_must_be_public_https_unless_the_operator_allows_the_host(url: str) -> None:
    with pytest.raises(ValidationError):
        check_webhook_url(url, AllowList())
    allowed = AllowList.parse("127.0.0.1")
    assert check_webhook_url("http://127.0.0.1:8080/x", allowed) == "http://127.0.0.1:8080/x"


def test_addresses_and_durations() -> None:
    assert check_phone("+44 7911 123456") == "+447911123456"
    assert check_email(" ann@example.org ") == "ann@example.org"
    for bad in ("07911123456", "+1 555", "+44 12"):
        with pytest.raises(ValidationError):
            check_phone(bad)
    for bad_email in ("ann", "ann@", "@x.org", "a@b", "a b@c.org"):
        with pytest.raises(ValidationError):
            check_email(bad_email)
    assert [parse_minutes(t) for t in ("30m", "2h", "1h30m", "45")] == [30, 120, 90, 45]
    with pytest.raises(ValidationError):
        parse_minutes("soon")


def test_smtp_url() -> None:
    s = SmtpSettings.from_url("smtp://me%40x.org:p%3Ass@mail.example.org:587?starttls=require")
    assert (s.host, s.port, s.user, s.password, s.starttls) == ("mail.example.org", 587, "me@x.org", "p:ss",
                                                                "require")
    with pytest.raises(ValidationError):
        SmtpSettings.from_url("http://mail")
