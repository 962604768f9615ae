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

from skill import care_plan
from skill.accounts.access import can_edit, can_see_cohort, can_view
from skill.accounts.audit import contact_record, record_change
from skill.domain.accounts import User
from skill.domain.models import Dose, LogSource, Medication, Recipient, new_id
from skill.doses import (
    EARLY_WINDOW,
    LogTarget,
    as_needed_dose,
    choose_dose_to_log,
    log_dose,
    merge_doses,
)
from skill.exports import csv_export, fhir, ical
from skill.reports.adherence import recipient_summary
from skill.reports.cohort_cache import CohortCache
from skill.schedules import day_window
from skill.store.base import Store
from skill.web.api import convert
from skill.web.api import models as m

FUTURE_TOLERANCE = timedelta(minutes=2)  # clock skew between a phone and the server


class ApiError(Exception):
    def __init__(self, status: int, error: str, message: str, fields: list[m.FieldError] | None = None) -> None:
        super().__init__(message)
        self.status, self.error, self.message, self.fields = status, error, message, fields or []


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
        self.cohorts = CohortCache()  # paging, sorting and filtering reuse one computation for a minute

    # -- access -------------------------------------------------------------------------------------
    def visible(self, user: User, recipient_id: str) -> Recipient:
        recipient = self.store.get_recipient(recipient_id)
        if recipient is None or not can_view(user, recipient):
            raise not_found("recipient")
        return recipient

    def editable(self, user: User, recipient_id: str) -> Recipient:
        recipient = self.visible(user, recipient_id)
        if not can_edit(user, recipient):
            raise ApiError(403, "forbidden", "you may view this recipient but not change it")
        return recipient

    def visible_recipients(self, user: User) -> list[Recipient]:
        found = {r.id: r for r in self.store.list_recipients(user.organisation)}
        for rid in user.recipient_ids:
            if rid not in found and (r := self.store.get_recipient(rid)) is not None:
                found[rid] = r
        mine = [r for r in found.values() if can_view(user, r)]
        return sorted(mine, key=lambda r: (r.display_name.casefold(), r.id))

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
                      refill_threshold=body.refill_threshold, pills_per_dose=body.pills_per_dose)
        if base is None:
            return Medication(id=new_id("med"), recipient_id=recipient.id, **values)  # type: ignore[arg-type]
        return replace(base, active=True, **values)  # type: ignore[arg-type]

    def create_medication(self, call: Call, recipient_id: str) -> Result:
        recipient = self.editable(call.who, recipient_id)
        med = self._build(call.body, recipient, None)
        self.save_medication(call.who, recipient, None, med, "create")
        return convert.medication_out(med), 201

    def update_medication(self, call: Call, recipient_id: str, medication_id: str) -> Result:
        recipient = self.editable(call.who, recipient_id)
        before = self.medication(recipient, medication_id)
        med = self._build(call.body, recipient, before)
        self.save_medication(call.who, recipient, before, med, "update")
        return convert.medication_out(med), 200

    def stop_medication(self, call: Call, recipient_id: str, medication_id: str) -> Result:
        recipient = self.editable(call.who, recipient_id)
        before = self.medication(recipient, medication_id)
        med = before.stopped()
        self.save_medication(call.who, recipient, before, med, "stop")
        return convert.medication_out(med), 200

    def save_medication(self, user: User, recipient: Recipient, before: Medication | None, med: Medication,
                        action: str) -> None:
        care_plan.save_medication(self.store, user, recipient, before, med, action, self.clock())

    # -- doses --------------------------------------------------------------------------------------
    def list_doses(self, call: Call, recipient_id: str) -> Result:
        recipient = self.visible(call.who, recipient_id)
        _, doses = csv_export.doses_in_range(self.store, recipient, call.query.start, call.query.end)
        now = self.clock()
        return m.DoseList(items=[convert.dose_out(d, recipient, now) for d in doses]), 200

    def log_dose(self, call: Call, recipient_id: str, dose_id: str) -> Result:
        """201 when this call logged the dose; 200 with `applied: false` and the earlier log when it was
        already logged (retrying is safe: never a doubled dose)."""
        recipient = self.editable(call.who, recipient_id)
        medication_id, _, stamp = dose_id.rpartition("@")
        try:
            nominal = datetime.strptime(stamp, "%Y%m%dT%H%M")
        except ValueError:
            raise not_found("dose") from None
        med = self.medication(recipient, medication_id)
        start = day_window(nominal.date() - timedelta(days=1), recipient.tz)[0]
        end = day_window(nominal.date() + timedelta(days=1), recipient.tz)[1]
        doses = merge_doses(recipient, [med], self.store.list_doses(recipient.id, start, end), start, end)
        dose = next((d for d in doses if d.id == dose_id), None)
        if dose is None:
            raise not_found("dose")
        now = self.clock()
        body: m.DoseLogIn = call.body
        at = body.at or now
        if at > now + FUTURE_TOLERANCE:
            raise invalid("at", "is in the future")
        if not dose.is_logged and at < dose.scheduled_utc - EARLY_WINDOW:
            raise invalid("at", f"is too early: this dose may be logged from "
                                f"{(dose.scheduled_utc - EARLY_WINDOW).isoformat()}")
        outcome = log_dose(self.store, recipient, med, dose, at, LogSource.API, skip=body.action == "skipped")
        out = m.DoseLogOut(applied=outcome.applied, dose=convert.dose_out(outcome.dose, recipient, now),
                           pills_left=outcome.pills_left)
        return out, 201 if outcome.applied else 200

    def log_medication(self, call: Call, recipient_id: str, medication_id: str) -> Result:
        """Log "I took it" for a medicine rather than a dose id: the dose is chosen as the voice skill
        chooses it, so an as-needed medicine (whose dose exists only once logged) can be logged too.

        The carer's as-needed limits are enforced (422 saying until when); a repeat of the same log is 200
        with `applied: false`, as for a dose."""
        recipient = self.editable(call.who, recipient_id)
        med = self.medication(recipient, medication_id)
        body: m.DoseLogIn = call.body
        now = self.clock()
        at = body.at or now
        if at > now + FUTURE_TOLERANCE:
            raise invalid("at", "is in the future")
        if not med.active:
            raise invalid("medication_id", "is a stopped medicine", location="path")
        skip = body.action == "skipped"
        if skip and med.schedule.as_needed:
            raise invalid("action", "skipped is for scheduled doses: an as-needed medicine is only logged when taken")
        doses = self.doses_around(recipient, med, at)
        if med.schedule.as_needed:
            repeat = next((d for d in doses if d.id == as_needed_dose(recipient, med, at).id and d.is_logged), None)
            if repeat is not None:
                return m.DoseLogOut(applied=False, dose=convert.dose_out(repeat, recipient, now)), 200
        target = choose_dose_to_log(recipient, med, doses, at)
        if target.dose is None:
            if target.reason == "already_logged" and target.last_logged is not None:
                return m.DoseLogOut(applied=False, dose=convert.dose_out(target.last_logged, recipient, now)), 200
            raise invalid("at", refusal(target, recipient))
        outcome = log_dose(self.store, recipient, med, target.dose, at, LogSource.API, skip=skip)
        out = m.DoseLogOut(applied=outcome.applied, dose=convert.dose_out(outcome.dose, recipient, now),
                           pills_left=outcome.pills_left)
        return out, 201 if outcome.applied else 200

    def doses_around(self, recipient: Recipient, med: Medication, at: datetime) -> list[Dose]:
        """`at`'s local day and the next (as the CLI reads), reaching back over an as-needed interval."""
        local_day = at.astimezone(recipient.tz).date()
        start = day_window(local_day, recipient.tz)[0]
        if med.schedule.min_interval_minutes:
            start = min(start, at - timedelta(minutes=med.schedule.min_interval_minutes))
        end = day_window(local_day + timedelta(days=1), recipient.tz)[1]
        return merge_doses(recipient, [med], self.store.list_doses(recipient.id, start, end), start, end)

    # -- contacts -----------------------------------------------------------------------------------
    def list_contacts(self, call: Call, recipient_id: str) -> Result:
        recipient = self.visible(call.who, recipient_id)
        return m.ContactList(items=[convert.contact_out(c) for c in self.store.list_contacts(recipient.id)]), 200

    def create_contact(self, call: Call, recipient_id: str) -> Result:
        recipient = self.editable(call.who, recipient_id)
        contact = convert.contact_in(call.body, recipient.id, new_id("con"))
        self.store.put_contact(contact)
        record_change(self.store, call.who, recipient.id, "contact", "create", None, contact_record(contact),
                      self.clock())
        return convert.contact_out(contact), 201

    def delete_contact(self, call: Call, recipient_id: str, contact_id: str) -> Result:
        recipient = self.editable(call.who, recipient_id)
        contact = next((c for c in self.store.list_contacts(recipient.id) if c.id == contact_id), None)
        if contact is None or not self.store.delete_contact(recipient.id, contact_id):
            raise not_found("contact")
        record_change(self.store, call.who, recipient.id, "contact", "delete", contact_record(contact), None,
                      self.clock())
        return Response(status=204)

    # -- reports ------------------------------------------------------------------------------------
    def summary(self, call: Call, recipient_id: str) -> Result:
        recipient = self.visible(call.who, recipient_id)
        summary = recipient_summary(self.store, recipient, self.clock(), days=call.query.days)
        return convert.summary_out(summary), 200

    def cohort(self, call: Call) -> Result:
        query: m.CohortQuery = call.query
        if not can_see_cohort(call.who):
            raise ApiError(403, "forbidden", "the cohort table is for coordinators")
        rows = self.cohorts.rows(self.store, self.visible_recipients(call.who), self.clock())
        if query.below is not None:
            limit = query.below / 100
            rows = [r for r in rows if r.adherence_30 is not None and r.adherence_30 < limit]
        if query.sort == "name":
            rows.sort(key=lambda r: (r.display_name.casefold(), r.recipient_id), reverse=query.descending)
        else:
            present = [r for r in rows if getattr(r, query.sort) is not None]
            absent = [r for r in rows if getattr(r, query.sort) is None]
            present.sort(key=lambda r: getattr(r, query.sort), reverse=query.descending)
            rows = present + absent  # "no data" always last, whichever way the column is sorted
        page = rows[query.offset:query.offset + query.limit]
        return m.CohortPage(total=len(rows), items=[convert.cohort_out(r) for r in page]), 200

    # -- exports ------------------------------------------------------------------------------------
    def export_csv(self, call: Call, recipient_id: str) -> Result:
        recipient = self.visible(call.who, recipient_id)
        text = csv_export.export_csv(self.store, recipient, call.query.start, call.query.end, self.clock())
        return Response(text, mimetype="text/csv", headers={
            "Content-Disposition": f'attachment; filename="doses-{_stamp(call.query.start, call.query.end)}.csv"'})

    def export_fhir(self, call: Call, recipient_id: str) -> Result:
        recipient = self.visible(call.who, recipient_id)
        text = fhir.export_fhir(self.store, recipient, call.query.start, call.query.end, self.clock())
        return Response(text, mimetype="application/fhir+json")

    def feed_status(self, call: Call, recipient_id: str) -> Result:
        recipient = self.visible(call.who, recipient_id)
        created = self.store.feed_token_created(recipient.id)
        return m.FeedStatus(active=created is not None, created_at=created), 200

    def create_feed(self, call: Call, recipient_id: str) -> Result:
        recipient = self.editable(call.who, recipient_id)
        token, now = ical.new_feed_token(), self.clock()
        self.store.put_feed_token(recipient.id, ical.hash_feed_token(token), now)
        url = url_for(".feed_calendar", token=token, _external=True)
        return m.FeedOut(url=url, created_at=now), 201

    def revoke_feed(self, call: Call, recipient_id: str) -> Result:
        recipient = self.editable(call.who, recipient_id)
        if not self.store.revoke_feed_token(recipient.id):
            raise not_found("calendar feed")
        return Response(status=204)

    def feed_calendar(self, call: Call, token: str) -> Result:
        recipient_id = self.store.recipient_for_feed_token(ical.hash_feed_token(token))
        recipient = self.store.get_recipient(recipient_id) if recipient_id else None
        if recipient is None:
            raise not_found("calendar feed")
        body = ical.render_ical(recipient, self.store.list_medications(recipient.id))
        return Response(body, mimetype="text/calendar", headers={"Cache-Control": "private, max-age=300"})


def refusal(target: LogTarget, recipient: Recipient) -> str:
    """Why nothing was logged, in words a carer's app can show as they are."""
    until = target.next_allowed_at.astimezone(recipient.tz).isoformat() if target.next_allowed_at else ""
    if target.reason == "as_needed_too_soon":
        return f"is too soon after the last dose: the minimum interval allows the next one from {until}"
    if target.reason == "as_needed_daily_max":
        return f"would go over the most doses a day: the next one is allowed from {until}"
    if target.reason == "too_early":
        return "is too early: no dose of this medicine is due yet"
    return "is not near a dose of this medicine: none is due that day"


def invalid(field: str, reason: str, location: str = "body") -> ApiError:
    return ApiError(422, "invalid_input", f"{field} {reason}",
                    [m.FieldError(field=field, location=location, reason=reason)])  # type: ignore[arg-type]


def _stamp(start: date, end: date) -> str:
    return f"{start.isoformat()}-{end.isoformat()}"
