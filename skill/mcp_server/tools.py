"""What each MCP tool does, as plain functions over (store, caller, now): no SDK, no HTTP, easy to test.

Every rule is the use-case layer's: which dose a report means, "already taken at ...", an early dose only
once confirmed, an as-needed report over the carer's limit recorded with a warning and a safety alert. A
tool never refuses what a person truly took; it says what was recorded and why, so the model has nothing
to decide. Results name only people this caller may see (`caller.person_for`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from skill.assist.pending import PendingQuestions
from skill.assist.turn import Said, answer
from skill.conversation.catalog import Catalog
from skill.conversation.replies import REPLIES
from skill.conversation.utterance import SlotValue
from skill.domain.events import EventKind
from skill.domain.models import Dose, Medication, Recipient
from skill.doses import EARLY_WINDOW
from skill.mcp_server.caller import Caller, people_of, person_for
from skill.reports.adherence import Outcome, classify, recipient_summary, recording_starts
from skill.store.base import Store
from skill.usecases.access import recipient_for
from skill.usecases.dose_log import LogKind, LogResult, Warning, log_medicine
from skill.usecases.errors import Invalid
from skill.usecases.reading import doses_between, doses_on
from skill.usecases.safety import report_safety

Result = dict[str, Any]
SPOKEN_KINDS = (EventKind.DOUBLE_DOSE, EventKind.WRONG_MEDICINE, EventKind.DROPPED_DOSE, EventKind.FEELING_UNWELL)
MAX_DETAIL = 200  # a safety note is for the carer to read, not a transcript
MAX_DAYS = 90
MAX_SLOTS = 12
MAX_SLOT_TEXT = 200


# -- shaping ------------------------------------------------------------------------------------------------
def _time(value: datetime | None, recipient: Recipient) -> str | None:
    return value.astimezone(recipient.tz).isoformat(timespec="minutes") if value is not None else None


def _dose(dose: Dose, recipient: Recipient) -> Result:
    return {"dose_id": dose.id, "medicine": dose.medication_name, "due": _time(dose.scheduled_utc, recipient),
            "status": dose.status.value, "taken_at": _time(dose.logged_at, recipient), "quantity": dose.quantity}


def _medicine(store: Store, recipient: Recipient, reference: str) -> Medication:
    """By id, by name or by what the person calls it (any case): the model passes what it heard."""
    meds = store.list_medications(recipient.id)
    wanted = " ".join(reference.split()).casefold()
    for med in meds:
        if med.id == reference or med.name.casefold() == wanted or wanted in (a.casefold() for a in med.also_called):
            return med
    raise Invalid("medicine", f"matches none of this person's medicines: {', '.join(m.name for m in meds) or 'none'}")


def _person(store: Store, caller: Caller, person_id: str | None) -> Recipient:
    return person_for(store, caller, person_id)


def _days(days: int) -> int:
    if not 1 <= days <= MAX_DAYS:
        raise Invalid("days", f"must be between 1 and {MAX_DAYS}")
    return days


# -- the person's tools --------------------------------------------------------------------------------------
def list_people(store: Store, caller: Caller) -> Result:
    return {"people": [{"person_id": r.id, "name": r.display_name, "timezone": r.timezone}
                       for r in people_of(store, caller)]}


def whats_due(store: Store, caller: Caller, now: datetime, person_id: str | None = None) -> Result:
    """Open scheduled doses of today that are due now or overdue, and those still to come today."""
    recipient = _person(store, caller, person_id)
    as_needed = {m.id for m in store.list_medications(recipient.id) if m.schedule.as_needed}
    today = [d for d in doses_on(store, recipient, now) if d.medication_id not in as_needed and not d.is_logged]
    due = [d for d in today if d.scheduled_utc <= now + EARLY_WINDOW]
    later = [d for d in today if d.scheduled_utc > now + EARLY_WINDOW]
    return {"now": _time(now, recipient), "due_now": [_dose(d, recipient) for d in due],
            "later_today": [_dose(d, recipient) for d in later]}


def log_dose(store: Store, caller: Caller, now: datetime, medicine: str, *, person_id: str | None = None,
             count: int | None = None, taken_at: datetime | None = None, confirm: bool = False) -> Result:
    caller.require_write()
    recipient = _person(store, caller, person_id)
    med = _medicine(store, recipient, medicine)
    result = log_medicine(store, caller.actor, now, recipient.id, med.id, at=taken_at, count=count, confirm=confirm)
    return _log_answer(result, recipient)


_LOG_MEANING = {
    LogKind.LOGGED: "recorded",
    LogKind.ALREADY: "already taken: nothing new was recorded (a dose is never recorded twice)",
    LogKind.CONFIRM_EARLY: "not due yet: nothing recorded. Ask the person whether they really took it now; if they "
                           "did, call log_dose again with confirm=true",
    LogKind.CONFIRM_EXTRA: "an as-needed dose was recorded moments ago: nothing new recorded. Ask whether this is "
                           "another one; if it is, call log_dose again with confirm=true",
    LogKind.NOTHING_DUE: "no dose of this medicine is due near now: nothing recorded",
    LogKind.NO_SUCH_TIME: "no doses at that time of day: nothing recorded",
}
_WARNINGS = {
    Warning.EARLY: "taken before it was due",
    Warning.TOO_SOON: "sooner after the last one than the carer's minimum interval",
    Warning.OVER_DAILY_MAX: "more today than the carer's daily maximum",
    Warning.MORE_THAN_PLANNED: "more than the planned dose",
}


def _log_answer(result: LogResult, recipient: Recipient) -> Result:
    say = Catalog(recipient.locale)
    answer: Result = {
        "outcome": result.kind.value,
        "meaning": _LOG_MEANING[result.kind],
        "recorded": [{**_dose(item.dose, recipient), "pills_left": item.pills_left} for item in result.logged],
        "already_taken": [_dose(d, recipient) for d in result.already],
        "to_confirm": [_dose(d, recipient) for d in result.to_confirm],
        "earlier_still_open": [_dose(d, recipient) for d in result.earlier_open],
        "warnings": [{"warning": w.value, "meaning": _WARNINGS[w]} for w in result.warnings],
    }
    if result.previous_taken_at is not None:
        answer["previous_taken_at"] = _time(result.previous_taken_at, recipient)
    if result.allowed_from is not None:
        answer["carer_interval_allows_from"] = _time(result.allowed_from, recipient)
    if result.safety is not None:
        answer["safety_event"] = {"kind": result.safety.kind.value, "carers_alerted": True}
        answer["say"] = f"{say('safety.told_carer')} {say('safety.signpost')}"
    return answer


def did_i_take(store: Store, caller: Caller, now: datetime, medicine: str | None = None,
               person_id: str | None = None) -> Result:
    recipient = _person(store, caller, person_id)
    wanted = _medicine(store, recipient, medicine).id if medicine else None
    today = [d for d in doses_on(store, recipient, now) if wanted is None or d.medication_id == wanted]
    return {"day": now.astimezone(recipient.tz).date().isoformat(),
            "taken": [_dose(d, recipient) for d in today if d.status.is_taken],
            "skipped": [_dose(d, recipient) for d in today if d.is_logged and not d.status.is_taken],
            "not_taken_yet": [_dose(d, recipient) for d in today if not d.is_logged and d.scheduled_utc <= now]}


def next_dose(store: Store, caller: Caller, now: datetime, medicine: str | None = None,
              person_id: str | None = None) -> Result:
    recipient = _person(store, caller, person_id)
    wanted = _medicine(store, recipient, medicine).id if medicine else None
    ahead = [d for d in doses_between(store, recipient, now, now + timedelta(days=2))
             if not d.is_logged and d.scheduled_utc > now and (wanted is None or d.medication_id == wanted)]
    if not ahead:
        return {"next": None}
    first = min(d.scheduled_utc for d in ahead)
    return {"next": [_dose(d, recipient) for d in ahead if d.scheduled_utc == first]}


def report_safety_moment(store: Store, caller: Caller, now: datetime, kind: str, *, medicine: str | None = None,
                         detail: str = "", person_id: str | None = None) -> Result:
    """Recorded as a care event and every contact alerted at once; the answer is the catalog's signpost."""
    caller.require_write()
    try:
        event_kind = EventKind(kind)
    except ValueError:
        raise Invalid("kind", f"must be one of {', '.join(k.value for k in SPOKEN_KINDS)}") from None
    if event_kind not in SPOKEN_KINDS:
        raise Invalid("kind", f"must be one of {', '.join(k.value for k in SPOKEN_KINDS)}")
    recipient = _person(store, caller, person_id)
    recipient = recipient_for(store, caller.actor, recipient.id, edit=True, known=recipient)
    med = _medicine(store, recipient, medicine) if medicine else None
    event = report_safety(store, caller.actor, recipient, event_kind, now, medication=med,
                          detail=" ".join(detail.split())[:MAX_DETAIL])
    say = Catalog(recipient.locale)
    return {"recorded": event.kind.value, "at": _time(event.at, recipient), "carers_alerted": True,
            "say": " ".join((say(f"safety.{event.kind.value}"), say("safety.told_carer"), say("safety.signpost")))}


def pills_left(store: Store, caller: Caller, medicine: str | None = None, person_id: str | None = None) -> Result:
    recipient = _person(store, caller, person_id)
    meds = [_medicine(store, recipient, medicine)] if medicine else store.list_medications(recipient.id)
    return {"medicines": [{"medicine": m.name, "pills_left": m.pill_count, "counted": m.pill_count is not None,
                           "running_low": m.pill_count is not None and m.refill_threshold is not None
                           and m.pill_count <= m.refill_threshold} for m in meds]}


def converse(store: Store, caller: Caller, now: datetime, pending: PendingQuestions, intent: str,
             slots: dict[str, str] | None = None, *, conversation: str = "default",
             person_id: str | None = None) -> Result:
    """The person's words, answered by the same dialogue as Alexa and Home Assistant (`replies.REPLIES`), so
    every conversation rule holds here too. The question asked is kept per caller and conversation (bounded,
    expiring), so a "yes" next call means exactly what was asked, and never another caller's question."""
    caller.require_write()  # any turn may record ("yes" to a question): a read-only link cannot converse
    if intent not in REPLIES:
        raise Invalid("intent", f"must be one of {', '.join(sorted(REPLIES))}")
    raw = slots or {}
    if len(raw) > MAX_SLOTS or any(len(str(v)) > MAX_SLOT_TEXT for v in raw.values()):
        raise Invalid("slots", f"at most {MAX_SLOTS} slots of at most {MAX_SLOT_TEXT} characters")
    if len(conversation) > MAX_SLOT_TEXT:
        raise Invalid("conversation", f"must be at most {MAX_SLOT_TEXT} characters")
    recipient = _person(store, caller, person_id)
    heard = {name: SlotValue(heard=" ".join(str(v).split())) for name, v in raw.items() if str(v).strip()}
    # keyed by who holds the token too: two assistants on one person never answer each other's question
    key = f"{caller.access.client_id}/{caller.access.user_id}/{conversation}"
    reply = answer(store, pending, recipient.id, Said(intent, heard, key), now)
    if reply is None:
        raise Invalid("person_id", "this person no longer exists")
    return {"say": reply.speech, "end": reply.end, "reprompt": reply.reprompt, "conversation": conversation}


# -- a carer's tools -----------------------------------------------------------------------------------------
def todays_status(store: Store, caller: Caller, now: datetime, person_id: str | None = None) -> Result:
    caller.require_carer()
    recipient = _person(store, caller, person_id)
    meds = store.list_medications(recipient.id, include_stopped=True)
    starts = recording_starts(meds)
    as_needed = {m.id for m in meds if m.schedule.as_needed}
    rows = []
    for dose in doses_on(store, recipient, now):
        outcome = "as_needed" if dose.medication_id in as_needed else classify(dose, recipient.grace, now, starts).value
        rows.append({**_dose(dose, recipient), "outcome": outcome})
    return {"person_id": recipient.id, "name": recipient.display_name, "now": _time(now, recipient), "doses": rows}


def missed_doses(store: Store, caller: Caller, now: datetime, person_id: str | None = None, days: int = 7) -> Result:
    caller.require_carer()
    recipient = _person(store, caller, person_id)
    meds = store.list_medications(recipient.id, include_stopped=True)
    starts = recording_starts(meds)
    scheduled = {m.id for m in meds if not m.schedule.as_needed}
    start = now - timedelta(days=_days(days))
    missed = [d for d in doses_between(store, recipient, start, now)
              if d.medication_id in scheduled and classify(d, recipient.grace, now, starts) is Outcome.MISSED]
    return {"person_id": recipient.id, "days": days, "missed": [_dose(d, recipient) for d in missed]}


def adherence_summary(store: Store, caller: Caller, now: datetime, person_id: str | None = None,
                      days: int = 30) -> Result:
    caller.require_carer()
    recipient = _person(store, caller, person_id)
    summary = recipient_summary(store, recipient, now, _days(days))

    def counts(c: Any) -> Result:
        return {"on_time": c.on_time, "late": c.late, "missed": c.missed, "skipped": c.skipped,
                "adherence": None if c.adherence is None else round(c.adherence, 3)}

    return {"person_id": recipient.id, "days": summary.days, "from": _time(summary.start, recipient),
            "overall": counts(summary.counts),
            "proportion_of_days_covered": None if summary.pdc is None else round(summary.pdc, 3),
            "by_medicine": [{"medicine": m.medication_name, **counts(m.counts)} for m in summary.by_medication],
            "definitions": "adherence = (on time + late) / (on time + late + missed); skipped doses are left out"}

