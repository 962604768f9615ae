"""Webhooks go only where they may: the send-time check, with a real receiver on loopback.

A webhook saved before addresses were checked (or by a path that skipped the check) must still never
reach a private host: the sweeper resolves the name, refuses private answers unless the operator allowed
them, connects to the address it checked, and never follows a redirect.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import timedelta
from pathlib import Path

import pytest

from skill.domain.alerts import DeliveryState
from skill.domain.models import Contact, new_id, utcnow
from skill.notify.channel import Channel
from skill.notify.factory import ChannelSettings, build_channels
from skill.notify.webhook import WebhookChannel
from skill.notify.webhook_targets import AllowList
from skill.store.sqlite import SqliteStore
from skill.sweep import run_sweep
from tests.factories import medication, recipient
from tests.functional.channel_servers import Hooks, webhook_server

T0 = (utcnow() - timedelta(days=2)).replace(hour=7, minute=0, second=0, microsecond=0)  # recipient on UTC
MISSED = T0 + timedelta(hours=2, minutes=5)


@pytest.fixture
def db(tmp_path: Path) -> Iterator[SqliteStore]:
    store = SqliteStore(tmp_path / "dk.db")
    store.init()
    yield store
    store.close()


def edith_with_webhook(store: SqliteStore, url: str) -> str:
    edith = recipient(display_name="Edith", timezone="UTC")
    store.put_recipient(edith)
    store.put_medication(medication(edith.id, at=("08:00",), start=T0.date() - timedelta(days=5)))
    store.put_contact(Contact(id=new_id("con"), recipient_id=edith.id, name="Ann", channel="webhook",
                              address=url, created_at=T0))  # stored as is: no save-time check on this path
    return edith.id


def sweep(store: SqliteStore, channels: dict[str, Channel]) -> None:
    run_sweep(store, channels, T0)
    run_sweep(store, channels, MISSED)
    run_sweep(store, channels, MISSED + timedelta(hours=2))


def test_a_webhook_to_loopback_is_never_posted_unless_the_operator_allows_it(
        db: SqliteStore, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DOSEKEEPER_WEBHOOK_ALLOW_HOSTS", raising=False)
    with webhook_server() as (url, hooks):
        # GIVEN a carer's webhook pointing at an internal path on the server's own loopback
        rid = edith_with_webhook(db, url.replace("/hooks/dose", "/internal/admin"))
        sweep(db, build_channels(ChannelSettings(webhook_secret="k")))
        # THEN nothing reached it, and the alert failed for good with a reason an operator can read
        assert hooks.requests == []
        [alert] = db.list_alerts(rid)
        assert alert.state is DeliveryState.FAILED
        assert [a.detail for a in alert.attempts] == ["webhook address refused: not a public https address"]
        # WHEN the operator allows that host (a receiver on the same machine), a new alert goes
        monkeypatch.setenv("DOSEKEEPER_WEBHOOK_ALLOW_HOSTS", "127.0.0.1")
        other = edith_with_webhook(db, url)
        sweep(db, build_channels(ChannelSettings(webhook_secret="k")))
    assert [b["kind"] for b in hooks.bodies()] == ["missed"]
    assert [a.state for a in db.list_alerts(other)] == [DeliveryState.SENT]


def test_the_connection_goes_to_the_checked_address_and_redirects_are_not_followed(db: SqliteStore) -> None:
    with webhook_server(hooks=Hooks(status=302)) as (url, hooks):
        port = url.split(":")[2].split("/")[0]

        def resolve(host: str, wanted: int) -> Sequence[str]:
            assert host == "hooks.example.org"
            return ["127.0.0.1"]

        # GIVEN a named receiver the operator allows, whose name resolves to the loopback receiver
        rid = edith_with_webhook(db, f"http://hooks.example.org:{port}/dk")
        channel = WebhookChannel(b"k", timeout=2, allow=AllowList.parse("hooks.example.org"), resolver=resolve)
        # WHEN it answers with a redirect
        sweep(db, {"webhook": channel})
    # THEN the POST reached the resolved address under the receiver's own name, once, and the redirect
    # was not followed (a signed alert goes only where the carer pointed it)
    [(headers, _)] = hooks.requests
    assert headers["Host"] == f"hooks.example.org:{port}"
    [alert] = db.list_alerts(rid)
    assert alert.state is DeliveryState.FAILED and alert.attempts[-1].detail == "webhook answered 302"
