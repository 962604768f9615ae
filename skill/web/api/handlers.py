"""What each API operation does, once the request is authenticated and its input validated.

Access rule for every recipient-scoped route: a recipient the caller may not view is answered 404 exactly
as a recipient that does not exist (no probing for ids across carers or organisations); one they may view
but not edit (a coordinator) gets 403 on writes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from flask import Response, url_for

from skill.domain.accounts import User
from skill.domain.actors import Actor
from skill.domain.models import LogSource, Medication, Recipient, new_id
from skill.exports import csv_export, ical
from skill.reports.adherence import recipient_summary, recording_starts
from skill.store.base import Store
from skill.usecases import care_plan, contacts, dose_log, exports
from skill.usecases.access import recipient_for, visible_recipients
from skill.usecases.cohort import CohortQuery, cohort_page
from skill.usecases.errors import NotFound
from skill.web.api import convert
from skill.web.api import models as m

FUTURE_TOLERANCE = timedelta(minutes=2)  # clock skew between a phone and the server


class ApiError(Exception):
    def __init__(self, status: int, error: str, message: str, fields: list[m.FieldError] | None = None) -> None:
        super().__init__(message)
        self.status, self.error, self.message, self.fields = status, error, message, fields or []


def api_actor(user: User) -> Actor:
    return Actor.of_user(user, LogSource.API)


def not_found(what: str = "resource") -> ApiError:
    return ApiError(404, "not_found", f"no such {what}")


@dataclass(frozen=True)
class Call:
    user: User | None
    query: Any = None
    body: Any = None

    @property
    def who(self) -> User:
        assert self.user is not None  # public operations never ask
        return self.user


Result = tuple[Any, int] | Response


class Handlers:
    def __init__(self, store: Store, clock: Callable[[], datetime]) -> None:
        self.store, self.clock = store, clock

    # -- access -------------------------------------------------------------------------------------
    def visible(self, user: User, recipient_id: str) -> Recipient:
        return recipient_for(self.store, api_actor(user), recipient_id)

    def editable(self, user: User, recipient_id: str) -> Recipient:
        return recipient_for(self.store, api_actor(user), recipient_id, edit=True)

    def visible_recipients(self, user: User) -> list[Recipient]:
        return visible_recipients(self.store, api_actor(user))

    def medication(self, recipient: Recipient, medication_id: str) -> Medication:
        for med in self.store.list_medications(recipient.id, include_stopped=True):
            if med.id == medication_id:
                return med
        raise not_found("medication")

    # -- recipients ---------------------------------------------------------------------------------
    def list_recipients(self, call: Call) -> Result:
        return m.RecipientList(items=[convert.recipient_out(r) for r in self.visible_recipients(call.who)]), 200

    def get_recipient(self, call: Call, recipient_id: str) -> Result:
        return convert.recipient_out(self.visible(call.who, recipient_id)), 200

    # -- medications --------------------------------------------------------------------------------
    def list_medications(self, call: Call, recipient_id: str) -> Result:
        recipient = self.visible(call.who, recipient_id)
        meds = self.store.list_medications(recipient.id, include_stopped=True)
        return m.MedicationList(items=[convert.medication_out(x) for x in meds]), 200

    def get_medication(self, call: Call, recipient_id: str, medication_id: str) -> Result:
        recipient = self.visible(call.who, recipient_id)
        return convert.medication_out(self.medication(recipient, medication_id)), 200

    def _build(self, body: m.MedicationIn, recipient: Recipient, base: Medication | None) -> Medication:
        values = dict(name=body.name, also_called=tuple(body.also_called), schedule=body.schedule.to_domain(),
                      dose_text=body.dose_text, instructions=body.instructions, pill_count=body.pill_count,
                      refill_threshold=body.refill_threshold, pills_per_dose=body.pills_per_dose,
                      taken_before_entry=body.taken_before_entry)
        if base is None:
            return Medication(id=new_id("med"), recipient_id=recipient.id, **values)  # type: ignore[arg-type]
        return replace(base, active=True, **values)  # type: ignore[arg-type]

    def create_medication(self, call: Call, recipient_id: str) -> Result:
        recipient = self.editable(call.who, recipient_id)
        med = care_plan.add_medication(self.store, api_actor(call.who), self.clock(),
                                       self._build(call.body, recipient, None))
        return convert.medication_out(med), 201

    def update_medication(self, call: Call, recipient_id: str, medication_id: str) -> Result:
        recipient = self.editable(call.who, recipient_id)
        before = self.medication(recipient, medication_id)
        med = care_plan.change_medication(self.store, api_actor(call.who), self.clock(),
                                          self._build(call.body, recipient, before))
        return convert.medication_out(med), 200

    def stop_medication(self, call: Call, recipient_id: str, medication_id: str) -> Result:
        recipient = self.editable(call.who, recipient_id)
        before = self.medication(recipient, medication_id)
        med = care_plan.stop_medication(self.store, api_actor(call.who), self.clock(), recipient.id, before.id)
        return convert.medication_out(med), 200

    # -- doses --------------------------------------------------------------------------------------
    def list_doses(self, call: Call, recipient_id: str) -> Result:
        recipient = self.visible(call.who, recipient_id)
        meds, doses = csv_export.doses_in_range(self.store, recipient, call.query.start, call.query.end)
        now, starts = self.clock(), recording_starts(meds)
        return m.DoseList(items=[convert.dose_out(d, recipient, now, starts) for d in doses]), 200

    def log_dose(self, call: Call, recipient_id: str, dose_id: str) -> Result:
        """201 when this call logged the dose; 200 with `applied: false` and the earlier log when it was
        already logged (retrying is safe: never a doubled dose). Naming the dose confirms it: a dose logged
        ahead of its time is recorded with an `early` warning."""
        body: m.DoseLogIn = call.body
        result = dose_log.log_doses(self.store, api_actor(call.who), self.clock(), recipient_id, [dose_id],
                                    at=body.at, skip=body.action == "skipped")
        return self.log_answer(result)

    def log_medication(self, call: Call, recipient_id: str, medication_id: str) -> Result:
        """Log "I took it" for a medicine rather than a dose id: the dose is chosen as the voice skill
        chooses it (the due dose nearest the time taken), so an as-needed medicine can be logged too.

        Beyond the carer's as-needed limits the dose is still recorded (the truth is kept), with a warning, and
        the contacts are alerted. A repeat of the same report is 200 with `applied: false`; a scheduled dose
        not due yet is 409 until `confirm` is true."""
        body: m.DoseLogIn = call.body
        result = dose_log.log_medicine(self.store, api_actor(call.who), self.clock(), recipient_id, medication_id,
                                       at=body.at, count=body.count, skip=body.action == "skipped",
                                       confirm=body.confirm)
        return self.log_answer(result)

    def log_answer(self, result: dose_log.LogResult) -> Result:
        recipient, now = result.recipient, self.clock()
        earlier = [d.id for d in result.earlier_open]
        if result.logged:
            done = result.logged[0]
            return m.DoseLogOut(applied=True, dose=convert.dose_out(done.dose, recipient, now),
                                pills_left=done.pills_left, warnings=[w.value for w in result.warnings],
                                safety_event_id=result.safety.id if result.safety else None,
                                earlier_open=earlier), 201
        if result.already:
            return m.DoseLogOut(applied=False, dose=convert.dose_out(result.already[0], recipient, now),
                                earlier_open=earlier), 200
        if result.kind is dose_log.LogKind.CONFIRM_EARLY:
            due = result.to_confirm[0].scheduled_local.isoformat()
            raise ApiError(409, "needs_confirmation", f"the dose is not due until {due}: send confirm=true to "
                                                      "record it as taken early")
        raise invalid("at", "is not near a dose of this medicine: none is due then")

    # -- contacts -----------------------------------------------------------------------------------
    def list_contacts(self, call: Call, recipient_id: str) -> Result:
        recipient = self.visible(call.who, recipient_id)
        return m.ContactList(items=[convert.contact_out(c) for c in self.store.list_contacts(recipient.id)]), 200

    def create_contact(self, call: Call, recipient_id: str) -> Result:
        recipient = self.editable(call.who, recipient_id)
        draft = convert.contact_in(call.body, recipient.id, new_id("con"))
        contact = contacts.add_contact(self.store, api_actor(call.who), self.clock(), draft)
        return convert.contact_out(contact), 201

    def delete_contact(self, call: Call, recipient_id: str, contact_id: str) -> Result:
        contacts.remove_contact(self.store, api_actor(call.who), self.clock(), recipient_id, contact_id)
        return Response(status=204)

    # -- reports ------------------------------------------------------------------------------------
    def summary(self, call: Call, recipient_id: str) -> Result:
        recipient = self.visible(call.who, recipient_id)
        summary = recipient_summary(self.store, recipient, self.clock(), days=call.query.days)
        return convert.summary_out(summary), 200

    def cohort(self, call: Call) -> Result:
        q: m.CohortQuery = call.query
        query = CohortQuery(below=q.below, sort=q.sort, descending=q.descending, offset=q.offset, limit=q.limit)
        page = cohort_page(self.store, api_actor(call.who), self.clock(), query)  # from rollups
        return m.CohortPage(total=page.total, items=[convert.cohort_out(r) for r in page.rows]), 200

    # -- exports ------------------------------------------------------------------------------------
    def export_csv(self, call: Call, recipient_id: str) -> Result:
        out = exports.export_doses(self.store, api_actor(call.who), self.clock(), recipient_id, call.query.start,
                                   call.query.end, exports.ExportFormat.CSV)
        return Response(out.body, mimetype=out.mimetype, headers={
            "Content-Disposition": f'attachment; filename="doses-{_stamp(call.query.start, call.query.end)}.csv"'})

    def export_fhir(self, call: Call, recipient_id: str) -> Result:
        out = exports.export_doses(self.store, api_actor(call.who), self.clock(), recipient_id, call.query.start,
                                   call.query.end, exports.ExportFormat.FHIR)
        return Response(out.body, mimetype=out.mimetype)

    def feed_status(self, call: Call, recipient_id: str) -> Result:
        created = exports.feed_created(self.store, api_actor(call.who), recipient_id)
        return m.FeedStatus(active=created is not None, created_at=created), 200

    def create_feed(self, call: Call, recipient_id: str) -> Result:
        now = self.clock()
        token = exports.create_feed(self.store, api_actor(call.who), now, recipient_id)
        url = url_for(".feed_calendar", token=token, _external=True)
        return m.FeedOut(url=url, created_at=now), 201

    def revoke_feed(self, call: Call, recipient_id: str) -> Result:
        try:
            exports.revoke_feed(self.store, api_actor(call.who), self.clock(), recipient_id)
        except NotFound as exc:
            raise not_found(exc.what) from None
        return Response(status=204)

    def feed_calendar(self, call: Call, token: str) -> Result:
        recipient_id = self.store.recipient_for_feed_token(ical.hash_feed_token(token))
        recipient = self.store.get_recipient(recipient_id) if recipient_id else None
        if recipient is None:
            raise not_found("calendar feed")
        body = ical.render_ical(recipient, self.store.list_medications(recipient.id))
        return Response(body, mimetype="text/calendar", headers={"Cache-Control": "private, max-age=300"})


def invalid(field: str, reason: str, location: str = "body") -> ApiError:
    return ApiError(422, "invalid_input", f"{field} {reason}",
                    [m.FieldError(field=field, location=location, reason=reason)])  # type: ignore[arg-type]


def _stamp(start: date, end: date) -> str:
    return f"{start.isoformat()}-{end.isoformat()}"
