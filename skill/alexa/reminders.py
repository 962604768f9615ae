"""Spoken reminders through the Alexa Reminders API (ask-sdk-model's ReminderManagementServiceClient).

Each scheduled time of each medicine becomes a recurring reminder (an RRULE in the person's zone), with a
follow-up "have you taken it?" reminder a carer-set number of minutes later. Tokens are stored so a schedule
change updates or deletes them. A reminder can only be *created* in session, so creation happens on launch.
Logging a dose moves that follow-up's recurrence start to tomorrow: the API cannot delete one occurrence.

Texts sent to Amazon carry no person's name. Every call can fail or be slow; callers degrade the answer.
ask-sdk-model 1.82 cannot deserialize get_reminder(s) responses, so `fetch_reminder` reads the raw JSON.
"""

from __future__ import annotations

import json
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

from skill.alexa.speech import clock, medicine
from skill.alexa.turn import Turn
from skill.domain.models import Medication, Recipient
from skill.domain.voice import ReminderToken
from skill.observability import get_logger
from skill.schedules import to_rrule_text
from skill.store.voice import VoiceStore

logger = get_logger(__name__)
FOLLOWUP = "+f"
OUTSIDE_ERRORS = (ServiceException, ApiClientException, OSError, ValueError)


def reminder_key(medication_id: str, at: time, followup: bool = False) -> str:
    return f"{medication_id}@{at.strftime('%H%M')}" + (FOLLOWUP if followup else "")


@dataclass(frozen=True, slots=True)
class WantedReminder:
    key: str
    at: time  # local time it rings
    rule: str
    text: str
    followup: bool = False


def _shift(at: time, minutes: int) -> time:
    moved = datetime.combine(date(2000, 1, 1), at) + timedelta(minutes=minutes)
    return moved.time() if moved.date() == date(2000, 1, 1) else time(23, 59)


def wanted_reminders(medications: Iterable[Medication], followup_minutes: int,
                     locale: str) -> dict[str, WantedReminder]:
    """Every reminder the schedules call for, keyed as stored; as-needed medicines have none."""
    wanted: dict[str, WantedReminder] = {}
    for med in medications:
        if not med.active or med.schedule.as_needed:
            continue
        for at in med.schedule.times:
            rule = to_rrule_text(med.schedule, at) + ";BYSECOND=0"
            text = (f"It's time for your {medicine(med.name, med.dose_text, locale)}. When you have taken it, "
                    "say: Alexa, tell Dose Keeper I took it.")
            wanted[reminder_key(med.id, at)] = WantedReminder(reminder_key(med.id, at), at, rule, text)
            later = _shift(at, followup_minutes)
            follow_rule = to_rrule_text(med.schedule, later) + ";BYSECOND=0"
            follow_text = (f"Have you taken your {clock(datetime.combine(date(2000, 1, 1), at), locale)} "
                           "medicine? Say: Alexa, tell Dose Keeper I took it.")
            key = reminder_key(med.id, at, followup=True)
            wanted[key] = WantedReminder(key, later, follow_rule, follow_text, followup=True)
    return wanted


def reminder_request(wanted: WantedReminder, recipient: Recipient, locale: str, starts: date,
                     now: datetime) -> ReminderRequest:
    start = datetime.combine(starts, wanted.at)
    return ReminderRequest(
        request_time=now.replace(tzinfo=None, microsecond=0),
        trigger=Trigger(object_type=TriggerType.SCHEDULED_ABSOLUTE, time_zone_id=recipient.timezone,
                        recurrence=Recurrence(start_date_time=start, recurrence_rules=[wanted.rule])),
        alert_info=AlertInfo(spoken_info=SpokenInfo(content=[SpokenText(locale=locale, text=wanted.text)])),
        push_notification=PushNotification(status=PushNotificationStatus.ENABLED),
    )


def snooze_request(seconds: int, locale: str, now: datetime) -> ReminderRequest:
    return ReminderRequest(
        request_time=now.replace(tzinfo=None, microsecond=0),
        trigger=Trigger(object_type=TriggerType.SCHEDULED_RELATIVE, offset_in_seconds=seconds),
        alert_info=AlertInfo(spoken_info=SpokenInfo(content=[SpokenText(
            locale=locale, text="This is your medicine reminder. When you have taken it, "
                                "say: Alexa, tell Dose Keeper I took it.")])),
        push_notification=PushNotification(status=PushNotificationStatus.ENABLED),
    )


@dataclass
class SyncResult:
    created: int = 0
    updated: int = 0
    deleted: int = 0
    failed: int = 0


class Reminders:
    """One turn's reminder work for one person, through ask-sdk's service client."""

    def __init__(self, client: Any, store: VoiceStore, recipient: Recipient, locale: str, now: datetime) -> None:
        self.client = client
        self.store = store
        self.recipient = recipient
        self.locale = locale
        self.now = now

    def _today(self) -> date:
        return self.now.astimezone(self.recipient.tz).date()

    def sync(self, wanted: Mapping[str, WantedReminder], existing: Mapping[str, ReminderToken],
             can_create: bool) -> SyncResult:
        """Make Alexa's reminders match the schedules: delete the unwanted, update the changed, create the new.

        Stops at the first failure (the rest waits for the next launch): one slow API must not eat the turn.
        """
        result = SyncResult()
        try:
            for key, token in existing.items():
                if key not in wanted:
                    self._delete(token.token)
                    self.store.delete_reminder_token(self.recipient.id, key)
                    result.deleted += 1
                elif self._signature(wanted[key]) != token.rule:
                    self.client.update_reminder(token.token, self._request(wanted[key]))
                    self.store.put_reminder_token(self.recipient.id, key,
                                                  ReminderToken(token.token, self._signature(wanted[key])))
                    result.updated += 1
            if can_create:
                for key, want in wanted.items():
                    if key not in existing:
                        created = self.client.create_reminder(self._request(want))
                        self.store.put_reminder_token(self.recipient.id, key,
                                                      ReminderToken(str(created.alert_token), self._signature(want)))
                        result.created += 1
        except OUTSIDE_ERRORS as exc:
            logger.warning("reminder sync stopped", extra={"error": type(exc).__name__})
            result.failed += 1
        return result

    def _signature(self, want: WantedReminder) -> str:
        """What a stored reminder was made from: its rule and the zone it rings in (a carer may move either)."""
        return f"{want.rule}|{self.recipient.timezone}"

    def _request(self, want: WantedReminder, starts: date | None = None) -> ReminderRequest:
        return reminder_request(want, self.recipient, self.locale, starts or self._today(), self.now)

    def _delete(self, token: str) -> None:
        try:
            self.client.delete_reminder(token)
        except ServiceException as exc:
            if exc.status_code != 404:  # already gone (deleted in the Alexa app): fine
                raise

    def skip_followup_today(self, want: WantedReminder, token: ReminderToken) -> bool:
        """The dose is logged: the follow-up starts again tomorrow instead of nagging today."""
        try:
            self.client.update_reminder(token.token, self._request(want, self._today() + timedelta(days=1)))
        except OUTSIDE_ERRORS as exc:
            logger.warning("follow-up not moved", extra={"error": type(exc).__name__})
            return False
        return True

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
    return Reminders(client, store, turn.recipient, turn.speech_locale, turn.now)


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
