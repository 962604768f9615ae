"""Alexa's envelope read once from the verified dict: its dates as ask-sdk reads them, faster."""

from __future__ import annotations

from datetime import UTC, datetime

from skill.alexa.envelopes import RequestSerializer
from tests.support.envelopes import Speaker, envelope


def test_the_request_timestamp_is_the_instant_alexa_sent() -> None:
    now = datetime(2026, 12, 2, 8, 0, 5, tzinfo=UTC)
    built = RequestSerializer().envelope_from_dict(envelope(Speaker(), {"type": "LaunchRequest"}, now=now))
    assert built is not None and built.request is not None
    assert built.request.timestamp == now and built.request.timestamp.utcoffset() is not None
    assert built.request.object_type == "LaunchRequest"
    assert built.context is not None and built.context.system.user.user_id.startswith("amzn1.ask.account.")


def test_a_timestamp_in_another_shape_still_reads() -> None:
    data = envelope(Speaker(), {"type": "LaunchRequest"}, now=datetime(2026, 12, 2, tzinfo=UTC))
    data["request"]["timestamp"] = "Wed, 02 Dec 2026 08:00:05 GMT"
    built = RequestSerializer().envelope_from_dict(data)
    assert built is not None and built.request is not None
    assert built.request.timestamp == datetime(2026, 12, 2, 8, 0, 5, tzinfo=UTC)


def test_something_that_is_not_an_envelope_is_none() -> None:
    assert RequestSerializer().envelope_from_dict(None) is None  # type: ignore[arg-type]
