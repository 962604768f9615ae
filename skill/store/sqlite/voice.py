"""The voice area in SQLite."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from typing import Any

from skill.domain.voice import AlexaLink, AttemptRecord, LinkAttempts, ReminderToken, VoiceState, validate_followup
from skill.store import codec
from skill.store.sqlite.connection import SqliteBase
from skill.store.voice import VoiceStore, VoiceView

MIGRATIONS: list[str] = [
    """
    CREATE TABLE alexa_links (alexa_id TEXT PRIMARY KEY, recipient_id TEXT NOT NULL, linked_at TEXT NOT NULL);
    CREATE TABLE link_attempts (
        alexa_id TEXT PRIMARY KEY, failures INTEGER NOT NULL, window_start TEXT, locked_until TEXT);
    CREATE TABLE voice_state (recipient_id TEXT PRIMARY KEY, data TEXT NOT NULL)
    """,
]


def state_to_dict(state: VoiceState) -> dict[str, Any]:
    return {
        "disclaimer_heard_at": codec.opt_utc_text(state.disclaimer_heard_at),
        "permission_declined_at": codec.opt_utc_text(state.permission_declined_at),
        "device_timezone": state.device_timezone,
        "device_zone_checked_at": codec.opt_utc_text(state.device_zone_checked_at),
        "followup_minutes": state.followup_minutes,
        "name_medicines_in_reminders": state.name_medicines_in_reminders,
        "reminders": {k: {"token": t.token, "rule": t.rule} for k, t in state.reminders.items()},
    }


def state_from_dict(recipient_id: str, data: dict[str, Any]) -> VoiceState:
    reminders = {str(k): ReminderToken(str(v["token"]), str(v["rule"]))
                 for k, v in dict(data.get("reminders") or {}).items()}
    return VoiceState(
        recipient_id=recipient_id,
        disclaimer_heard_at=codec.opt_parse_utc(data.get("disclaimer_heard_at")),
        permission_declined_at=codec.opt_parse_utc(data.get("permission_declined_at")),
        device_timezone=data.get("device_timezone") or None,
        device_zone_checked_at=codec.opt_parse_utc(data.get("device_zone_checked_at")),
        followup_minutes=int(data.get("followup_minutes") or VoiceState(recipient_id).followup_minutes),
        reminders=reminders,
        name_medicines_in_reminders=data.get("name_medicines_in_reminders") is True,
    )


class SqliteVoice(SqliteBase, VoiceStore):
    # -- links ----------------------------------------------------------------------------------------
    def get_alexa_link(self, alexa_id: str) -> AlexaLink | None:
        rows = self.query("SELECT * FROM alexa_links WHERE alexa_id = ?", (alexa_id,))
        if not rows:
            return None
        return AlexaLink(alexa_id, rows[0]["recipient_id"], codec.parse_utc(rows[0]["linked_at"]))

    def put_alexa_link(self, link: AlexaLink) -> None:
        with self.transaction() as conn:
            conn.execute("INSERT INTO alexa_links (alexa_id, recipient_id, linked_at) VALUES (?, ?, ?)"
                         " ON CONFLICT (alexa_id) DO UPDATE SET recipient_id = excluded.recipient_id,"
                         " linked_at = excluded.linked_at",
                         (link.alexa_id, link.recipient_id, codec.utc_text(link.linked_at)))

    def delete_alexa_link(self, alexa_id: str) -> None:
        with self.transaction() as conn:
            conn.execute("DELETE FROM alexa_links WHERE alexa_id = ?", (alexa_id,))

    # -- link attempts --------------------------------------------------------------------------------
    @staticmethod
    def _attempt_record(conn: sqlite3.Connection, alexa_id: str) -> AttemptRecord:
        row = conn.execute("SELECT * FROM link_attempts WHERE alexa_id = ?", (alexa_id,)).fetchone()
        if row is None:
            return AttemptRecord()
        return AttemptRecord(int(row["failures"]), codec.opt_parse_utc(row["window_start"]),
                             codec.opt_parse_utc(row["locked_until"]))

    def link_attempts(self, alexa_id: str, now: datetime) -> LinkAttempts:
        return self._attempt_record(self._conn(), alexa_id).effective(now)

    def record_link_failure(self, alexa_id: str, now: datetime) -> LinkAttempts:
        with self.transaction() as conn:
            record = self._attempt_record(conn, alexa_id).after_failure(now)
            conn.execute(
                "INSERT INTO link_attempts (alexa_id, failures, window_start, locked_until) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (alexa_id) DO UPDATE SET failures = excluded.failures,"
                " window_start = excluded.window_start, locked_until = excluded.locked_until",
                (alexa_id, record.failures, codec.opt_utc_text(record.window_start),
                 codec.opt_utc_text(record.locked_until)))
        return record.effective(now)

    def clear_link_failures(self, alexa_id: str) -> None:
        with self.transaction() as conn:
            conn.execute("DELETE FROM link_attempts WHERE alexa_id = ?", (alexa_id,))

    # -- voice state ----------------------------------------------------------------------------------
    def load_voice_view(self, recipient_id: str, since: datetime) -> VoiceView | None:
        with self.snapshot() as conn:  # one consistent read, the counterpart of DynamoDB's one Query
            view = self.load_recipient_view(recipient_id, since)  # type: ignore[attr-defined]
            if view is None:
                return None
            linked = frozenset(r[0] for r in conn.execute(
                "SELECT alexa_id FROM alexa_links WHERE recipient_id = ?", (recipient_id,)))
            return VoiceView(view=view, state=self.get_voice_state(recipient_id), linked_ids=linked)

    def get_voice_state(self, recipient_id: str) -> VoiceState:
        rows = self.query("SELECT data FROM voice_state WHERE recipient_id = ?", (recipient_id,))
        return state_from_dict(recipient_id, json.loads(rows[0]["data"]) if rows else {})

    def _update_state(self, recipient_id: str, changes: dict[str, Any]) -> None:
        with self.transaction() as conn:
            row = conn.execute("SELECT data FROM voice_state WHERE recipient_id = ?", (recipient_id,)).fetchone()
            data = json.loads(row["data"]) if row else {}
            for key, value in changes.items():
                if key == "reminders":
                    tokens = dict(data.get("reminders") or {})
                    for name, token in value.items():
                        if token is None:
                            tokens.pop(name, None)
                        else:
                            tokens[name] = token
                    data["reminders"] = tokens
                else:
                    data[key] = value
            conn.execute("INSERT INTO voice_state (recipient_id, data) VALUES (?, ?)"
                         " ON CONFLICT (recipient_id) DO UPDATE SET data = excluded.data",
                         (recipient_id, json.dumps(data)))

    def mark_disclaimer_heard(self, recipient_id: str, at: datetime) -> None:
        self._update_state(recipient_id, {"disclaimer_heard_at": codec.utc_text(at)})

    def set_permission_declined(self, recipient_id: str, at: datetime | None) -> None:
        self._update_state(recipient_id, {"permission_declined_at": codec.opt_utc_text(at)})

    def set_device_timezone(self, recipient_id: str, device_timezone: str | None,
                            checked_at: datetime | None = None) -> None:
        changes: dict[str, Any] = {"device_timezone": device_timezone}
        if checked_at is not None:
            changes["device_zone_checked_at"] = codec.utc_text(checked_at)
        self._update_state(recipient_id, changes)

    def set_followup_minutes(self, recipient_id: str, minutes: int) -> None:
        self._update_state(recipient_id, {"followup_minutes": validate_followup(minutes)})

    def set_name_medicines_in_reminders(self, recipient_id: str, name_them: bool) -> None:
        self._update_state(recipient_id, {"name_medicines_in_reminders": bool(name_them)})

    def put_reminder_token(self, recipient_id: str, key: str, token: ReminderToken) -> None:
        self._update_state(recipient_id, {"reminders": {key: {"token": token.token, "rule": token.rule}}})

    def delete_reminder_token(self, recipient_id: str, key: str) -> None:
        self._update_state(recipient_id, {"reminders": {key: None}})
