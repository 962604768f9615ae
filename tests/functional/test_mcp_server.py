"""The MCP endpoint of a real `dosekeeper serve`, driven by the MCP SDK's own client over HTTP.

Scenario: Anne (Edith's carer) links an assistant with a personal access token. It logs Edith's Metformin,
and a second log is answered "already taken" with the time; an over-limit Paracetamol is recorded with a
warning, a safety event and an alert; a safety moment is recorded and alerted. Bob's token cannot see Edith,
a read-only token records nothing, and a request without a token is refused with the metadata pointer.
"""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client
from mcp_types import CallToolResult

from skill.domain.events import EventKind
from skill.store.sqlite import SqliteStore
from tests.functional.mcp_world import World, build_world, now_utc, serving
from tests.support.serve_process import Served


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    return build_world(tmp_path_factory.mktemp("mcp") / "dosekeeper.db", now_utc())


@pytest.fixture(scope="module")
def served(world: World, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with serving(world, tmp_path_factory.mktemp("mcp-log") / "serve.log") as running:
        yield running


async def _calls(url: str, token: str, calls: list[tuple[str, dict[str, Any]]]) -> list[CallToolResult]:
    http = create_mcp_http_client(headers={"Authorization": f"Bearer {token}"})
    async with http, Client(streamable_http_client(url, http_client=http)) as client:
        return [await client.call_tool(name, args) for name, args in calls]


def call(served: Served, token: str, name: str, **args: Any) -> CallToolResult:
    [result] = asyncio.run(_calls(served.base_url + "/mcp", token, [(name, args)]))
    return result


def structured(result: CallToolResult) -> dict[str, Any]:
    assert not result.is_error, result.content
    assert isinstance(result.structured_content, dict)
    return dict(result.structured_content)


def error_text(result: CallToolResult) -> str:
    assert result.is_error
    return " ".join(getattr(c, "text", "") for c in result.content)


def test_a_dose_is_logged_once_and_a_second_log_says_when_it_was_taken(served: Served, world: World) -> None:
    # WHEN Anne's assistant logs Edith's Metformin, then logs it again
    first = structured(call(served, world.anne_token, "log_dose", medicine="metformin"))
    second = structured(call(served, world.anne_token, "log_dose", medicine="Metformin"))
    # THEN the first records the dose that was due, with the pills left
    assert first["outcome"] == "logged"
    [recorded] = first["recorded"]
    assert (recorded["medicine"], recorded["status"], recorded["pills_left"]) == ("Metformin", "taken", 29)
    # AND the second records nothing and says when it was taken
    assert second["outcome"] == "already"
    [already] = second["already_taken"]
    assert already["dose_id"] == recorded["dose_id"] and already["taken_at"] == recorded["taken_at"]
    # AND the store holds the one dose, taken once, the pill count down by one
    store = SqliteStore(world.db)
    try:
        [med] = [m for m in store.list_medications(world.edith.id) if m.id == world.metformin.id]
        assert med.pill_count == 29
    finally:
        store.close()


def test_an_over_limit_as_needed_dose_is_recorded_with_a_warning_and_an_alert(served: Served, world: World) -> None:
    # GIVEN Paracetamol at most every 4 hours; one taken an hour ago
    an_hour_ago = (now_utc() - timedelta(hours=1)).isoformat()
    assert structured(call(served, world.anne_token, "log_dose", medicine="paracetamol",
                           taken_at=an_hour_ago))["outcome"] == "logged"
    alerts_before = _alert_count(world)
    # WHEN another is reported now
    answer = structured(call(served, world.anne_token, "log_dose", medicine="paracetamol"))
    # THEN it is recorded, not refused, with the too-soon warning and a safety event
    assert answer["outcome"] == "logged" and len(answer["recorded"]) == 1
    assert [w["warning"] for w in answer["warnings"]] == ["too_soon"]
    assert answer["safety_event"] == {"kind": "over_limit", "carers_alerted": True}
    assert "NHS 111" in answer["say"]
    # AND the store has the event and an alert queued for Edith's contact
    store = SqliteStore(world.db)
    try:
        events = store.list_events(world.edith.id, now_utc() - timedelta(hours=2), now_utc() + timedelta(minutes=1))
        assert EventKind.OVER_LIMIT in {e.kind for e in events}
    finally:
        store.close()
    assert _alert_count(world) > alerts_before


def test_a_safety_moment_is_recorded_and_every_contact_alerted(served: Served, world: World) -> None:
    alerts_before = _alert_count(world)
    answer = structured(call(served, world.anne_token, "report_safety_moment", kind="dropped_dose",
                             medicine="Metformin", detail="dropped it down the sink"))
    assert answer["recorded"] == "dropped_dose" and answer["carers_alerted"] is True
    assert "haven't marked that dose as taken" in answer["say"]
    store = SqliteStore(world.db)
    try:
        events = store.list_events(world.edith.id, now_utc() - timedelta(minutes=10), now_utc() + timedelta(minutes=1))
        [dropped] = [e for e in events if e.kind is EventKind.DROPPED_DOSE]
        assert dropped.detail == "dropped it down the sink" and dropped.medication_id == world.metformin.id
    finally:
        store.close()
    assert _alert_count(world) > alerts_before


def test_a_carer_token_cannot_see_another_carers_person(served: Served, world: World) -> None:
    # Bob cares for Walter only: Edith is "no such person" to him, exactly like a made-up id
    for tool, args in (("whats_due", {}), ("log_dose", {"medicine": "Metformin"}), ("todays_status", {}),
                       ("adherence_summary", {})):
        refused = error_text(call(served, world.bob_token, tool, person_id=world.edith.id, **args))
        assert "no such person" in refused and "Edith" not in refused and "Metformin" not in refused
    people = structured(call(served, world.bob_token, "list_people"))["people"]
    assert [p["person_id"] for p in people] == [world.walter.id]


def test_carer_tools_report_the_day_missed_doses_and_adherence(served: Served, world: World) -> None:
    status = structured(call(served, world.anne_token, "todays_status"))
    assert status["person_id"] == world.edith.id
    assert {d["medicine"] for d in status["doses"]} >= {"Metformin"}
    missed = structured(call(served, world.bob_token, "missed_doses", days=7))
    assert missed["missed"] and {d["medicine"] for d in missed["missed"]} == {"Lisinopril"}  # Walter logs nothing
    summary = structured(call(served, world.bob_token, "adherence_summary", days=7))
    assert summary["overall"]["on_time"] == 0 and summary["overall"]["missed"] >= 6


def test_a_read_only_token_reads_but_records_nothing(served: Served, world: World) -> None:
    assert "pills_left" in json.dumps(structured(call(served, world.anne_read_token, "pills_left")))
    refused = error_text(call(served, world.anne_read_token, "log_dose", medicine="Paracetamol"))
    assert "read only" in refused


def test_without_a_token_the_endpoint_answers_401_with_its_resource_metadata(served: Served) -> None:
    request = urllib.request.Request(served.base_url + "/mcp", data=b"{}", method="POST",
                                     headers={"Content-Type": "application/json",
                                              "Accept": "application/json, text/event-stream"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 401
    challenge = refused.value.headers["WWW-Authenticate"]
    assert f'resource_metadata="{served.base_url}/.well-known/oauth-protected-resource/mcp"' in challenge
    status, body = served.get("/.well-known/oauth-protected-resource/mcp")
    assert status == 200
    assert json.loads(body)["authorization_servers"] == [served.base_url]


def test_the_web_app_is_still_served_beside_it(served: Served) -> None:
    assert served.get("/healthz") == (200, '{"status":"ok"}\n')
    assert served.get("/login")[0] == 200


def _alert_count(world: World) -> int:
    """Alerts queued for Edith's contact (the outbox the sender drains)."""
    store = SqliteStore(world.db)
    try:
        [contact] = store.list_contacts(world.edith.id)
        return sum(a.contact_id == contact.id for a in store.list_alerts(world.edith.id))
    finally:
        store.close()


def test_logs_name_no_person_and_no_medicine(served: Served, world: World, tmp_path: Path) -> None:
    call(served, world.bob_token, "log_dose", person_id=world.edith.id, medicine="Metformin")
    call(served, world.anne_token, "log_dose", medicine="no such pill")
    logs = Path(served.stderr_path).read_text(encoding="utf-8")
    assert "Metformin" not in logs and "Edith" not in logs and "no such pill" not in logs


def test_tool_descriptions_name_no_person_and_no_medicine(served: Served, world: World) -> None:
    async def listed() -> str:
        http = create_mcp_http_client(headers={"Authorization": f"Bearer {world.anne_token}"})
        async with http, Client(streamable_http_client(served.base_url + "/mcp", http_client=http)) as client:
            return json.dumps([t.model_dump(mode="json") for t in (await client.list_tools()).tools])

    described = asyncio.run(listed())
    assert "log_dose" in described and "adherence_summary" in described
    assert "Edith" not in described and "Metformin" not in described and world.edith.id not in described
