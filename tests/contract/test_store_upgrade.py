"""Rows an older release wrote (fewer fields, new columns empty) read on this one; a corrupt row is skipped.

Each store gets its rows written raw, the way the previous release wrote them, then every list and load
method the app and the sweep use reads them back.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta

import pytest

from skill.domain.alerts import DeliveryState
from skill.domain.models import DoseStatus, LogSource
from skill.store import accounts_codec, alerts_codec
from skill.store.base import Store
from skill.store.dynamodb import DynamoStore
from skill.store.dynamodb.table import to_item
from skill.store.sqlite import SqliteStore

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
DUE = "2026-11-25T08:00:00Z"
RID, MID, CID = "rec_0ld0ld0ld0ld0ld0", "med_0ld0ld0ld0ld0ld0", "con_0ld0ld0ld0ld0ld0"
DOSE_ID = f"{MID}@20261125T0800"
LATE_ID = f"{MID}@20261125T0900"

# What the previous release stored: no speech rate, locale, grace or organisation on a recipient; a
# medication without pills, nicknames or dose text; a dose without its quantity; contacts without
# priority or opt-ins; outbox rows without zone, quiet hours or attempts.
OLD_RECIPIENT: dict[str, object] = {"id": RID, "display_name": "Edith", "timezone": "Europe/London",
                                    "created_at": "2026-01-01T00:00:00Z"}
OLD_MEDICATION: dict[str, object] = {"id": MID, "recipient_id": RID, "name": "Metformin",
                  "schedule": {"times": ["08:00", "09:00"], "start": "2026-01-01"},
                  "created_at": "2026-01-01T00:00:00Z"}
OLD_CONTACT: dict[str, object] = {"id": CID, "recipient_id": RID, "name": "Sam", "channel": "email",
                                  "address": "sam@example.org", "created_at": "2026-01-01T00:00:00Z"}


def old_dose(dose_id: str, due: str, status: str = "pending") -> dict[str, object]:
    return {"id": dose_id, "recipient_id": RID, "medication_id": MID, "medication_name": "Metformin",
            "due_utc": due, "tz": "Europe/London", "status": status}


def old_alert(state: str = "pending") -> dict[str, object]:
    return {"key": f"{LATE_ID}#missed#{CID}", "recipient_id": RID, "contact_id": CID, "kind": "missed",
            "subject_id": LATE_ID, "state": state, "created_at": "2026-11-25T09:00:00Z",
            "next_attempt_at": "2026-11-25T09:00:00Z",
            "message": {"channel": "email", "address": "sam@example.org", "subject": "Missed", "text": "Missed"}}


def write_old_rows_sqlite(store: SqliteStore) -> None:
    with store.transaction() as conn:
        conn.execute("INSERT INTO recipients (id, organisation, name_key, data) VALUES (?, 'default', 'edith', ?)",
                     (RID, json.dumps(OLD_RECIPIENT)))
        conn.execute("INSERT INTO medications (id, recipient_id, name_key, active, pill_count, data)"
                     " VALUES (?, ?, 'metformin', 1, NULL, ?)", (MID, RID, json.dumps(OLD_MEDICATION)))
        # The release before migration 2 filled only these columns: medication_name, tz and quantity stay empty.
        for dose in (old_dose(DOSE_ID, DUE), old_dose(LATE_ID, "2026-11-25T09:00:00Z", "missed")):
            conn.execute("INSERT INTO doses (recipient_id, id, medication_id, due_utc, status, data)"
                         " VALUES (?, ?, ?, ?, ?, ?)", (RID, dose["id"], MID, dose["due_utc"], dose["status"],
                                                        json.dumps(dose)))
        conn.execute("INSERT INTO contacts (recipient_id, id, priority, created_at, data) VALUES (?, ?, 0, ?, ?)",
                     (RID, CID, OLD_CONTACT["created_at"], json.dumps(OLD_CONTACT)))
        alert = old_alert()
        conn.execute("INSERT INTO outbox (key, recipient_id, subject_id, state, created_at, next_attempt_at, data)"
                     " VALUES (?, ?, ?, ?, ?, ?, ?)", (alert["key"], RID, LATE_ID, "pending", alert["created_at"],
                                                       alert["next_attempt_at"], json.dumps(alert)))
        conn.execute("INSERT INTO missed_watches (recipient_id, dose_id, missed_at) VALUES (?, ?, ?)",
                     (RID, LATE_ID, "2026-11-25T09:00:00Z"))


def write_old_rows_dynamodb(store: DynamoStore) -> None:
    pk = f"REC#{RID}"
    late = old_dose(LATE_ID, "2026-11-25T09:00:00Z", "missed")
    items: list[dict[str, object]] = [
        {"PK": pk, "SK": "~PROFILE", "type": "recipient", **OLD_RECIPIENT,
         "GSI2PK": "ORG#default", "GSI2SK": f"edith#{RID}"},
        {"PK": "ORG#default", "SK": "~ORG", "type": "organisation", "GSI2PK": "ORGS", "GSI2SK": "default"},
        {"PK": pk, "SK": f"~MED#{MID}", "type": "medication", **OLD_MEDICATION,
         "GSI2PK": "PLAN", "GSI2SK": f"0000#{RID}#{MID}"},
        {"PK": pk, "SK": f"DOSE#{DUE}#{DOSE_ID}", "type": "dose", **old_dose(DOSE_ID, DUE),
         "GSI1PK": "DUE#2026-11-25T08", "GSI1SK": f"{DUE}#{RID}#{DOSE_ID}"},
        # The previous release kept a missed dose's alerts inside it until fanned out (`pending_alerts`).
        {"PK": pk, "SK": f"DOSE#{late['due_utc']}#{LATE_ID}", "type": "dose", **late,
         "missed_at": "2026-11-25T09:00:00Z", "pending_alerts": json.dumps([old_alert()]),
         "GSI2PK": "MISSED#0", "GSI2SK": f"2026-11-25T09:00:00Z#{RID}#{LATE_ID}"},
        {"PK": f"ALERTS#{RID}", "SK": f"CONTACT#{CID}", "type": "contact", **OLD_CONTACT},
    ]
    store.table.batch_write([{"PutRequest": {"Item": to_item(i)}} for i in items])


def write_old_rows(store: Store) -> None:
    if isinstance(store, SqliteStore):
        write_old_rows_sqlite(store)
    else:
        assert isinstance(store, DynamoStore)
        write_old_rows_dynamodb(store)


def test_rows_an_older_release_wrote_read_through_every_list_and_load(transactional_store: Store) -> None:
    # GIVEN a person, medicine, doses, contact, alert and watch written as the previous release wrote them
    store = transactional_store
    write_old_rows(store)
    day = (NOW.replace(hour=0), NOW.replace(hour=0) + timedelta(days=1))
    # THEN every read the app makes decodes them, with defaults for what they lack
    recipient = store.get_recipient(RID)
    assert recipient is not None and (recipient.locale, recipient.grace_minutes) == ("en-GB", 60)
    assert [r.id for r in store.list_recipients()] == [RID]
    [med] = store.list_medications(RID)
    assert (med.pill_count, med.pills_per_dose, med.also_called, med.active) == (None, 1, (), True)
    assert [m.id for m in store.medications_to_plan(NOW)] == [MID]
    doses = store.list_doses(RID, *day)
    assert [(d.id, d.medication_name, d.quantity, d.scheduled_local.hour) for d in doses] == [
        (DOSE_ID, "Metformin", 1, 8), (LATE_ID, "Metformin", 1, 9)]
    assert [d.id for d in store.due_doses(NOW - timedelta(hours=3), NOW)] == [DOSE_ID]
    view = store.load_recipient_view(RID, day[0])
    assert view is not None and [d.id for d in view.doses] == [DOSE_ID, LATE_ID]
    assert [d.id for d in store.load_recipient_views([RID], *day)[RID].doses] == [DOSE_ID, LATE_ID]
    [sam] = store.list_contacts(RID)
    assert (sam.priority, sam.name_medicines, sam.quiet_hours) == (0, False, None)
    [watched] = store.watched_doses()
    assert (watched.dose.id, watched.dose.status) == (LATE_ID, DoseStatus.MISSED)
    [alert] = store.alerts_about(RID, LATE_ID)  # DynamoDB: fanned out of the old dose item, once
    assert (alert.timezone, alert.attempts, alert.state) == ("UTC", (), DeliveryState.PENDING)
    assert [a.key for a in store.due_alerts(NOW)] == [alert.key]
    assert [a.key for a in store.list_alerts(RID)] == [alert.key]
    assert store.watched_doses() == [watched]
    # AND the sweep's writes work on them: the old pending dose is marked missed, and a late log applies
    assert store.mark_missed_with_alerts(doses[0], [], NOW) is True
    logged = store.record_dose(doses[1], DoseStatus.TAKEN_LATE, NOW, LogSource.VOICE)
    assert logged.applied and logged.previous_status is DoseStatus.MISSED


def test_a_row_that_cannot_be_read_is_skipped_by_the_sweep_reads_and_named_by_id_only(
        transactional_store: Store, caplog: pytest.LogCaptureFixture) -> None:
    # GIVEN the old rows, plus a due dose and an alert that no release could decode
    store = transactional_store
    write_old_rows(store)
    broken_id = f"{MID}@20261125T0830"
    broken = {**old_dose(broken_id, "2026-11-25T08:30:00Z"), "tz": "Nowhere/Atlantis"}
    broken_alert = {**old_alert(), "kind": "telepathy", "key": f"{broken_id}#telepathy#{CID}"}
    if isinstance(store, SqliteStore):
        with store.transaction() as conn:
            conn.execute("INSERT INTO doses (recipient_id, id, medication_id, due_utc, status, tz, medication_name,"
                         " data) VALUES (?, ?, ?, ?, 'pending', ?, 'Metformin', ?)",
                         (RID, broken_id, MID, broken["due_utc"], broken["tz"], json.dumps(broken)))
            conn.execute("INSERT INTO outbox (key, recipient_id, subject_id, state, created_at, next_attempt_at,"
                         " data) VALUES (?, ?, ?, 'pending', ?, ?, ?)",
                         (broken_alert["key"], RID, broken_id, DUE, DUE, json.dumps(broken_alert)))
    else:
        assert isinstance(store, DynamoStore)
        store.table.batch_write([
            {"PutRequest": {"Item": to_item({"PK": f"REC#{RID}", "SK": f"DOSE#{broken['due_utc']}#{broken_id}",
                                             "type": "dose", **broken, "GSI1PK": "DUE#2026-11-25T08",
                                             "GSI1SK": f"{broken['due_utc']}#{RID}#{broken_id}"})}},
            {"PutRequest": {"Item": to_item({"PK": f"ALERTS#{RID}", "SK": f"OUTBOX#{broken_alert['key']}",
                                             "type": "alert", "state": "pending", "next_at": DUE,
                                             "data": json.dumps(broken_alert), "GSI2PK": "OUTBOX#0",
                                             "GSI2SK": f"{DUE}#{broken_alert['key']}"})}}])
        store.watched_doses()  # fans the old alert out, as the sweep's first pass would
    # WHEN the sweep reads what is due
    with caplog.at_level(logging.ERROR, logger="skill.store.bad_rows"):
        due = store.due_doses(NOW - timedelta(hours=3), NOW)
        alerts = store.due_alerts(NOW)
    # THEN the readable rows come back, and the unreadable ones are logged by id, with no health data
    assert [d.id for d in due] == [DOSE_ID]
    assert [a.subject_id for a in alerts] == [LATE_ID]
    assert broken_id in caplog.text and "telepathy" in caplog.text
    assert "Metformin" not in caplog.text and "Edith" not in caplog.text and "sam@" not in caplog.text


def test_account_records_from_an_older_release_decode_with_defaults() -> None:
    # GIVEN a user, token and invitation as stored before organisations, scopes and session versions
    user = accounts_codec.user_from_dict({"id": "usr_1", "email": "sam@example.org", "role": "carer",
                                          "password_hash": "x", "organisation": None, "created_at": None})
    token = accounts_codec.token_from_dict({"token_hash": "h", "user_id": "usr_1"})
    invitation = accounts_codec.invitation_from_dict({"token_hash": "h", "inviter_id": "usr_1",
                                                      "organisation": "default"})
    alert = alerts_codec.outbox_from_dict({k: v for k, v in old_alert().items() if k not in ("key", "state")})
    # THEN each reads with its defaults: an invitation of unknown expiry has expired
    assert (user.organisation, user.failed_logins, user.recipient_ids) == ("default", 0, frozenset())
    assert token.name == ""
    assert invitation.expires_at < NOW
    assert (alert.key, alert.state) == (f"{LATE_ID}#missed#{CID}", DeliveryState.PENDING)
