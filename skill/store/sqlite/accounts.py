"""The accounts area in SQLite: users, their recipient links, tokens, invitations, resets and the audit log."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime

from skill.domain.accounts import AccessToken, AuditEntry, Invitation, PasswordReset, User
from skill.domain.errors import ConflictError
from skill.store import accounts_codec as codec
from skill.store.accounts import AccountStore
from skill.store.codec import utc_text
from skill.store.sqlite.connection import SqliteBase

MIGRATIONS: list[str] = [
    """
    CREATE TABLE users (
        id TEXT PRIMARY KEY, email TEXT NOT NULL UNIQUE, organisation TEXT NOT NULL,
        failed_logins INTEGER NOT NULL DEFAULT 0, locked_until TEXT, data TEXT NOT NULL);
    CREATE INDEX users_by_org ON users (organisation, email);
    CREATE TABLE user_recipients (
        user_id TEXT NOT NULL REFERENCES users (id), recipient_id TEXT NOT NULL,
        PRIMARY KEY (user_id, recipient_id));
    CREATE TABLE access_tokens (
        token_hash TEXT PRIMARY KEY, user_id TEXT NOT NULL, created_at TEXT NOT NULL, data TEXT NOT NULL);
    CREATE INDEX access_tokens_by_user ON access_tokens (user_id, created_at);
    CREATE TABLE invitations (
        token_hash TEXT PRIMARY KEY, expires TEXT NOT NULL, used_at TEXT, data TEXT NOT NULL);
    CREATE TABLE audit_log (
        recipient_id TEXT NOT NULL, at TEXT NOT NULL, id TEXT NOT NULL, data TEXT NOT NULL,
        PRIMARY KEY (recipient_id, at, id))
    """,
    """
    ALTER TABLE users ADD COLUMN session_version INTEGER NOT NULL DEFAULT 0;
    CREATE TABLE password_resets (
        token_hash TEXT PRIMARY KEY, user_id TEXT NOT NULL, expires TEXT NOT NULL, used_at TEXT,
        data TEXT NOT NULL)
    """,
]


class SqliteAccounts(SqliteBase, AccountStore):
    # -- users --------------------------------------------------------------------------------------
    def create_user(self, user: User) -> None:
        data = codec.user_to_dict(user)
        try:
            with self.transaction() as conn:
                conn.execute(
                    "INSERT INTO users (id, email, organisation, failed_logins, locked_until, session_version,"
                    " data) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (user.id, user.email, user.organisation, user.failed_logins, data["locked_until"],
                     user.session_version, json.dumps(data)))
                conn.executemany("INSERT INTO user_recipients (user_id, recipient_id) VALUES (?, ?)",
                                 [(user.id, r) for r in sorted(user.recipient_ids)])
        except sqlite3.IntegrityError as exc:
            raise ConflictError("an account with that email already exists") from exc

    def _users(self, where: str, params: tuple[object, ...]) -> list[User]:
        """`where` is always one of this class's own constant clauses; values go in `params`."""
        rows = self.query(
            "SELECT u.data, u.failed_logins, u.locked_until, u.session_version,"  # noqa: S608
            " (SELECT json_group_array(recipient_id) FROM user_recipients r WHERE r.user_id = u.id) AS rids"
            f" FROM users u WHERE {where} ORDER BY u.email", params)
        users = []
        for row in rows:
            data = json.loads(row["data"])
            data.update(failed_logins=row["failed_logins"], locked_until=row["locked_until"],
                        session_version=row["session_version"], recipient_ids=json.loads(row["rids"]))
            users.append(codec.user_from_dict(data))
        return users

    def get_user(self, user_id: str) -> User | None:
        found = self._users("u.id = ?", (user_id,))
        return found[0] if found else None

    def get_user_by_email(self, email: str) -> User | None:
        found = self._users("u.email = ?", (email.strip().casefold(),))
        return found[0] if found else None

    def list_users(self, organisation: str) -> list[User]:
        return self._users("u.organisation = ?", (organisation,))

    def set_password_hash(self, user_id: str, password_hash: str) -> None:
        with self.transaction() as conn:
            conn.execute("UPDATE users SET data = json_set(data, '$.password_hash', ?) WHERE id = ?",
                         (password_hash, user_id))

    def end_sessions(self, user_id: str) -> int | None:
        with self.transaction() as conn:
            row = conn.execute("UPDATE users SET session_version = session_version + 1 WHERE id = ?"
                               " RETURNING session_version", (user_id,)).fetchone()
        return int(row[0]) if row is not None else None

    def _user_exists(self, conn: sqlite3.Connection, user_id: str) -> bool:
        return conn.execute("SELECT 1 FROM users WHERE id = ?", (user_id,)).fetchone() is not None

    def link_recipient(self, user_id: str, recipient_id: str) -> bool:
        with self.transaction() as conn:
            if not self._user_exists(conn, user_id):
                return False
            conn.execute("INSERT INTO user_recipients (user_id, recipient_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
                         (user_id, recipient_id))
            return True

    def unlink_recipient(self, user_id: str, recipient_id: str) -> bool:
        with self.transaction() as conn:
            if not self._user_exists(conn, user_id):
                return False
            conn.execute("DELETE FROM user_recipients WHERE user_id = ? AND recipient_id = ?",
                         (user_id, recipient_id))
            return True

    # -- sign-in failures ---------------------------------------------------------------------------
    def record_login_failure(self, user_id: str, lock_after: int, locked_until: datetime) -> User | None:
        with self.transaction() as conn:
            row = conn.execute("UPDATE users SET failed_logins = failed_logins + 1 WHERE id = ?"
                               " RETURNING failed_logins", (user_id,)).fetchone()
            if row is None:
                return None
            if int(row[0]) >= lock_after:
                conn.execute("UPDATE users SET failed_logins = 0, locked_until = ? WHERE id = ?",
                             (utc_text(locked_until), user_id))
        return self.get_user(user_id)

    def clear_login_failures(self, user_id: str) -> None:
        with self.transaction() as conn:
            conn.execute("UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = ?", (user_id,))

    # -- personal access tokens ---------------------------------------------------------------------
    def put_token(self, token: AccessToken) -> None:
        data = codec.token_to_dict(token)
        with self.transaction() as conn:
            conn.execute("INSERT INTO access_tokens (token_hash, user_id, created_at, data) VALUES (?, ?, ?, ?)",
                         (token.token_hash, token.user_id, data["created_at"], json.dumps(data)))

    def get_token(self, token_hash: str) -> AccessToken | None:
        rows = self.query("SELECT data FROM access_tokens WHERE token_hash = ?", (token_hash,))
        return codec.token_from_dict(json.loads(rows[0]["data"])) if rows else None

    def list_tokens(self, user_id: str) -> list[AccessToken]:
        rows = self.query("SELECT data FROM access_tokens WHERE user_id = ? ORDER BY created_at, token_hash",
                          (user_id,))
        return [codec.token_from_dict(json.loads(r["data"])) for r in rows]

    def delete_token(self, user_id: str, token_hash: str) -> bool:
        with self.transaction() as conn:
            cur = conn.execute("DELETE FROM access_tokens WHERE token_hash = ? AND user_id = ?",
                               (token_hash, user_id))
            return cur.rowcount > 0

    # -- invitations --------------------------------------------------------------------------------
    def put_invitation(self, invitation: Invitation) -> None:
        data = codec.invitation_to_dict(invitation)
        with self.transaction() as conn:
            conn.execute("INSERT INTO invitations (token_hash, expires, used_at, data) VALUES (?, ?, ?, ?)",
                         (invitation.token_hash, data["expires"], data["used_at"], json.dumps(data)))

    def get_invitation(self, token_hash: str) -> Invitation | None:
        rows = self.query("SELECT data, used_at FROM invitations WHERE token_hash = ?", (token_hash,))
        if not rows:
            return None
        data = json.loads(rows[0]["data"])
        data["used_at"] = rows[0]["used_at"]
        return codec.invitation_from_dict(data)

    def claim_invitation(self, token_hash: str, now: datetime) -> Invitation | None:
        with self.transaction() as conn:
            cur = conn.execute("UPDATE invitations SET used_at = ? WHERE token_hash = ? AND used_at IS NULL"
                               " AND expires > ?", (utc_text(now), token_hash, utc_text(now)))
            claimed = cur.rowcount > 0
        return self.get_invitation(token_hash) if claimed else None

    # -- password resets ---------------------------------------------------------------------------
    def put_password_reset(self, reset: PasswordReset) -> None:
        data = codec.reset_to_dict(reset)
        with self.transaction() as conn:
            conn.execute("DELETE FROM password_resets WHERE expires < ?", (data["created_at"],))  # tidy as we go
            conn.execute("INSERT INTO password_resets (token_hash, user_id, expires, used_at, data)"
                         " VALUES (?, ?, ?, ?, ?)",
                         (reset.token_hash, reset.user_id, data["expires"], data["used_at"], json.dumps(data)))

    def get_password_reset(self, token_hash: str) -> PasswordReset | None:
        rows = self.query("SELECT data, used_at FROM password_resets WHERE token_hash = ?", (token_hash,))
        if not rows:
            return None
        data = json.loads(rows[0]["data"])
        data["used_at"] = rows[0]["used_at"]
        return codec.reset_from_dict(data)

    def claim_password_reset(self, token_hash: str, now: datetime) -> PasswordReset | None:
        with self.transaction() as conn:
            cur = conn.execute("UPDATE password_resets SET used_at = ? WHERE token_hash = ? AND used_at IS NULL"
                               " AND expires > ?", (utc_text(now), token_hash, utc_text(now)))
            claimed = cur.rowcount > 0
        return self.get_password_reset(token_hash) if claimed else None

    # -- audit log ----------------------------------------------------------------------------------
    def append_audit(self, entry: AuditEntry) -> None:
        data = codec.audit_to_dict(entry)
        with self.transaction() as conn:
            conn.execute("INSERT INTO audit_log (recipient_id, at, id, data) VALUES (?, ?, ?, ?)",
                         (entry.recipient_id, data["when"], entry.id, json.dumps(data)))

    def list_audit(self, recipient_id: str, limit: int = 100) -> list[AuditEntry]:
        rows = self.query("SELECT data FROM audit_log WHERE recipient_id = ? ORDER BY at DESC, id DESC LIMIT ?",
                          (recipient_id, limit))
        return [codec.audit_from_dict(json.loads(r["data"])) for r in rows]
