"""Spoken reminders through the Alexa Reminders API (ask-sdk-model's ReminderManagementServiceClient).

One recurring reminder per dose time (an RRULE in the person's zone), not per medicine: two medicines at 8
ring once, and a follow-up "have you taken them?" comes a carer-set number of minutes later. Medicines whose
days differ (weekdays, every other day) at the same time need their own recurrence, so a group is a dose time
plus its rule. Tokens are stored so a schedule change updates or deletes them. A reminder can only be
*created* in session, so creation happens on launch; an existing reminder of the same dose time is updated
into its new shape instead, which also carries older per-medicine reminders over out of session.
Logging a dose moves that follow-up's recurrence start on: the API cannot delete one occurrence.

Reminder texts live on Amazon's servers and in the Alexa app, so by default they carry no medicine name and
never a person's name; a carer may opt in to medicine names per person. Every call can fail or be slow;
callers degrade the answer. ask-sdk-model 1.82 cannot deserialize get_reminder(s) responses, so
`fetch_reminder` reads the raw JSON.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from ask_sdk_core.exceptions import ApiClientException
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model.services.api_client import ApiClient
from ask_sdk_model.services.api_client_request import ApiClientRequest
from ask_sdk_model.services.reminder_management.alert_info import AlertInfo
from ask_sdk_model.services.reminder_management.push_notification import PushNotification
from ask_sdk_model.services.reminder_management.push_notification_status import PushNotificationStatus
from ask_sdk_model.services.reminder_management.recurrence import Recurrence
from ask_sdk_model.services.reminder_management.reminder_request import ReminderRequest
from ask_sdk_model.services.reminder_management.spoken_info import SpokenInfo
from ask_sdk_model.services.reminder_management.spoken_text import SpokenText
from ask_sdk_model.services.reminder_management.trigger import Trigger
from ask_sdk_model.services.reminder_management.trigger_type import TriggerType
from ask_sdk_model.services.service_exception import ServiceException

from skill.alexa.turn import Turn
from skill.conversation.catalog import Catalog
from skill.conversation.speech import join
from skill.domain.models import Dose, Medication, Recipient
from skill.domain.voice import ReminderToken, VoiceState
from skill.observability import get_logger
from skill.schedules import to_rrule_text
from skill.store.voice import VoiceStore

logger = get_logger(__name__)
FOLLOWUP = "+f"
GROUP_PREFIX = "at"  # group keys: "at0800", "at0800+f", "at0800-<rule digest>[+f]"; older keys: "<med id>@0800[+f]"
OUTSIDE_ERRORS = (ServiceException, ApiClientException, OSError, ValueError)
MAX_NAMED_TEXT = 200  # a long list of names is hard to follow when spoken; past this the plain text is used

_PAST = {5: "five past", 10: "ten past", 20: "twenty past", 25: "twenty-five past"}
_TO = {35: "twenty-five to", 40: "twenty to", 50: "ten to", 55: "five to"}


def reminder_text(locale: str, key: str, **fields: str) -> str:
    """A reminder's words from the locale's message catalog (`reminder.*`): `{time}` as `dose_clock` says it,
    `{medicines}` a list of names."""
    return Catalog(locale)(key, **fields)


def dose_clock(at: time, locale: str) -> str:
    """A dose time as a name for "your ... medicines": en-GB "8 o'clock", "half past 8"; en-US "8:30".

    A bare "8" reads as a count ("your 8 medicine"), so whole hours always say "o'clock".
    """
    hour, minute = at.hour, at.minute
    twelve, following = hour % 12 or 12, (hour + 1) % 12 or 12
    if minute == 0:
        if hour == 12:
            return "noon" if locale == "en-US" else "midday"
        return "midnight" if hour == 0 else f"{twelve} o'clock"
    if locale == "en-US":
        return f"{twelve}:{minute:02d}"
    if minute == 15:
        return f"quarter past {twelve}"
    if minute == 30:
        return f"half past {twelve}"
    if minute == 45:
        return f"quarter to {following}"
    if minute in _PAST:
        return f"{_PAST[minute]} {twelve}"
    if minute in _TO:
        return f"{_TO[minute]} {following}"
    return f"{twelve}:{minute:02d}"


def reminder_key(medication_id: str, at: time, followup: bool = False) -> str:
    """The key older installs stored, one per medicine and time: kept to recognise (and replace) them."""
    return f"{medication_id}@{at.strftime('%H%M')}" + (FOLLOWUP if followup else "")


def group_key(at: time, rule: str, followup: bool = False) -> str:
    """One key per dose time and recurrence: plain daily times read "at0800", others carry a rule digest."""
    key = GROUP_PREFIX + at.strftime("%H%M")
    if rule != "FREQ=DAILY":
        key += "-" + hashlib.sha256(rule.encode()).hexdigest()[:8]
    return key + (FOLLOWUP if followup else "")


def key_slot(key: str) -> tuple[str, bool] | None:
    """The dose time ("0800") and follow-up flag of a stored key, new or old; None for a key of neither shape."""
    followup = key.endswith(FOLLOWUP)
    body = key.removesuffix(FOLLOWUP)
    if "@" in body:
        slot = body.rsplit("@", 1)[1]
    elif body.startswith(GROUP_PREFIX):
        slot = body[len(GROUP_PREFIX):len(GROUP_PREFIX) + 4]
    else:
        return None
    return (slot, followup) if len(slot) == 4 and slot.isdigit() else None


@dataclass(frozen=True)
class WantedReminder:
    key: str
    at: time  # local time it rings
    rule: str
    text: str  # without medicine names: what Amazon stores unless the carer opted in
    followup: bool = False
    named_text: str = ""  # with the medicines' names, for a person whose carer opted in
    dose_at: time | None = None  # the group's dose time (a follow-up rings later)
    medication_ids: tuple[str, ...] = ()
    every_n_days: int = 1
    first_day: date | None = None  # the group's first dose day: the phase of every-N-days, or a later start

    def starts_on(self, not_before: date) -> date:
        """The first day on or after `not_before` this reminder may ring (every-N-days keeps its phase)."""
        day = max(not_before, self.first_day or not_before)
        if self.every_n_days > 1 and self.first_day is not None:
            behind = (day - self.first_day).days % self.every_n_days
            if behind:
                day += timedelta(days=self.every_n_days - behind)
        return day

    def spoken(self, name_medicines: bool) -> str:
        return self.named_text if name_medicines and self.named_text else self.text


def _shift(at: time, minutes: int) -> time:
    moved = datetime.combine(date(2000, 1, 1), at) + timedelta(minutes=minutes)
    return moved.time() if moved.date() == date(2000, 1, 1) else time(23, 59)


def wanted_reminders(medications: Iterable[Medication], followup_minutes: int,
                     locale: str) -> dict[str, WantedReminder]:
    """Every reminder the schedules call for, one per dose time and rule, keyed as stored.

    As-needed and stopped medicines have none. Both texts are made; the person's opt-in picks one.
    """
    groups: dict[tuple[time, str], list[Medication]] = defaultdict(list)
    for med in medications:
        if not med.active or med.schedule.as_needed:
            continue
        for at in med.schedule.times:
            groups[(at, _recurrence(med))].append(med)
    wanted: dict[str, WantedReminder] = {}
    for (at, identity), meds in sorted(groups.items()):
        for want in _group_reminders(at, identity, meds, followup_minutes, locale):
            wanted[want.key] = want
    return wanted


def _recurrence(med: Medication) -> str:
    """What must match for two medicines to share a reminder: the rule without its time, and the phase of an
    every-N-days schedule (two "every other day" medicines may fall on different days)."""
    s = med.schedule
    rule = to_rrule_text(s, time(0)).replace(";BYHOUR=0;BYMINUTE=0", "")
    if s.weekdays is None and s.every_n_days > 1:
        rule += f";PHASE={s.start.toordinal() % s.every_n_days}"
    return rule


def _group_reminders(at: time, identity: str, meds: list[Medication], followup_minutes: int,
                     locale: str) -> tuple[WantedReminder, WantedReminder]:
    schedule = meds[0].schedule  # every medicine in the group has the same rule
    names = join(sorted({m.name for m in meds}, key=str.casefold))
    said = dose_clock(at, locale)
    ids = tuple(sorted({m.id for m in meds}))
    every = schedule.every_n_days if schedule.weekdays is None else 1
    first = min(m.schedule.start for m in meds)
    due_named = reminder_text(locale, "reminder.due_named", medicines=names)
    due = WantedReminder(group_key(at, identity), at, to_rrule_text(schedule, at) + ";BYSECOND=0",
                         reminder_text(locale, "reminder.due", time=said),
                         named_text=due_named if len(due_named) <= MAX_NAMED_TEXT else "",
                         dose_at=at, medication_ids=ids, every_n_days=every, first_day=first)
    later = _shift(at, followup_minutes)
    follow_named = reminder_text(locale, "reminder.followup_named", time=said, medicines=names)
    follow = WantedReminder(group_key(at, identity, followup=True), later,
                            to_rrule_text(schedule, later) + ";BYSECOND=0",
                            reminder_text(locale, "reminder.followup", time=said), followup=True,
                            named_text=follow_named if len(follow_named) <= MAX_NAMED_TEXT else "",
                            dose_at=at, medication_ids=ids, every_n_days=every, first_day=first)
    return due, follow


def reminder_request(wanted: WantedReminder, recipient: Recipient, locale: str, starts: date,
                     now: datetime, name_medicines: bool = False) -> ReminderRequest:
    start = datetime.combine(starts, wanted.at)
    return ReminderRequest(
        request_time=now.replace(tzinfo=None, microsecond=0),
        trigger=Trigger(object_type=TriggerType.SCHEDULED_ABSOLUTE, time_zone_id=recipient.timezone,
                        recurrence=Recurrence(start_date_time=start, recurrence_rules=[wanted.rule])),
        alert_info=AlertInfo(spoken_info=SpokenInfo(content=[
            SpokenText(locale=locale, text=wanted.spoken(name_medicines))])),
        push_notification=PushNotification(status=PushNotificationStatus.ENABLED),
    )


def snooze_request(seconds: int, locale: str, now: datetime) -> ReminderRequest:
    return ReminderRequest(
        request_time=now.replace(tzinfo=None, microsecond=0),
        trigger=Trigger(object_type=TriggerType.SCHEDULED_RELATIVE, offset_in_seconds=seconds),
        alert_info=AlertInfo(spoken_info=SpokenInfo(content=[SpokenText(
            locale=locale, text=reminder_text(locale, "reminder.snooze"))])),
        push_notification=PushNotification(status=PushNotificationStatus.ENABLED),
    )


@dataclass
class SyncResult:
    created: int = 0
    updated: int = 0
    deleted: int = 0
    failed: int = 0


class Reminders:
    """One turn's reminder work for one person, through ask-sdk's service client.

    `name_medicines` is the carer's per-person opt-in: it picks which of each reminder's two texts is sent.
    """

    def __init__(self, client: Any, store: VoiceStore, recipient: Recipient, locale: str, now: datetime,
                 name_medicines: bool = False) -> None:
        self.client = client
        self.store = store
        self.recipient = recipient
        self.locale = locale
        self.now = now
        self.name_medicines = name_medicines

    def _today(self) -> date:
        return self.now.astimezone(self.recipient.tz).date()

    def sync(self, wanted: Mapping[str, WantedReminder], existing: Mapping[str, ReminderToken],
             can_create: bool) -> SyncResult:
        """Make Alexa's reminders match the schedules: update the changed, carry a reminder whose group changed
        (or an older per-medicine one) into the group of the same dose time, delete the rest, create the new.

        Each token is stored or forgotten right after its call, so a sync cut short repeats no call. Stops at
        the first failure (the rest waits for the next launch): one slow API must not eat the turn.
        """
        result = SyncResult()
        tokens = dict(existing)
        try:
            for key, want in wanted.items():
                token = tokens.get(key)
                if token is not None and token.rule != self._signature(want):
                    if self._update(token, want):
                        tokens[key] = self._keep(key, token, want)
                        result.updated += 1
                    else:  # deleted in the Alexa app: forget it, and make it again below
                        self.store.delete_reminder_token(self.recipient.id, key)
                        del tokens[key]
            stale = [key for key in tokens if key not in wanted]
            for key in [k for k in wanted if k not in tokens]:
                old = next((s for s in stale if key_slot(s) == key_slot(key)), None)
                if old is None:
                    continue
                stale.remove(old)
                if self._update(tokens[old], wanted[key]):
                    tokens[key] = self._keep(key, tokens[old], wanted[key])
                    result.updated += 1
                self.store.delete_reminder_token(self.recipient.id, old)
                del tokens[old]
            in_use = {token.token for key, token in tokens.items() if key in wanted}
            for key in stale:
                if tokens[key].token not in in_use:
                    self._delete(tokens[key].token)
                    result.deleted += 1
                self.store.delete_reminder_token(self.recipient.id, key)
            if can_create:
                for key, want in wanted.items():
                    if key not in tokens:
                        created = self.client.create_reminder(self._request(want))
                        self.store.put_reminder_token(self.recipient.id, key,
                                                      ReminderToken(str(created.alert_token), self._signature(want)))
                        result.created += 1
        except OUTSIDE_ERRORS as exc:
            logger.warning("reminder sync stopped", extra={"error": type(exc).__name__})
            result.failed += 1
        return result

    def _keep(self, key: str, token: ReminderToken, want: WantedReminder) -> ReminderToken:
        kept = ReminderToken(token.token, self._signature(want))
        self.store.put_reminder_token(self.recipient.id, key, kept)
        return kept

    def _signature(self, want: WantedReminder) -> str:
        """What a stored reminder was made from: its rule, the zone it rings in (a carer may move either), a
        start still to come, and a digest of its words (the opt-in, a renamed medicine or the locale change
        them). A digest, so no medicine name is stored twice."""
        later_start = want.first_day.isoformat() if want.first_day and want.first_day > self._today() else ""
        words = hashlib.sha256(want.spoken(self.name_medicines).encode()).hexdigest()[:12]
        return f"{want.rule}|{self.recipient.timezone}|{later_start}|{words}"

    def _request(self, want: WantedReminder, not_before: date | None = None) -> ReminderRequest:
        starts = want.starts_on(not_before or self._today())
        return reminder_request(want, self.recipient, self.locale, starts, self.now, self.name_medicines)

    def _update(self, token: ReminderToken, want: WantedReminder) -> bool:
        """False when the reminder is gone (deleted in the Alexa app)."""
        try:
            self.client.update_reminder(token.token, self._request(want))
        except ServiceException as exc:
            if exc.status_code != 404:
                raise
            return False
        return True

    def _delete(self, token: str) -> None:
        try:
            self.client.delete_reminder(token)
        except ServiceException as exc:
            if exc.status_code != 404:  # already gone (deleted in the Alexa app): fine
                raise

    def skip_followup_today(self, want: WantedReminder, token: ReminderToken) -> bool:
        """The dose is logged: the follow-up starts again on its next day instead of nagging today."""
        try:
            self.client.update_reminder(token.token, self._request(want, self._today() + timedelta(days=1)))
        except OUTSIDE_ERRORS as exc:
            logger.warning("follow-up not moved", extra={"error": type(exc).__name__})
            return False
        return True

    def quiet_followups(self, wanted: Mapping[str, WantedReminder], existing: Mapping[str, ReminderToken],
                        doses_today: Iterable[Dose], logged: Iterable[Dose]) -> int:
        """After a log: the follow-up of each dose time now fully taken is moved to its next day.

        A dose time shares one follow-up, so it stays while another medicine of that time is still to take.
        Only today's dose times that this log touched are looked at. Returns how many were moved.
        """
        just = list(logged)
        today = self._today()
        doses = {d.id: d for d in [*doses_today, *just] if d.scheduled_local.date() == today}
        done = {i for i, d in doses.items() if d.is_logged} | {d.id for d in just}
        moved = 0
        for key, want in wanted.items():
            token = existing.get(key)
            if not want.followup or token is None:
                continue
            group = {i for i, d in doses.items()
                     if d.medication_id in want.medication_ids and d.scheduled_local.time() == want.dose_at}
            if group & {d.id for d in just} and group <= done and self.skip_followup_today(want, token):
                moved += 1
        return moved

    def snooze(self, seconds: int) -> bool:
        try:
            self.client.create_reminder(snooze_request(seconds, self.locale, self.now))
        except OUTSIDE_ERRORS as exc:
            logger.warning("snooze not set", extra={"error": type(exc).__name__})
            return False
        return True


def reminders_of(handler_input: HandlerInput, store: VoiceStore, turn: Turn) -> Reminders | None:
    """This turn's reminder work for the linked person, or None when Alexa offers no reminders client."""
    factory = handler_input.service_client_factory
    if factory is None or not turn.linked:
        return None
    try:
        client = factory.get_reminder_management_service()
    except Exception as exc:  # ask-sdk raises plain ValueError and friends for a missing token or endpoint
        logger.warning("no reminders client", extra={"error": type(exc).__name__})
        return None
    state: VoiceState | None = turn.voice.state if turn.voice is not None else None
    return Reminders(client, store, turn.recipient, turn.speech_locale, turn.now,
                     name_medicines=state is not None and state.name_medicines_in_reminders)


def fetch_reminder(api_client: ApiClient, api_endpoint: str, access_token: str, token: str) -> dict[str, Any] | None:
    """GET one reminder as raw JSON (ask-sdk-model's get_reminder fails to deserialize it); None if gone."""
    request = ApiClientRequest(url=f"{api_endpoint.rstrip('/')}/v1/alerts/reminders/{token}", method="GET",
                               headers=[("Authorization", f"Bearer {access_token}"),
                                        ("Accept", "application/json")])
    response = api_client.invoke(request)
    if response.status_code == 404:
        return None
    if not 200 <= int(response.status_code) < 300:
        raise ApiClientException(f"reminder read failed with HTTP {response.status_code}")
    data: dict[str, Any] = json.loads(response.body or "{}")
    return data
