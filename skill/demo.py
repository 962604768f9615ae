"""Demo data for `dosekeeper serve --demo` and the browser tests: an organisation with four people in
different time zones, their medicines, 90 days of realistic history, and accounts to sign in with.

Seeding is idempotent: when the demo carer exists already, nothing is written again.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from skill.accounts.passwords import hash_password
from skill.domain.accounts import Role, User
from skill.domain.models import (
    Contact,
    Dose,
    DoseStatus,
    LogSource,
    Medication,
    Recipient,
    Schedule,
    SpeechPreferences,
    new_id,
)
from skill.doses import as_needed_dose, expected_doses
from skill.reports.rollups import rebuild as rebuild_rollups
from skill.store.base import Store
from skill.usecases.planning import plan_medication

ORGANISATION = "demo-care"
PASSWORD = "dosekeeper-demo"  # noqa: S105 - a published demo password, printed by `serve --demo`
CARER = "carer@example.org"
OTHER_CARER = "carer2@example.org"
COORDINATOR = "coordinator@example.org"
ADMIN = "admin@example.org"
HISTORY_DAYS = 90
OPEN_WINDOW = timedelta(hours=3)  # doses due this recently are left open, to be logged from the page


@dataclass(frozen=True)
class DemoAccounts:
    carer_email: str
    other_carer_email: str
    coordinator_email: str
    admin_email: str
    password: str
    organisation: str
    carer_recipient_ids: tuple[str, ...]
    other_recipient_ids: tuple[str, ...]


@dataclass(frozen=True)
class _Person:
    name: str
    timezone: str
    adherence: float  # chance a scheduled dose is taken
    late_share: float  # of taken doses, the share taken late
    decline: float  # adherence lost per day over the most recent 30 days (a worsening trend)
    medicines: tuple[tuple[str, str, tuple[str, ...]], ...]  # (name, dose text, times); no times = as needed


PEOPLE = (
    _Person("Edith Clarke", "Europe/London", 0.96, 0.10, 0.0,
            (("Metformin", "500 mg", ("08:00", "20:00")), ("Paracetamol", "500 mg", ()))),
    _Person("Walter Brooks", "America/New_York", 0.88, 0.20, 0.0,
            (("Lisinopril", "10 mg", ("09:00",)), ("Atorvastatin", "20 mg", ("21:00",)))),
    _Person("María García", "Europe/Madrid", 0.80, 0.25, 0.004,
            (("Levothyroxine", "50 mcg", ("07:00",)), ("Amlodipine", "5 mg", ("08:00", "20:00")))),
    _Person("Kenji Sato", "Australia/Sydney", 0.72, 0.30, 0.008,
            (("Warfarin", "3 mg", ("18:00",)),)),
)


def _medication(recipient: Recipient, name: str, dose_text: str, times: tuple[str, ...], start: date,
                now: datetime) -> Medication:
    if times:
        schedule = Schedule(times=tuple(time.fromisoformat(t) for t in times), start=start)
        counted = name == "Metformin"
        return Medication(id=new_id("med"), recipient_id=recipient.id, name=name, schedule=schedule,
                          dose_text=dose_text, pill_count=46 if counted else None,
                          refill_threshold=14 if counted else None, created_at=now - timedelta(days=HISTORY_DAYS))
    schedule = Schedule(as_needed=True, start=start, min_interval_minutes=240, max_per_day=4)
    return Medication(id=new_id("med"), recipient_id=recipient.id, name=name, schedule=schedule,
                      dose_text=dose_text, instructions="for pain, at most 4 a day",
                      created_at=now - timedelta(days=HISTORY_DAYS))


def _history(person: _Person, recipient: Recipient, med: Medication, start: datetime, now: datetime,
             rng: random.Random) -> list[Dose]:
    """Past doses with a plausible mix of on time, late, missed and skipped."""
    if med.schedule.as_needed:
        taken = []
        day = start
        while day < now - timedelta(days=1):
            for _ in range(rng.choice((0, 0, 0, 1, 1, 2))):
                at = day + timedelta(hours=rng.randint(9, 20), minutes=rng.randint(0, 59))
                dose = as_needed_dose(recipient, med, at)
                taken.append(replace(dose, status=DoseStatus.TAKEN, logged_at=at, source=LogSource.VOICE))
            day += timedelta(days=1)
        return taken
    doses = []
    for dose in expected_doses(recipient, med, start, now - OPEN_WINDOW):
        days_ago = (now - dose.scheduled_utc).days
        chance = person.adherence - person.decline * max(0, 30 - days_ago)
        roll = rng.random()
        if roll < 0.02:
            doses.append(replace(dose, status=DoseStatus.SKIPPED, logged_at=dose.scheduled_utc,
                                 source=LogSource.WEB))
        elif roll < chance:
            if rng.random() < person.late_share:
                at = dose.scheduled_utc + recipient.grace + timedelta(minutes=rng.randint(5, 150))
                status = DoseStatus.TAKEN_LATE
            else:
                at = dose.scheduled_utc + timedelta(minutes=rng.randint(-20, 45))
                status = DoseStatus.TAKEN
            doses.append(replace(dose, status=status, logged_at=at, source=rng.choice(list(LogSource)[:2])))
        else:
            doses.append(replace(dose, status=DoseStatus.MISSED))
    return doses


def _user(email: str, role: Role, recipient_ids: frozenset[str], password_hash: str, now: datetime) -> User:
    return User(id=new_id("usr"), email=email, role=role, organisation=ORGANISATION, password_hash=password_hash,
                recipient_ids=recipient_ids, created_at=now)


def seed_demo(store: Store, now: datetime, seed: int = 7) -> DemoAccounts:
    """Create the demo organisation (once) and return the accounts to sign in with."""
    existing = store.get_user_by_email(CARER)
    if existing is not None:
        others = store.get_user_by_email(OTHER_CARER)
        return _accounts(tuple(sorted(existing.recipient_ids)),
                         tuple(sorted(others.recipient_ids)) if others else ())
    rng = random.Random(seed)  # noqa: S311 - made-up history, not a secret
    recipients: list[Recipient] = []
    for person in PEOPLE:
        recipient = Recipient(id=new_id("rec"), display_name=person.name, timezone=person.timezone,
                              locale="en-GB" if person.timezone.startswith("Europe") else "en-US",
                              speech=SpeechPreferences(rate="slow" if person.adherence < 0.8 else "medium"),
                              organisation=ORGANISATION, created_at=now - timedelta(days=HISTORY_DAYS))
        store.put_recipient(recipient)
        recipients.append(recipient)
        local_start = (now.astimezone(recipient.tz) - timedelta(days=HISTORY_DAYS)).date()
        start = now - timedelta(days=HISTORY_DAYS)
        for name, dose_text, times in person.medicines:
            med = _medication(recipient, name, dose_text, times, local_start, now)
            store.put_medication(med)
            store.put_doses(_history(person, recipient, med, start, now, rng))
            plan_medication(store, recipient, med, now - OPEN_WINDOW)
        store.put_contact(Contact(id=new_id("con"), recipient_id=recipient.id, name="Family contact",
                                  channel="email", address="family@example.org", escalate_after_minutes=60,
                                  created_at=now))
    for recipient in recipients:  # the history was written straight to the store: count it for the cohort page
        rebuild_rollups(store, recipient, now)
    hashed = hash_password(PASSWORD)
    mine = frozenset(r.id for r in recipients[:2])
    theirs = frozenset(r.id for r in recipients[2:])
    store.create_user(_user(CARER, Role.CARER, mine, hashed, now))
    store.create_user(_user(OTHER_CARER, Role.CARER, theirs, hashed, now))
    store.create_user(_user(COORDINATOR, Role.COORDINATOR, frozenset(), hashed, now))
    store.create_user(_user(ADMIN, Role.ADMIN, frozenset(), hashed, now))
    return _accounts(tuple(sorted(mine)), tuple(sorted(theirs)))


def _accounts(mine: tuple[str, ...], theirs: tuple[str, ...]) -> DemoAccounts:
    return DemoAccounts(carer_email=CARER, other_carer_email=OTHER_CARER, coordinator_email=COORDINATOR,
                        admin_email=ADMIN, password=PASSWORD, organisation=ORGANISATION,
                        carer_recipient_ids=mine, other_recipient_ids=theirs)
