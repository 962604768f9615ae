"""Schemathesis against /api/v1/openapi.json of a seeded WSGI app: no 5xx, no response outside the schema.

Generated path ids are swapped, some of the time, for the seeded recipient's and medication's real ids, so
the successful paths (writes included) are exercised as well as the 404s. Bounded on purpose (a few
examples per operation, no shrinking) so it stays well under two minutes on two cores.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

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


@schema.hook
def flatmap_path_parameters(context: Any, path_parameters: dict[str, Any] | None) -> Any:
    if not path_parameters:
        return st.just(path_parameters)
    seeded = {k: REAL.get(k, v) for k, v in path_parameters.items()}
    return st.sampled_from([path_parameters, seeded])


@schema.parametrize()
def test_the_api_keeps_its_contract(case: Any) -> None:
    # GIVEN a seeded app and a valid carer token
    # WHEN schemathesis sends generated requests to every documented operation
    # THEN none is a server error, and every response matches its documented status, type and schema
    case.call_and_validate(headers=WORLD.auth("carer-a"), checks=CHECKS)
