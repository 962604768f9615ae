"""The REST API through Flask's test client on a real SQLite file: auth, access, 422 shapes, idempotent logs."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import pytest
from fhir.resources.R4B.bundle import Bundle
from flask import Flask
from flask.testing import FlaskClient
from icalendar import Calendar
from openapi_spec_validator import validate

from skill.accounts.tokens import issue_token
from skill.domain.accounts import Role, User
from skill.domain.models import Recipient, new_id
from skill.store.base import Store
from skill.store.sqlite import SqliteStore
from skill.sweep import run_sweep
from skill.web.api import api_blueprint
from tests import factories

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


@dataclass
class World:
    client: FlaskClient
    store: SqliteStore
    edith: Recipient
    frank: Recipient
    outsider: Recipient
    med_id: str
    tokens: dict[str, str]

    def auth(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens.get(who, 'dk_not-a-token')}"}

    def get(self, path: str, token: str = "carer-a", **kw: Any) -> Any:
        return self.client.get("/api/v1" + path, headers=self.auth(token), **kw)

    def post(self, path: str, body: Any = None, token: str = "carer-a") -> Any:
        return self.client.post("/api/v1" + path, json=body, headers=self.auth(token))

    def put(self, path: str, body: Any = None, token: str = "carer-a") -> Any:
        return self.client.put("/api/v1" + path, json=body, headers=self.auth(token))

    def delete(self, path: str, token: str = "carer-a") -> Any:
        return self.client.delete("/api/v1" + path, headers=self.auth(token))


def add_user(store: Store, role: str, organisation: str, recipients: tuple[str, ...] = ()) -> str:
    """A real account with a real personal access token; returns the token's secret."""
    user = User(id=new_id("usr"), email=f"{new_id('u')}@example.org", role=Role(role), organisation=organisation,
                password_hash="unused", recipient_ids=frozenset(recipients), created_at=NOW)
    store.create_user(user)
    secret, token = issue_token(user.id, "tests", NOW)
    store.put_token(token)
    return secret


def json_of(response: Any) -> Any:
    return response.get_json()


def build_world(path: Path) -> World:
    store = SqliteStore(path)
    store.init()
    edith = factories.recipient(display_name="Edith", organisation="north")
    frank = factories.recipient(display_name="Frank", organisation="north")
    outsider = factories.recipient(display_name="Olga", organisation="south")
    for r in (edith, frank, outsider):
        store.put_recipient(r)
    med = factories.medication(edith.id, "Metformin", at=("08:00", "20:00"), start=date(2026, 1, 1))
    store.put_medication(med)
    for r in (frank, outsider):
        store.put_medication(factories.medication(r.id, "Aspirin", at=("09:00",)))
    tokens = {"carer-a": add_user(store, "carer", "north", (edith.id,)),
              "carer-b": add_user(store, "carer", "north", (frank.id,)),
              "coord-n": add_user(store, "coordinator", "north"),
              "coord-s": add_user(store, "coordinator", "south")}
    app = Flask(__name__)
    app.register_blueprint(api_blueprint(store, clock=lambda: NOW))
    return World(app.test_client(), store, edith, frank, outsider, med.id, tokens)


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    w = build_world(tmp_path / "api.db")
    yield w
    w.store.close()


def medication_body(**kw: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"name": "Ramipril", "dose_text": "5 mg",
                            "schedule": {"times": ["07:30", "19:30"], "start": "2026-03-01"}}
    body.update(kw)
    return body


def test_every_route_needs_a_valid_token(world: World) -> None:
    # GIVEN no token, and a made-up one
    # WHEN a client asks for recipients
    missing = world.client.get("/api/v1/recipients")
    wrong = world.get("/recipients", token="nope")
    # THEN both get 401 with the error body and a Bearer challenge
    for response in (missing, wrong):
        assert response.status_code == 401
        assert json_of(response)["error"] == "unauthorised"
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_carer_lists_only_their_own_recipients(world: World) -> None:
    # WHEN carer A lists recipients
    response = world.get("/recipients")
    # THEN only Edith is there
    assert response.status_code == 200
    assert [r["id"] for r in response.json["items"]] == [world.edith.id]


@pytest.mark.parametrize("token", ["carer-b", "coord-s"])
def test_someone_elses_recipient_is_not_found(world: World, token: str) -> None:
    # GIVEN another carer of the same organisation, or a coordinator of another organisation
    paths = [f"/recipients/{world.edith.id}", f"/recipients/{world.edith.id}/medications",
             f"/recipients/{world.edith.id}/doses?start=2026-03-10&end=2026-03-10",
             f"/recipients/{world.edith.id}/reports/summary",
             f"/recipients/{world.edith.id}/exports/doses.csv?start=2026-03-10&end=2026-03-10"]
    # WHEN they ask for Edith's records, or try to add a medication for her
    responses = [world.get(p, token=token) for p in paths]
    responses.append(world.post(f"/recipients/{world.edith.id}/medications", medication_body(), token=token))
    # THEN every answer is the same 404 a missing recipient gets
    assert [r.status_code for r in responses] == [404] * len(responses)
    assert all(r.json["error"] == "not_found" for r in responses)


def test_a_coordinator_reads_but_may_not_change(world: World) -> None:
    # WHEN the organisation's coordinator reads Edith and then tries to add a medication
    read = world.get(f"/recipients/{world.edith.id}/medications", token="coord-n")
    write = world.post(f"/recipients/{world.edith.id}/medications", medication_body(), token="coord-n")
    # THEN reading works and writing is forbidden
    assert read.status_code == 200
    assert write.status_code == 403
    assert write.json["error"] == "forbidden"


def test_invalid_medication_names_each_field_and_reason(world: World) -> None:
    # GIVEN a body with a bad time, a missing start date and an unknown field
    body = {"name": "Ramipril", "colour": "red", "schedule": {"times": ["25:00"]}}
    # WHEN it is posted
    response = world.post(f"/recipients/{world.edith.id}/medications", body)
    # THEN 422 lists every field with its reason
    assert response.status_code == 422
    assert response.json["error"] == "invalid_input"
    fields = {f["field"]: f["reason"] for f in response.json["fields"]}
    assert "schedule.times.0" in fields and "pattern" in fields["schedule.times.0"]
    assert "schedule.start" in fields
    assert "colour" in fields
    assert all(f["location"] == "body" for f in response.json["fields"])


def test_a_domain_rule_is_a_422_with_the_domains_words(world: World) -> None:
    # GIVEN a schedule that ends before it starts
    body = medication_body(schedule={"times": ["08:00"], "start": "2026-03-10", "end": "2026-03-01"})
    # WHEN it is posted
    response = world.post(f"/recipients/{world.edith.id}/medications", body)
    # THEN the reason is the domain's own message, against the schedule
    assert response.status_code == 422
    assert response.json["fields"][0]["field"] == "schedule"
    assert "end date is before the start date" in response.json["fields"][0]["reason"]


def test_bad_query_and_missing_body_are_422(world: World) -> None:
    # WHEN a date range is reversed, and a medication is posted without a JSON body
    reversed_range = world.get(f"/recipients/{world.edith.id}/doses?start=2026-03-10&end=2026-03-01")
    no_body = world.client.post(f"/api/v1/recipients/{world.edith.id}/medications", data="nonsense",
                                headers=world.auth("carer-a"))
    # THEN both are 422 with the location of the problem
    assert reversed_range.status_code == 422
    assert reversed_range.json["fields"][0]["location"] == "query"
    assert "end is before start" in reversed_range.json["fields"][0]["reason"]
    assert no_body.status_code == 422
    assert json_of(no_body)["fields"][0]["location"] == "body"


def test_a_new_medication_shows_in_the_days_doses(world: World) -> None:
    # WHEN a carer adds a medication with two times
    created = world.post(f"/recipients/{world.edith.id}/medications", medication_body())
    # THEN it is listed, and today's doses include both of its times
    assert created.status_code == 201
    med_id = created.json["id"]
    meds = world.get(f"/recipients/{world.edith.id}/medications").json["items"]
    assert med_id in [m["id"] for m in meds]
    doses = world.get(f"/recipients/{world.edith.id}/doses?start=2026-03-10&end=2026-03-10").json["items"]
    mine = [d for d in doses if d["medication_id"] == med_id]
    # (07:30 was before it was entered at noon: not expected, so never missed; issue 12's phantom rule)
    assert [d["scheduled_local"][11:16] for d in mine] == ["19:30"]
    assert [d["status"] for d in mine] == ["pending"]


def test_logging_a_dose_twice_returns_the_earlier_log(world: World) -> None:
    # GIVEN this morning's 08:00 dose
    dose_id = f"{world.med_id}@20260310T0800"
    path = f"/recipients/{world.edith.id}/doses/{dose_id}/log"
    # WHEN it is logged at 08:05 and then logged again (a retry, or a second carer)
    first = world.post(path, {"at": "2026-03-10T08:05:00+00:00"})
    second = world.post(path, {"at": "2026-03-10T11:00:00+00:00"})
    # THEN the first call logs it, the second changes nothing and answers with the first log
    assert first.status_code == 201 and first.json["applied"] is True
    assert first.json["dose"]["status"] == "taken"
    assert second.status_code == 200 and second.json["applied"] is False
    assert second.json["dose"]["logged_at"] == first.json["dose"]["logged_at"]
    day = world.get(f"/recipients/{world.edith.id}/doses?start=2026-03-10&end=2026-03-10").json["items"]
    assert [d["status"] for d in day if d["id"] == dose_id] == ["taken"]


def test_a_log_in_the_future_or_for_an_unknown_dose_is_refused(world: World) -> None:
    base = f"/recipients/{world.edith.id}/doses"
    # WHEN a log is dated tomorrow, and another names a dose the schedule does not have
    future = world.post(f"{base}/{world.med_id}@20260310T2000/log", {"at": "2026-03-11T08:00:00+00:00"})
    unknown = world.post(f"{base}/{world.med_id}@20260310T0900/log", {})
    # THEN the first is a 422 on "at", the second a 404
    assert future.status_code == 422
    assert future.json["fields"][0]["field"] == "at"
    assert unknown.status_code == 404


def test_contacts_can_be_added_and_removed(world: World) -> None:
    base = f"/recipients/{world.edith.id}/contacts"
    # WHEN a contact is added, listed and deleted
    created = world.post(base, {"name": "Daughter", "channel": "email", "address": "d@example.org"})
    listed = world.get(base)
    deleted = world.delete(f"{base}/{created.json['id']}")
    gone = world.delete(f"{base}/{created.json['id']}")
    # THEN each step is visible, and a second delete is 404
    assert created.status_code == 201
    assert [c["id"] for c in listed.json["items"]] == [created.json["id"]]
    assert deleted.status_code == 204
    assert gone.status_code == 404


def test_the_summary_and_cohort_follow_the_definitions(world: World) -> None:
    # GIVEN the sweep planned the doses two days ago; Edith took her 08:00 dose on 9 March on time and her
    # 20:00 dose late; the sweep has since marked this morning's doses missed (Edith's, Frank's, Olga's)
    run_sweep(world.store, {}, NOW - timedelta(days=2), clock=lambda: NOW - timedelta(days=2))
    base = f"/recipients/{world.edith.id}/doses"
    world.post(f"{base}/{world.med_id}@20260309T0800/log", {"at": "2026-03-09T08:10:00+00:00"})
    world.post(f"{base}/{world.med_id}@20260309T2000/log", {"at": "2026-03-09T22:30:00+00:00"})
    assert run_sweep(world.store, {}, NOW, clock=lambda: NOW).marked_missed == 3
    # WHEN carer A reads the 2-day summary and the coordinator reads the cohort (from rollups)
    summary = world.get(f"/recipients/{world.edith.id}/reports/summary?days=2").json
    cohort = world.get("/reports/cohort?sort=adherence_7&descending=true", token="coord-n").json
    # THEN 2 of 3 due doses were taken (tonight's is not due), and the cohort lists only the north
    assert summary["counts"] == {"on_time": 1, "late": 1, "missed": 1, "skipped": 0, "not_due": 1,
                                 "adherence": pytest.approx(2 / 3)}
    assert summary["pdc"] == 1.0
    assert {r["recipient_id"] for r in cohort["items"]} == {world.edith.id, world.frank.id}
    assert cohort["items"][0]["recipient_id"] == world.edith.id
    below = world.get("/reports/cohort?below=1", token="coord-n").json  # Edith 2 of 3 taken, Frank 0 of 1
    assert [r["recipient_id"] for r in below["items"]] == [world.frank.id]


def test_exports_are_csv_and_valid_fhir(world: World) -> None:
    base = f"/recipients/{world.edith.id}"
    world.post(f"{base}/doses/{world.med_id}@20260310T0800/log", {"at": "2026-03-10T08:05:00+00:00"})
    # WHEN the day is exported as CSV and as FHIR
    csv_response = world.get(f"{base}/exports/doses.csv?start=2026-03-10&end=2026-03-10")
    fhir_response = world.get(f"{base}/exports/fhir?start=2026-03-10&end=2026-03-10")
    # THEN the CSV has the agreed columns and the FHIR bundle validates with fhir.resources
    rows = list(csv.DictReader(io.StringIO(csv_response.get_data(as_text=True))))
    assert csv_response.mimetype == "text/csv"
    assert [(r["scheduled_local"], r["status"], r["source"]) for r in rows] == [
        ("2026-03-10T08:00:00+00:00", "taken", "api"), ("2026-03-10T20:00:00+00:00", "pending", "")]
    assert fhir_response.mimetype == "application/fhir+json"
    bundle = Bundle.model_validate_json(fhir_response.get_data(as_text=True))
    kinds = sorted(cast(Any, e.resource).get_resource_type() for e in bundle.entry or [])
    assert kinds == ["MedicationAdministration", "MedicationRequest"]


def test_the_calendar_feed_url_works_until_replaced_or_revoked(world: World) -> None:
    base = f"/recipients/{world.edith.id}/feed"
    # WHEN a feed URL is issued and fetched without any token
    first = world.post(base).json["url"]
    calendar = world.client.get(first)
    # THEN it is an iCalendar with one event per time of day
    assert calendar.status_code == 200 and calendar.mimetype == "text/calendar"
    events: list[Any] = Calendar.from_ical(calendar.get_data()).walk("VEVENT")
    assert sorted(str(e["DTSTART"].dt.time())[:5] for e in events) == ["08:00", "20:00"]
    assert world.get(base).json["active"] is True
    # WHEN a new URL is issued, the old one stops; WHEN it is revoked, the new one stops too
    second = world.post(base).json["url"]
    assert world.client.get(first).status_code == 404
    assert world.client.get(second).status_code == 200
    assert world.delete(base).status_code == 204
    assert world.client.get(second).status_code == 404
    assert world.get(base).json == {"active": False, "created_at": None}


def test_unknown_paths_get_the_json_error_body(world: World) -> None:
    response = world.get("/no/such/thing")
    assert response.status_code == 404
    assert response.json["error"] == "not_found"


def test_the_openapi_document_describes_every_route(world: World) -> None:
    # WHEN the document is fetched (reading the contract needs no token)
    document = json_of(world.client.get("/api/v1/openapi.json"))
    # THEN it is a valid OpenAPI 3.1 document with the models as components and bearer auth
    validate(document)
    assert document["openapi"].startswith("3.")
    assert "/recipients/{recipient_id}/doses/{dose_id}/log" in document["paths"]
    assert "MedicationIn" in document["components"]["schemas"]
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"



def test_feed_tokens_are_replaced_and_revoked(store: Store) -> None:
    # GIVEN any store (SQLite, moto, dynalite)
    # WHEN a token is issued, replaced by a second, and the second revoked
    store.put_feed_token("rec_1", "hash-one", NOW)
    first_works = store.recipient_for_feed_token("hash-one")
    store.put_feed_token("rec_1", "hash-two", NOW)
    # THEN only the live token resolves, and after revocation none does
    assert first_works == "rec_1"
    assert store.recipient_for_feed_token("hash-one") is None
    assert store.recipient_for_feed_token("hash-two") == "rec_1"
    assert store.feed_token_created("rec_1") == NOW
    assert store.revoke_feed_token("rec_1") is True
    assert store.recipient_for_feed_token("hash-two") is None
    assert store.revoke_feed_token("rec_1") is False
    assert store.feed_token_created("rec_1") is None


def test_api_changes_are_in_the_audit_log(world: World) -> None:
    # WHEN a carer adds a medication, changes it and stops it through the API
    created = world.post(f"/recipients/{world.edith.id}/medications", medication_body()).json
    path = f"/recipients/{world.edith.id}/medications/{created['id']}"
    world.put(path, medication_body(dose_text="10 mg"))
    world.delete(path)
    # THEN the audit log shows each change, by whom, with before and after
    entries = world.store.list_audit(world.edith.id)
    assert sorted(e.action for e in entries if e.entity == "medication") == ["create", "stop", "update"]
    update = next(e for e in entries if e.action == "update")
    assert update.who.endswith("@example.org")
    assert update.before != update.after


def test_the_cohort_is_for_coordinators(world: World) -> None:
    response = world.get("/reports/cohort", token="carer-a")
    assert response.status_code == 403
    assert response.json["error"] == "forbidden"


def test_a_medication_also_called_by_other_names_round_trips_and_is_documented(world: World) -> None:
    base = f"/recipients/{world.edith.id}/medications"
    # WHEN a medication is added with the names the person uses (one typed twice)
    created = world.post(base, medication_body(also_called=["heart pill", "Heart pill", "the white one"]))
    # THEN each name is kept once and read back; the audit log has them
    assert created.status_code == 201
    assert created.json["also_called"] == ["heart pill", "the white one"]
    assert world.get(f"{base}/{created.json['id']}").json["also_called"] == ["heart pill", "the white one"]
    entry = world.store.list_audit(world.edith.id)[0]
    assert entry.after is not None and entry.after["also_called"] == "heart pill, the white one"
    # AND six names, or a blank one, are a 422 naming the field
    six = world.post(base, medication_body(also_called=[f"n{i}" for i in range(6)]))
    blank = world.post(base, medication_body(also_called=["  "]))
    assert six.status_code == 422 and six.json["fields"][0]["field"] == "also_called"
    assert blank.status_code == 422 and blank.json["fields"][0]["field"].startswith("also_called")
    # AND the document describes the field both ways
    schemas = json_of(world.client.get("/api/v1/openapi.json"))["components"]["schemas"]
    assert schemas["MedicationIn"]["properties"]["also_called"]["maxItems"] == 5
    assert "also_called" in schemas["MedicationOut"]["required"]


def as_needed(world: World, **limits: Any) -> str:
    body = medication_body(name="Paracetamol", schedule={"as_needed": True, "start": "2026-03-01", **limits})
    created = world.post(f"/recipients/{world.edith.id}/medications", body)
    assert created.status_code == 201, created.json
    return cast(str, created.json["id"])


def test_an_as_needed_medicine_beyond_the_carers_limits_is_recorded_with_a_warning(world: World) -> None:
    # GIVEN paracetamol as needed, at least 2 hours apart, at most 2 a day
    med_id = as_needed(world, min_interval_minutes=120, max_per_day=2)
    path = f"/recipients/{world.edith.id}/medications/{med_id}/log"
    # WHEN it is logged at 06:00, the same report is sent again, and another is reported at 07:00
    first = world.post(path, {"at": "2026-03-10T06:00:00+00:00"})
    retry = world.post(path, {"at": "2026-03-10T06:00:00+00:00"})
    too_soon = world.post(path, {"at": "2026-03-10T07:00:00+00:00"})
    # THEN the first is logged, the retry changes nothing (the same intake), and 07:00 is recorded as
    # reported, with a warning and a safety event: the truth is kept, the carers are told
    assert first.status_code == 201 and first.json["applied"] is True and first.json["warnings"] == []
    assert first.json["dose"]["id"] == f"{med_id}@20260310T0600" and first.json["dose"]["status"] == "taken"
    assert first.json["dose"]["source"] == "api"
    assert retry.status_code == 200 and retry.json["applied"] is False
    assert too_soon.status_code == 201 and too_soon.json["warnings"] == ["too_soon"]
    assert too_soon.json["safety_event_id"]
    # AND a third that day (now, at noon) goes beyond the daily maximum: recorded, with that warning
    third = world.post(path, {})
    assert third.status_code == 201 and third.json["warnings"] == ["over_daily_max"]
    day = world.get(f"/recipients/{world.edith.id}/doses?start=2026-03-10&end=2026-03-10").json["items"]
    assert [d["scheduled_utc"][11:16] for d in day if d["medication_id"] == med_id] == ["06:00", "07:00", "12:00"]


def test_logging_by_medication_picks_the_due_dose_of_a_scheduled_one(world: World) -> None:
    path = f"/recipients/{world.edith.id}/medications/{world.med_id}/log"
    # WHEN Metformin (08:00 and 20:00) is logged at 08:10, again at 08:20, and skipping is tried for an
    # as-needed medicine
    first = world.post(path, {"at": "2026-03-10T08:10:00+00:00"})
    again = world.post(path, {"at": "2026-03-10T08:20:00+00:00"})
    skipped = world.post(f"/recipients/{world.edith.id}/medications/{as_needed(world)}/log", {"action": "skipped"})
    # THEN the 08:00 dose is logged once, and skipping an as-needed medicine is refused with the reason
    assert first.status_code == 201 and first.json["dose"]["id"] == f"{world.med_id}@20260310T0800"
    assert again.status_code == 200 and again.json["applied"] is False
    assert again.json["dose"]["logged_at"] == first.json["dose"]["logged_at"]
    assert skipped.status_code == 422 and skipped.json["fields"][0]["field"] == "action"


def test_logging_by_medication_follows_the_access_rules(world: World) -> None:
    path = f"/recipients/{world.edith.id}/medications/{world.med_id}/log"
    assert world.post(path, {}, token="coord-n").status_code == 403
    assert world.post(path, {}, token="carer-b").status_code == 404
    assert world.post(f"/recipients/{world.edith.id}/medications/med_nope/log", {}).status_code == 404
    document = json_of(world.client.get("/api/v1/openapi.json"))
    assert "/recipients/{recipient_id}/medications/{medication_id}/log" in document["paths"]
