"""Who is told what, and when: escalation tiers, quiet hours, and retry backoff. Pure: no I/O.

* Contacts are told in tiers by `priority` (lowest first). The first tier hears at once; each later tier
  hears `escalate_after` (the smallest set in the tier before it) later, as an escalation, and only if the
  dose is still missed then: logging the dose cancels escalations not yet sent. A tier that sets no
  escalate-after does not hold the next one back, so by default every contact hears at once.
* Quiet hours (read in the recipient's zone) hold an alert until they end; a contact without quiet hours
  is told at any hour.
* A failed attempt is retried with exponential backoff and jitter, so many alerts failing together (an
  SMTP outage) do not all come back in the same second.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, time, timedelta
from itertools import groupby
from zoneinfo import ZoneInfo

from skill.domain.alerts import AlertKind, Message, OutboxItem
from skill.domain.models import Contact, Dose, Medication, Recipient
from skill.notify.texts import word

RETRY_BASE = timedelta(minutes=1)
RETRY_CAP = timedelta(hours=1)
MAX_ATTEMPTS = 10  # about six hours of retries before an alert is given up as failed
SENDING_LEASE = timedelta(minutes=5)  # a claim older than this belonged to a sweep that died
UNKNOWN_OUTCOME_RETRIES = 1  # a send that may have gone is repeated once at most (same message id)
UNKNOWN_OUTCOME_WAIT = timedelta(minutes=5)  # and not before the receiver had time to finish the first


def in_quiet_hours(local: time, quiet: tuple[time, time]) -> bool:
    start, end = quiet
    if start == end:
        return False
    if start < end:
        return start <= local < end
    return local >= start or local < end  # spans midnight, e.g. 22:00-07:00


def release_time(at: datetime, quiet: tuple[time, time] | None, timezone: str) -> datetime:
    """`at`, or the end of the quiet hours it falls in (the next local end time, in UTC)."""
    if quiet is None:
        return at
    tz = ZoneInfo(timezone)
    local = at.astimezone(tz)
    if not in_quiet_hours(local.time().replace(tzinfo=None), quiet):
        return at
    start, end = quiet
    day = local.date()
    if start > end and local.time().replace(tzinfo=None) >= start:
        day += timedelta(days=1)
    return datetime.combine(day, end).replace(tzinfo=tz).astimezone(UTC)


def retry_at(now: datetime, attempts_made: int, rng: random.Random) -> datetime:
    """Exponential backoff (1, 2, 4 ... minutes, at most an hour) with "equal jitter"."""
    ceiling = min(RETRY_CAP, RETRY_BASE * (2 ** max(attempts_made - 1, 0)))
    later: datetime = now + ceiling / 2 + ceiling / 2 * rng.random()
    return later


def _item(recipient: Recipient, contact: Contact, kind: AlertKind, subject_id: str, at: datetime,
          now: datetime, subject: str, text: str, data: Mapping[str, object]) -> OutboxItem:
    message = Message(
        channel=contact.channel, address=contact.address, subject=subject, text=text,
        key=f"{subject_id}#{kind.value}#{contact.id}", data={"kind": kind.value, **data},
    )
    return OutboxItem(
        recipient_id=recipient.id, contact_id=contact.id, kind=kind, subject_id=subject_id, message=message,
        created_at=now, next_attempt_at=release_time(at, contact.quiet_hours, recipient.timezone),
        timezone=recipient.timezone, quiet_hours=contact.quiet_hours,
    )


def _dose_data(recipient: Recipient, dose: Dose, contact: Contact) -> dict[str, object]:
    data: dict[str, object] = {
        "recipient_id": recipient.id, "person": recipient.display_name, "dose_id": dose.id,
        "due_utc": dose.scheduled_utc.astimezone(UTC).isoformat(),
        "due_local": dose.scheduled_utc.astimezone(recipient.tz).isoformat(),
    }
    if contact.name_medicines:
        data["medicine"] = dose.medication_name
    return data


def dose_alert(recipient: Recipient, dose: Dose, contact: Contact, kind: AlertKind, at: datetime,
               now: datetime, *, skipped: bool = False) -> OutboxItem:
    wording = word(kind, locale=recipient.locale, person=recipient.display_name,
                   due_local=dose.scheduled_utc.astimezone(recipient.tz),
                   medicine=dose.medication_name if contact.name_medicines else None, skipped=skipped)
    return _item(recipient, contact, kind, dose.id, at, now, wording.subject, wording.text,
                 _dose_data(recipient, dose, contact))


def missed_alerts(recipient: Recipient, dose: Dose, contacts: Sequence[Contact],
                  now: datetime) -> list[OutboxItem]:
    """Every alert a missed dose will ever need, recorded together with the missed mark."""
    items: list[OutboxItem] = []
    delay = timedelta(0)
    ordered = sorted(contacts, key=lambda c: (c.priority, c.created_at, c.id))
    for _, tier_iter in groupby(ordered, key=lambda c: c.priority):
        tier = list(tier_iter)
        kind = AlertKind.MISSED if not delay else AlertKind.ESCALATION
        items.extend(dose_alert(recipient, dose, c, kind, now + delay, now) for c in tier)
        waits = [c.escalate_after_minutes for c in tier if c.escalate_after_minutes]
        delay += timedelta(minutes=min(waits)) if waits else timedelta(0)
    return items


def all_clear_alerts(recipient: Recipient, dose: Dose, alerted: Sequence[Contact],
                     now: datetime) -> list[OutboxItem]:
    skipped = not dose.status.is_taken
    return [dose_alert(recipient, dose, c, AlertKind.ALL_CLEAR, now, now, skipped=skipped) for c in alerted]


def refill_alerts(recipient: Recipient, medication: Medication, contacts: Sequence[Contact],
                  crossing_dose_id: str, pills_left: int, now: datetime) -> list[OutboxItem]:
    """Keyed by the dose whose log crossed the threshold: that crossing happens once per refill cycle."""
    items = []
    for contact in contacts:
        name = medication.name if contact.name_medicines else None
        wording = word(AlertKind.REFILL, locale=recipient.locale, person=recipient.display_name,
                       due_local=now.astimezone(recipient.tz), medicine=name, pills_left=pills_left)
        data: dict[str, object] = {"recipient_id": recipient.id, "person": recipient.display_name,
                                   "medication_id": medication.id, "pills_left": pills_left}
        if name:
            data["medicine"] = name
        items.append(_item(recipient, contact, AlertKind.REFILL, crossing_dose_id, now, now, wording.subject,
                           wording.text, data))
    return items
