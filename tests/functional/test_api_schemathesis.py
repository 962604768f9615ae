"""Schemathesis against /api/v1/openapi.json of a seeded WSGI app: no 5xx, no response outside the schema.

Generated path ids are swapped, some of the time, for the seeded recipient's and medication's real ids, so
the successful paths (writes included) are exercised as well as the 404s. A second run sends data that breaks
the schema (negative mode) and asks only that none of it is a server error; and the inputs issue 11 found to
be 500s (days in year 1 or 9999, a dose id in year 9999, `at` in year 1, a pill count of 10^30, a NUL in a
name) are sent as explicit cases through the same checks. Bounded on purpose (a few examples per operation,
no shrinking) so it stays well under two minutes on two cores.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.functional.test_api import build_world

MAX_EXAMPLES = 12
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


# Loaded at collection time (schemathesis parametrises from the document); the directory lives as long as
# the test process and is removed at exit.
_workdir = tempfile.TemporaryDirectory(prefix="dk-schemathesis-")
WORLD = build_world(Path(_workdir.name) / "api.db")
REAL = {"recipient_id": WORLD.edith.id, "medication_id": WORLD.med_id, "dose_id": f"{WORLD.med_id}@20260310T0800"}

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", WORLD.client.application)
schema.config.generation.update(modes=[GenerationMode.POSITIVE], max_examples=MAX_EXAMPLES, deterministic=True,
                                no_shrink=True, allow_x00=False)


negative = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", WORLD.client.application)
negative.config.generation.update(modes=[GenerationMode.NEGATIVE], max_examples=MAX_EXAMPLES, deterministic=True,
                                  no_shrink=True)


def flatmap_path_parameters(context: Any, path_parameters: dict[str, Any] | None) -> Any:
    if not path_parameters:
        return st.just(path_parameters)
    seeded = {k: REAL.get(k, v) for k, v in path_parameters.items()}
    return st.sampled_from([path_parameters, seeded])


schema.hook(flatmap_path_parameters)
negative.hook(flatmap_path_parameters)


@schema.parametrize()
def test_the_api_keeps_its_contract(case: Any) -> None:
    # GIVEN a seeded app and a valid carer token
    # WHEN schemathesis sends generated requests to every documented operation
    # THEN none is a server error, and every response matches its documented status, type and schema
    case.call_and_validate(headers=WORLD.auth("carer-a"), checks=CHECKS)


@negative.parametrize()
def test_input_that_breaks_the_schema_is_never_a_server_error(case: Any) -> None:
    # GIVEN generated requests that each break the documented schema somewhere (types, bounds, formats)
    # WHEN they are sent with a valid token
    # THEN each is refused or handled, never a server error
    case.call_and_validate(headers=WORLD.auth("carer-a"), checks=[not_a_server_error])


RID = "/recipients/{recipient_id}"
SCHEDULE = {"times": ["08:00"], "start": "2026-03-01"}
ISSUE_11 = [  # (path, method, parts of the request, the status the client must get)
    *[(RID + path, "GET", {"query": {"start": start, "end": end}}, 422)
      for path in ("/doses", "/exports/doses.csv", "/exports/fhir")
      for start, end in (("0001-01-01", "0001-01-02"), ("9999-12-30", "9999-12-31"))],
    (RID + "/doses/{dose_id}/log", "POST", {"path_parameters": {"dose_id": f"{WORLD.med_id}@99991231T2359"},
                                            "body": {}}, 404),
    (RID + "/doses/{dose_id}/log", "POST", {"body": {"at": "0001-01-01T00:00:00+00:00", "confirm": True}}, 422),
    (RID + "/medications/{medication_id}/log", "POST", {"body": {"at": "0001-01-01T00:00:00+23:59"}}, 422),
    (RID + "/medications", "POST", {"body": {"name": "Ramipril", "schedule": SCHEDULE, "pill_count": 10**30}}, 422),
    (RID + "/medications", "POST", {"body": {"name": "Ramipril", "schedule": {**SCHEDULE, "start": "0001-01-01"}}},
     422),
    (RID + "/medications", "POST", {"body": {"name": "Ram\x00ipril", "schedule": SCHEDULE}}, 201),
]


@pytest.mark.parametrize(("path", "method", "parts", "status"), ISSUE_11,
                         ids=[f"{m} {p.rsplit('/', 1)[-1]} {s}" for p, m, _, s in ISSUE_11])
def test_the_inputs_that_were_500s_keep_the_contract(path: str, method: str, parts: dict[str, Any],
                                                      status: int) -> None:
    # GIVEN one of the requests that was a server error
    parts = dict(parts)
    path_parameters = {k: v for k, v in REAL.items() if "{" + k + "}" in path}
    path_parameters.update(parts.pop("path_parameters", {}))
    case = schema[path][method].Case(path_parameters=path_parameters, media_type="application/json"
                                     if "body" in parts else None, **parts)
    # WHEN it is sent
    response = case.call_and_validate(headers=WORLD.auth("carer-a"), checks=CHECKS)
    # THEN the client gets the documented refusal (or, for the NUL, the medicine without it)
    assert response.status_code == status, response.text[:300]
    if status == 201:
        assert response.json()["name"] == "Ramipril"
