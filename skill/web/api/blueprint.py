"""The `/api/v1` blueprint: the route table, input validation, error bodies and the OpenAPI document.

Every error has one shape (models.ErrorBody): invalid input is 422 with each field and its reason,
missing/invalid token 401, a recipient not yours 404, a write you may not make 403. Unknown paths under
the prefix get the same JSON 404, not an HTML page.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from flask import Blueprint, Response, jsonify, request
from pydantic import BaseModel
from pydantic import ValidationError as PydanticError

from skill.domain.errors import ConflictError, NotFoundError
from skill.domain.errors import ValidationError as DomainError
from skill.domain.models import utcnow
from skill.store.base import Store
from skill.usecases.errors import Forbidden, Invalid
from skill.web.api import models as m
from skill.web.api.handlers import ApiError, Call, Handlers, Result
from skill.web.api.openapi import Operation, Raw, build_document
from skill.web.auth import ApiRefusal, authenticate_api

PREFIX = "/api/v1"
WRITE_ERRORS = (401, 403, 404, 422)


def operations() -> list[tuple[Operation, str]]:
    """(operation, handler method name): the single table both the routes and the document come from."""
    rid = "/recipients/{recipient_id}"
    return [
        (Operation("GET", "/recipients", "Recipients you may see", "listRecipients", {200: m.RecipientList},
                   errors=(401, 422)), "list_recipients"),
        (Operation("GET", rid, "One recipient", "getRecipient", {200: m.RecipientOut}), "get_recipient"),
        (Operation("GET", rid + "/medications", "Medications, stopped ones included", "listMedications",
                   {200: m.MedicationList}), "list_medications"),
        (Operation("POST", rid + "/medications", "Add a medication with its schedule", "createMedication",
                   {201: m.MedicationOut}, body=m.MedicationIn, errors=WRITE_ERRORS), "create_medication"),
        (Operation("GET", rid + "/medications/{medication_id}", "One medication", "getMedication",
                   {200: m.MedicationOut}), "get_medication"),
        (Operation("PUT", rid + "/medications/{medication_id}", "Change a medication or its schedule",
                   "updateMedication", {200: m.MedicationOut}, body=m.MedicationIn, errors=WRITE_ERRORS),
         "update_medication"),
        (Operation("DELETE", rid + "/medications/{medication_id}", "Stop a medication (history stays)",
                   "stopMedication", {200: m.MedicationOut}, errors=WRITE_ERRORS), "stop_medication"),
        (Operation("GET", rid + "/doses", "Doses of local days start..end with their status", "listDoses",
                   {200: m.DoseList}, query=m.DateRange), "list_doses"),
        (Operation("POST", rid + "/doses/{dose_id}/log", "Log a dose taken or skipped (idempotent)", "logDose",
                   {200: m.DoseLogOut, 201: m.DoseLogOut}, body=m.DoseLogIn, errors=WRITE_ERRORS), "log_dose"),
        (Operation("POST", rid + "/medications/{medication_id}/log",
                   "Log this medicine now, as-needed ones included (the dose is chosen as the voice skill "
                   "does; the carer's as-needed limits apply)", "logMedication",
                   {200: m.DoseLogOut, 201: m.DoseLogOut}, body=m.DoseLogIn, errors=WRITE_ERRORS), "log_medication"),
        (Operation("GET", rid + "/contacts", "Carers alerted about this recipient", "listContacts",
                   {200: m.ContactList}), "list_contacts"),
        (Operation("POST", rid + "/contacts", "Add a contact", "createContact", {201: m.ContactOut},
                   body=m.ContactIn, errors=WRITE_ERRORS), "create_contact"),
        (Operation("DELETE", rid + "/contacts/{contact_id}", "Remove a contact", "deleteContact", {204: None},
                   errors=WRITE_ERRORS), "delete_contact"),
        (Operation("GET", rid + "/reports/summary", "Adherence over the last N days", "recipientSummary",
                   {200: m.SummaryOut}, query=m.SummaryQuery), "summary"),
        (Operation("GET", "/reports/cohort", "The coordinator's table", "cohort", {200: m.CohortPage},
                   query=m.CohortQuery, errors=(401, 403, 422)), "cohort"),
        (Operation("GET", rid + "/exports/doses.csv", "Doses as CSV", "exportCsv",
                   {200: Raw("text/csv", {"type": "string"})}, query=m.DateRange), "export_csv"),
        (Operation("GET", rid + "/exports/fhir", "FHIR R4 Bundle", "exportFhir",
                   {200: Raw("application/fhir+json", {"type": "object"})}, query=m.DateRange), "export_fhir"),
        (Operation("GET", rid + "/feed", "Whether a calendar feed URL is live", "feedStatus",
                   {200: m.FeedStatus}), "feed_status"),
        (Operation("POST", rid + "/feed", "Issue a new secret calendar URL (the old one stops working)",
                   "createFeed", {201: m.FeedOut}, errors=(401, 403, 404)), "create_feed"),
        (Operation("DELETE", rid + "/feed", "Revoke the calendar URL", "revokeFeed", {204: None},
                   errors=(401, 403, 404)), "revoke_feed"),
        (Operation("GET", "/feeds/{token}.ics", "The calendar feed (the token is the credential)", "feedCalendar",
                   {200: Raw("text/calendar", {"type": "string"})}, public=True, errors=(404,)), "feed_calendar"),
    ]


def error_response(status: int, error: str, message: str, fields: list[m.FieldError] | None = None) -> Response:
    body = m.ErrorBody(error=error, message=message, fields=fields or [])  # type: ignore[arg-type]
    response = jsonify(body.model_dump(mode="json"))
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="dosekeeper"'
    return response


def field_errors(exc: PydanticError, location: str) -> list[m.FieldError]:
    return [m.FieldError(field=".".join(str(p) for p in err["loc"]) or location,
                         location=location,  # type: ignore[arg-type]
                         reason=err["msg"].removeprefix("Value error, ")) for err in exc.errors()]


def parse(model: type[BaseModel], data: Any, location: str) -> BaseModel:
    try:
        return model.model_validate(data)
    except PydanticError as exc:
        raise ApiError(422, "invalid_input", f"invalid {location}", field_errors(exc, location)) from None


def json_body() -> Any:
    """The request's JSON, None when it is not JSON; JSON nested past the parser's recursion limit is a 422.

    `get_json(silent=True)` absorbs malformed JSON (ValueError) but not the RecursionError that a body of a
    few thousand `[` raises, which used to be a 500.
    """
    try:
        return request.get_json(silent=True)
    except RecursionError:
        raise ApiError(422, "invalid_input", "invalid body",
                       [m.FieldError(field="body", location="body", reason="JSON nested too deeply")]) from None


def query_values(args: Mapping[str, Any]) -> dict[str, Any]:
    return {key: args.get(key) for key in args}


def render(result: Result) -> Response:
    if isinstance(result, Response):
        return result
    body, status = result
    response = jsonify(body.model_dump(mode="json"))
    response.status_code = status
    return response


def api_blueprint(store: Store, clock: Callable[[], Any] = utcnow) -> Blueprint:
    """Mount at `/api/v1` (the blueprint carries its prefix). Tokens and access rules are the web app's."""
    bp = Blueprint("api_v1", __name__, url_prefix=PREFIX)
    handlers = Handlers(store, clock)
    table = operations()

    def view_for(op: Operation, method: Callable[..., Result]) -> Callable[..., Response]:
        def view(**params: str) -> Response:
            try:
                user = None
                if not op.public:
                    auth = authenticate_api(store, request.headers.get("Authorization"), clock(),
                                            write=op.method != "GET")
                    if isinstance(auth, ApiRefusal):  # 401 no/expired token, 403 a read-only token's write
                        return error_response(auth.status, auth.error, auth.message)
                    user = auth
                query = parse(op.query, query_values(request.args), "query") if op.query else None
                body = parse(op.body, json_body(), "body") if op.body else None
                return render(method(Call(user, query, body), **params))
            except ApiError as exc:
                return error_response(exc.status, exc.error, exc.message, exc.fields)
            except Invalid as exc:
                return error_response(422, "invalid_input", str(exc),
                                      [m.FieldError(field=exc.field, location="body", reason=exc.reason)])
            except DomainError as exc:
                return error_response(422, "invalid_input", str(exc),
                                      [m.FieldError(field="body", location="body", reason=str(exc))])
            except Forbidden as exc:
                return error_response(403, "forbidden", str(exc))
            except NotFoundError as exc:
                return error_response(404, "not_found", str(exc))
            except ConflictError as exc:
                return error_response(409, "conflict", str(exc))
        return view

    for op, name in table:
        rule = re.sub(r"{(\w+)}", r"<\1>", op.path)
        bp.add_url_rule(rule, endpoint=name, view_func=view_for(op, getattr(handlers, name)), methods=[op.method])

    document: dict[str, Any] = {}

    def openapi() -> Response:
        if not document:
            document.update(build_document([op for op, _ in table], "DoseKeeper API", "1.0.0", PREFIX))
        return jsonify(document)

    bp.add_url_rule("/openapi.json", endpoint="openapi", view_func=openapi, methods=["GET"])

    def unknown(rest: str = "") -> Response:
        return error_response(404, "not_found", "no such API resource")

    bp.add_url_rule("/", endpoint="unknown_root", view_func=unknown,
                    methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
    bp.add_url_rule("/<path:rest>", endpoint="unknown", view_func=unknown,
                    methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
    return bp
