"""The OpenAPI 3.1 document, generated from the routes' pydantic models so it cannot drift from the code.

Each route is registered with its body, query and response models; components come from pydantic's
`models_json_schema` with `#/components/schemas/{model}` refs (validation schemas for requests,
serialization schemas for responses, as pydantic names them apart when they differ).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from skill.web.api.models import ErrorBody

REF_TEMPLATE = "#/components/schemas/{model}"
ERROR_STATUSES = {401: "Missing or invalid token", 404: "No such resource (or not yours to see)",
                  422: "Invalid input: the field and the reason"}


@dataclass(frozen=True)
class Raw:
    """A non-JSON (or free-form JSON) response body."""

    media_type: str
    schema: dict[str, Any]


@dataclass(frozen=True)
class Operation:
    method: str
    path: str  # OpenAPI style: /recipients/{recipient_id}
    summary: str
    operation_id: str
    responses: dict[int, type[BaseModel] | Raw | None]
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    public: bool = False
    errors: tuple[int, ...] = (401, 404, 422)
    tags: tuple[str, ...] = field(default_factory=tuple)

    @property
    def path_params(self) -> list[str]:
        return re.findall(r"{(\w+)}", self.path)


def _schemas(operations: list[Operation]) -> tuple[dict[tuple[Any, str], Any], dict[str, Any]]:
    wanted: list[tuple[type[BaseModel], JsonSchemaMode]] = [(ErrorBody, "serialization")]
    for op in operations:
        if op.body is not None:
            wanted.append((op.body, "validation"))
        if op.query is not None:
            wanted.append((op.query, "validation"))
        wanted.extend((r, "serialization") for r in op.responses.values()
                      if isinstance(r, type) and issubclass(r, BaseModel))
    unique = list(dict.fromkeys(wanted))
    refs, top = models_json_schema(unique, ref_template=REF_TEMPLATE)
    found: dict[tuple[Any, str], Any] = {(model, str(mode)): ref for (model, mode), ref in refs.items()}
    return found, dict(top.get("$defs", {}))


def _query_parameters(model: type[BaseModel]) -> list[dict[str, Any]]:
    schema = model.model_json_schema(ref_template=REF_TEMPLATE, mode="validation")
    required = set(schema.get("required", []))
    params = []
    for name, prop in schema.get("properties", {}).items():
        prop = {k: v for k, v in prop.items() if k != "title"}
        description = prop.pop("description", None)
        param: dict[str, Any] = {"name": name, "in": "query", "required": name in required, "schema": prop}
        if description:
            param["description"] = description
        params.append(param)
    return params


def build_document(operations: list[Operation], title: str, version: str, server_url: str) -> dict[str, Any]:
    refs, definitions = _schemas(operations)
    paths: dict[str, dict[str, Any]] = {}
    for op in operations:
        parameters: list[dict[str, Any]] = [
            {"name": p, "in": "path", "required": True, "schema": {"type": "string", "minLength": 1,
                                                                   "maxLength": 200, "pattern": r"^[^/?#%\s]+$"}}
            for p in op.path_params]
        if op.query is not None:
            parameters.extend(_query_parameters(op.query))
        responses: dict[str, Any] = {}
        for status, body in op.responses.items():
            entry: dict[str, Any] = {"description": "OK" if status < 300 else "Result"}
            if isinstance(body, Raw):
                entry["content"] = {body.media_type: {"schema": body.schema}}
            elif body is not None:
                entry["content"] = {"application/json": {"schema": refs[(body, "serialization")]}}
            responses[str(status)] = entry
        for status in op.errors:
            responses[str(status)] = {"description": ERROR_STATUSES.get(status, "Error"),
                                      "content": {"application/json": {
                                          "schema": refs[(ErrorBody, "serialization")]}}}
        operation: dict[str, Any] = {"summary": op.summary, "operationId": op.operation_id,
                                     "parameters": parameters, "responses": responses}
        if op.tags:
            operation["tags"] = list(op.tags)
        if op.public:
            operation["security"] = []
        if op.body is not None:
            operation["requestBody"] = {"required": True, "content": {"application/json": {
                "schema": refs[(op.body, "validation")]}}}
        paths.setdefault(op.path, {})[op.method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version},
        "servers": [{"url": server_url}],
        "paths": paths,
        "components": {
            "schemas": definitions,
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer",
                                               "description": "A personal access token from the web app"}},
        },
        "security": [{"bearerAuth": []}],
    }

