"""FHIR R4 export: a Bundle of MedicationRequest (the schedules) and MedicationAdministration (the doses).

fhir.resources 8 defaults to FHIR R5; its `R4B` subpackage is used because R4B keeps R4's shape for these
two resources (medicationCodeableConcept, effective[x]), which is what R4 systems accept. Every resource is
built through the fhir.resources models, so an export that would not validate raises instead of leaving.

Person names are not exported: the subject is a Patient reference by DoseKeeper's recipient id.

Care events go in too. A safety moment (a double dose, the wrong tablet, over a limit, a dropped tablet,
feeling unwell) is a `DetectedIssue`: FHIR's resource for "a clinical issue with an actual or potential
patient action", with a severity, the patient, when it was identified and the medication plan it implicates,
which is what a clinician reviewing the export needs to see. A correction (a log undone or changed) or an
early log is not an issue but a fact about the record, so it is an `Observation` (status final, the plain
words as its value, `focus` on the dose's MedicationAdministration when the export holds it).
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.detectedissue import DetectedIssue
from fhir.resources.R4B.medicationadministration import MedicationAdministration
from fhir.resources.R4B.medicationrequest import MedicationRequest
from fhir.resources.R4B.observation import Observation

from skill.domain.events import CareEvent, EventKind
from skill.domain.models import WEEKDAY_NAMES, Dose, Medication, Recipient
from skill.exports.csv_export import doses_in_range, events_in_range
from skill.reports.adherence import Outcome, RecordingStarts, classify, recording_starts
from skill.store.base import Store

STATUS_REASON_SYSTEM = "https://dosekeeper.example/fhir/CodeSystem/dose-not-done-reason"
EVENT_SYSTEM = "https://dosekeeper.example/fhir/CodeSystem/care-event"
HIGH = frozenset({EventKind.DOUBLE_DOSE, EventKind.WRONG_MEDICINE, EventKind.OVER_LIMIT})
_NAMESPACE = uuid.UUID("6f1f7c52-6b4e-4c5e-9d0b-3c8a2f1e9a10")


def fhir_id(value: str) -> str:
    """FHIR ids allow [A-Za-z0-9-.] up to 64 characters; DoseKeeper ids use '_' and '@'."""
    cleaned = re.sub(r"[^A-Za-z0-9.-]", "-", value)
    return cleaned if len(cleaned) <= 64 else uuid.uuid5(_NAMESPACE, value).hex


def full_url(kind: str, value: str) -> str:
    return f"urn:uuid:{uuid.uuid5(_NAMESPACE, kind + '/' + value)}"


def _instant(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def timing(medication: Medication) -> dict[str, Any]:
    schedule = medication.schedule
    bounds: dict[str, str] = {"start": schedule.start.isoformat()}
    if schedule.end is not None:
        bounds["end"] = schedule.end.isoformat()
    repeat: dict[str, Any] = {"boundsPeriod": bounds}
    if schedule.times:
        repeat.update(timeOfDay=[t.strftime("%H:%M:%S") for t in schedule.times],
                      frequency=len(schedule.times), period=schedule.every_n_days, periodUnit="d")
    if schedule.weekdays is not None:
        repeat["dayOfWeek"] = [WEEKDAY_NAMES[d] for d in schedule.weekdays]
    return {"repeat": repeat}


def medication_request(recipient: Recipient, medication: Medication) -> MedicationRequest:
    return MedicationRequest.model_validate(medication_request_values(recipient, medication))


def medication_request_values(recipient: Recipient, medication: Medication) -> dict[str, Any]:
    schedule = medication.schedule
    dosage: dict[str, Any] = {"timing": timing(medication), "asNeededBoolean": schedule.as_needed}
    text = " ".join(p for p in (medication.dose_text, medication.instructions) if p)
    if text:
        dosage["text"] = text
    if schedule.max_per_day:
        dosage["maxDosePerPeriod"] = {"numerator": {"value": schedule.max_per_day},
                                      "denominator": {"value": 1, "unit": "d",
                                                      "system": "http://unitsofmeasure.org", "code": "d"}}
    return {
        "resourceType": "MedicationRequest",
        "id": fhir_id(medication.id),
        "identifier": [{"system": "urn:dosekeeper:medication", "value": medication.id}],
        "status": "active" if medication.active else "stopped",
        "intent": "plan",
        "medicationCodeableConcept": {"text": medication.name},
        "subject": {"reference": f"Patient/{fhir_id(recipient.id)}"},
        "authoredOn": _instant(medication.created_at),
        "dosageInstruction": [dosage],
    }


def medication_administration(recipient: Recipient, dose: Dose, now: datetime,
                              starts: RecordingStarts | None = None) -> MedicationAdministration | None:
    values = medication_administration_values(recipient, dose, now, starts)
    return None if values is None else MedicationAdministration.model_validate(values)


def medication_administration_values(recipient: Recipient, dose: Dose, now: datetime,
                                     starts: RecordingStarts | None = None) -> dict[str, Any] | None:
    """Decided doses only: taken -> completed; skipped or missed -> not-done with the reason. A dose from
    before the medicine was entered and never logged is unknown, so it is not exported at all."""
    outcome = classify(dose, recipient.grace, now, starts)
    if outcome in (Outcome.NOT_DUE, Outcome.NOT_RECORDED):
        return None
    values: dict[str, Any] = {
        "resourceType": "MedicationAdministration",
        "id": fhir_id(dose.id),
        "identifier": [{"system": "urn:dosekeeper:dose", "value": dose.id}],
        "medicationCodeableConcept": {"text": dose.medication_name},
        "subject": {"reference": f"Patient/{fhir_id(recipient.id)}"},
        "request": {"reference": f"MedicationRequest/{fhir_id(dose.medication_id)}"},
    }
    if outcome in (Outcome.ON_TIME, Outcome.LATE):
        values.update(status="completed", effectiveDateTime=_instant(dose.logged_at or dose.scheduled_utc))
        if outcome is Outcome.LATE:
            values["note"] = [{"text": "taken after the grace window"}]
    else:
        code, reason = (("skipped", "Skipped on purpose") if outcome is Outcome.SKIPPED
                        else ("missed", "Not taken within the grace window"))
        values.update(status="not-done", effectiveDateTime=_instant(dose.scheduled_utc),
                      statusReason=[{"coding": [{"system": STATUS_REASON_SYSTEM, "code": code,
                                                 "display": reason}], "text": reason}])
    return values


def _event_code(event: CareEvent) -> dict[str, Any]:
    return {"coding": [{"system": EVENT_SYSTEM, "code": event.kind.value, "display": event.label}],
            "text": event.label}


def care_event_resource(recipient: Recipient, event: CareEvent,
                        administered: frozenset[str] = frozenset()) -> DetectedIssue | Observation:
    values = care_event_values(recipient, event, administered)
    if values["resourceType"] == "DetectedIssue":
        return DetectedIssue.model_validate(values)
    return Observation.model_validate(values)


def care_event_values(recipient: Recipient, event: CareEvent,
                      administered: frozenset[str] = frozenset()) -> dict[str, Any]:
    """A safety moment as a DetectedIssue; a correction or early log as an Observation (module docstring)."""
    patient = {"reference": f"Patient/{fhir_id(recipient.id)}"}
    identifier = [{"system": "urn:dosekeeper:event", "value": event.id}]
    if event.kind.is_safety:
        values: dict[str, Any] = {
            "resourceType": "DetectedIssue", "id": fhir_id(event.id), "identifier": identifier, "status": "final",
            "code": _event_code(event), "severity": "high" if event.kind in HIGH else "moderate",
            "patient": patient, "identifiedDateTime": _instant(event.at)}
        if event.detail:
            values["detail"] = event.detail
        if event.medication_id:
            values["implicated"] = [{"reference": f"MedicationRequest/{fhir_id(event.medication_id)}"}]
        return values
    observation: dict[str, Any] = {
        "resourceType": "Observation", "id": fhir_id(event.id), "identifier": identifier, "status": "final",
        "code": _event_code(event), "subject": patient, "effectiveDateTime": _instant(event.at),
        "valueString": event.detail or event.label}
    if event.dose_id and event.dose_id in administered:
        observation["focus"] = [{"reference": f"MedicationAdministration/{fhir_id(event.dose_id)}"}]
    return observation


def bundle_values(recipient: Recipient, medications: Sequence[Medication], doses: Sequence[Dose],
                  now: datetime, events: Sequence[CareEvent] = ()) -> dict[str, Any]:
    """The Bundle as plain JSON values (the fhir.resources models check them: `build_bundle`, `_checked`)."""
    entries: list[dict[str, Any]] = [
        {"fullUrl": full_url("MedicationRequest", m.id), "resource": medication_request_values(recipient, m)}
        for m in medications]
    starts = recording_starts(medications)
    administered: set[str] = set()
    for dose in doses:
        administration = medication_administration_values(recipient, dose, now, starts)
        if administration is not None:
            administered.add(dose.id)
            entries.append({"fullUrl": full_url("MedicationAdministration", dose.id), "resource": administration})
    for event in events:
        resource = care_event_values(recipient, event, frozenset(administered))
        entries.append({"fullUrl": full_url(resource["resourceType"], event.id), "resource": resource})
    return {"resourceType": "Bundle", "type": "collection", "timestamp": _instant(now), "entry": entries}


def build_bundle(recipient: Recipient, medications: Sequence[Medication], doses: Sequence[Dose],
                 now: datetime, events: Sequence[CareEvent] = ()) -> Bundle:
    """The Bundle, every resource validated by fhir.resources."""
    return Bundle.model_validate(bundle_values(recipient, medications, doses, now, events))


RESOURCES: dict[str, type[Any]] = {"MedicationRequest": MedicationRequest,
                                   "MedicationAdministration": MedicationAdministration,
                                   "DetectedIssue": DetectedIssue, "Observation": Observation}


def _shape(value: Any) -> Any:
    """Which keys, nested, a value has (not its values): resources of one shape validate alike."""
    if isinstance(value, dict):
        return tuple(sorted((k, _shape(v)) for k, v in value.items()))
    if isinstance(value, list):
        return ("list", *sorted({repr(_shape(v)) for v in value}))
    return type(value).__name__


def _checked(bundle: dict[str, Any]) -> dict[str, Any]:
    """Validate one resource of each shape with fhir.resources, and the Bundle's own frame.

    Validating and serialising all 700 resources of a 30-day export through pydantic models took ten times
    the CSV export (bench/bench_web.py). Every resource here is built by the functions above from the same
    few templates, and only its values (ids, instants, names, all formatted by this module) differ; what can
    be wrong is the shape, so the first resource of each shape is validated, and the Bundle frame with it.
    """
    seen: set[Any] = set()
    first: list[dict[str, Any]] = []
    for entry in bundle["entry"]:
        resource = entry["resource"]
        key = (resource["resourceType"], _shape(resource))
        if key not in seen:
            seen.add(key)
            RESOURCES[resource["resourceType"]].model_validate(resource)
            first.append(entry)
    Bundle.model_validate({**bundle, "entry": first})
    return bundle


def export_fhir(store: Store, recipient: Recipient, start_day: date, end_day: date, now: datetime) -> str:
    """The Bundle as FHIR JSON (application/fhir+json)."""
    meds, doses = doses_in_range(store, recipient, start_day, end_day)
    events = events_in_range(store, recipient, start_day, end_day)
    return json.dumps(_checked(bundle_values(recipient, meds, doses, now, events)), separators=(",", ":"),
                      ensure_ascii=False)
