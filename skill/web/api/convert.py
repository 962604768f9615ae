"""Domain records to API response models (and back for contacts), in one place."""

from __future__ import annotations

from datetime import datetime, time

from skill.domain.models import Contact, Dose, Medication, Recipient
from skill.exports.csv_export import report_status
from skill.reports.adherence import CohortRow, Counts, RecipientSummary, RecordingStarts
from skill.web.api import models as m


def recipient_out(r: Recipient) -> m.RecipientOut:
    return m.RecipientOut(id=r.id, display_name=r.display_name, timezone=r.timezone, locale=r.locale,
                          grace_minutes=r.grace_minutes, organisation=r.organisation)


def medication_out(med: Medication) -> m.MedicationOut:
    return m.MedicationOut(id=med.id, recipient_id=med.recipient_id, name=med.name,
                           also_called=list(med.also_called), dose_text=med.dose_text,
                           instructions=med.instructions,
                           schedule=m.ScheduleOut.model_validate(med.schedule.to_dict()),
                           pill_count=med.pill_count, refill_threshold=med.refill_threshold,
                           pills_per_dose=med.pills_per_dose, active=med.active,
                           taken_before_entry=med.taken_before_entry)


def dose_out(dose: Dose, recipient: Recipient, now: datetime, starts: RecordingStarts | None = None) -> m.DoseOut:
    return m.DoseOut(id=dose.id, medication_id=dose.medication_id, medication_name=dose.medication_name,
                     scheduled_local=dose.scheduled_utc.astimezone(recipient.tz), scheduled_utc=dose.scheduled_utc,
                     status=report_status(dose, recipient, now, starts),  # type: ignore[arg-type]
                     logged_at=dose.logged_at, source=dose.source.value if dose.source else None)


def contact_out(c: Contact) -> m.ContactOut:
    quiet = (m.QuietHours(start=c.quiet_hours[0].strftime("%H:%M"), end=c.quiet_hours[1].strftime("%H:%M"))
             if c.quiet_hours else None)
    return m.ContactOut(id=c.id, recipient_id=c.recipient_id, name=c.name, channel=c.channel, address=c.address,
                        quiet_hours=quiet, escalate_after_minutes=c.escalate_after_minutes,
                        name_medicines=c.name_medicines, priority=c.priority)


def contact_in(body: m.ContactIn, recipient_id: str, contact_id: str) -> Contact:
    quiet = ((time.fromisoformat(body.quiet_hours.start), time.fromisoformat(body.quiet_hours.end))
             if body.quiet_hours else None)
    return Contact(id=contact_id, recipient_id=recipient_id, name=body.name, channel=body.channel,
                   address=body.address, quiet_hours=quiet, escalate_after_minutes=body.escalate_after_minutes,
                   name_medicines=body.name_medicines, priority=body.priority)


def counts_out(c: Counts) -> m.CountsOut:
    return m.CountsOut(on_time=c.on_time, late=c.late, missed=c.missed, skipped=c.skipped, not_due=c.not_due,
                       adherence=c.adherence)


def summary_out(s: RecipientSummary) -> m.SummaryOut:
    return m.SummaryOut(recipient_id=s.recipient_id, days=s.days, start=s.start, end=s.end,
                        counts=counts_out(s.counts), pdc=s.pdc, last_activity=s.last_activity,
                        by_medication=[m.MedicationCounts(medication_id=x.medication_id,
                                                          medication_name=x.medication_name,
                                                          counts=counts_out(x.counts)) for x in s.by_medication])


def cohort_out(row: CohortRow) -> m.CohortRowOut:
    return m.CohortRowOut(recipient_id=row.recipient_id, display_name=row.display_name,
                          adherence_7=row.adherence_7, adherence_30=row.adherence_30,
                          adherence_90=row.adherence_90, pdc_30=row.pdc_30, missed_30=row.missed_30,
                          skipped_30=row.skipped_30, trend=row.trend, last_activity=row.last_activity)
