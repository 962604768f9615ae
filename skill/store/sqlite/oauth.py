"""The OAuth area in SQLite: clients, authorization codes, grants, and every token hash a grant ever had.

`oauth_token_hashes` keeps rotated-away hashes too, so a replayed refresh token still finds its grant (and
gets the grant revoked) rather than looking merely unknown.
"""

from __future__ import annotations

import json
from datetime import datetime

from skill.domain.oauth import AuthorizationCode, OAuthClient, OAuthGrant, TokenUse
from skill.store import oauth_codec as codec
from skill.store.codec import utc_text
from skill.store.oauth import OAuthStore
from skill.store.sqlite.connection import SqliteBase

MIGRATIONS: list[str] = [
    """
    CREATE TABLE oauth_clients (client_id TEXT PRIMARY KEY, data TEXT NOT NULL);
    CREATE TABLE oauth_codes (code_hash TEXT PRIMARY KEY, expires TEXT NOT NULL, used_at TEXT, data TEXT NOT NULL);
    CREATE TABLE oauth_grants (
        id TEXT PRIMARY KEY, user_id TEXT NOT NULL, created_at TEXT NOT NULL, access_hash TEXT NOT NULL,
        refresh_hash TEXT NOT NULL, revoked_at TEXT, data TEXT NOT NULL);
    CREATE INDEX oauth_grants_by_user ON oauth_grants (user_id, created_at);
    CREATE TABLE oauth_token_hashes (
        token_hash TEXT PRIMARY KEY, use TEXT NOT NULL, grant_id TEXT NOT NULL REFERENCES oauth_grants (id))
    """,
]


class SqliteOAuth(SqliteBase, OAuthStore):
    def put_oauth_client(self, client: OAuthClient) -> None:
        with self.transaction() as conn:
            conn.execute("INSERT INTO oauth_clients (client_id, data) VALUES (?, ?)",
                         (client.client_id, json.dumps(codec.client_to_dict(client))))

    def get_oauth_client(self, client_id: str) -> OAuthClient | None:
        rows = self.query("SELECT data FROM oauth_clients WHERE client_id = ?", (client_id,))
        return codec.client_from_dict(json.loads(rows[0]["data"])) if rows else None

    def put_oauth_code(self, code: AuthorizationCode) -> None:
        data = codec.code_to_dict(code)
        with self.transaction() as conn:
            conn.execute("INSERT INTO oauth_codes (code_hash, expires, used_at, data) VALUES (?, ?, NULL, ?)",
                         (code.code_hash, data["expires"], json.dumps(data)))

    def claim_oauth_code(self, code_hash: str, now: datetime) -> AuthorizationCode | None:
        when = utc_text(now)
        with self.transaction() as conn:
            row = conn.execute("UPDATE oauth_codes SET used_at = ? WHERE code_hash = ? AND used_at IS NULL"
                               " AND expires > ? RETURNING data", (when, code_hash, when)).fetchone()
        if row is None:
            return None
        return codec.code_from_dict({**json.loads(row[0]), "used_at": when})

    def create_oauth_grant(self, grant: OAuthGrant) -> None:
        data = codec.grant_to_dict(grant)
        with self.transaction() as conn:
            conn.execute("INSERT INTO oauth_grants (id, user_id, created_at, access_hash, refresh_hash, revoked_at,"
                         " data) VALUES (?, ?, ?, ?, ?, ?, ?)",
                         (grant.id, grant.user_id, data["created_at"], grant.access_hash, grant.refresh_hash,
                          data["revoked_at"], json.dumps(data)))
            conn.executemany("INSERT INTO oauth_token_hashes (token_hash, use, grant_id) VALUES (?, ?, ?)",
                             [(grant.access_hash, TokenUse.ACCESS.value, grant.id),
                              (grant.refresh_hash, TokenUse.REFRESH.value, grant.id)])

    def _grant(self, where: str, params: tuple[object, ...]) -> list[OAuthGrant]:
        """`where` is always one of this class's own constant clauses; values go in `params`."""
        rows = self.query("SELECT g.data, g.access_hash, g.refresh_hash, g.revoked_at"  # noqa: S608
                          f" FROM oauth_grants g WHERE {where} ORDER BY g.created_at DESC", params)
        return [codec.grant_from_dict({**json.loads(r["data"]), "access_hash": r["access_hash"],
                                       "refresh_hash": r["refresh_hash"], "revoked_at": r["revoked_at"]})
                for r in rows]

    def find_oauth_grant(self, token_hash: str, use: TokenUse) -> OAuthGrant | None:
        found = self._grant("g.id = (SELECT grant_id FROM oauth_token_hashes WHERE token_hash = ? AND use = ?)",
                            (token_hash, use.value))
        return found[0] if found else None

    def rotate_oauth_grant(self, grant_id: str, old_refresh_hash: str, access_hash: str, access_expires_at: datetime,
                           refresh_hash: str, refresh_expires_at: datetime) -> OAuthGrant | None:
        with self.transaction() as conn:
            row = conn.execute(
                "UPDATE oauth_grants SET access_hash = ?, refresh_hash = ?,"
                " data = json_set(data, '$.access_expires', ?, '$.refresh_expires', ?)"
                " WHERE id = ? AND refresh_hash = ? AND revoked_at IS NULL RETURNING id",
                (access_hash, refresh_hash, utc_text(access_expires_at), utc_text(refresh_expires_at), grant_id,
                 old_refresh_hash)).fetchone()
            if row is None:
                return None
            conn.executemany("INSERT INTO oauth_token_hashes (token_hash, use, grant_id) VALUES (?, ?, ?)",
                             [(access_hash, TokenUse.ACCESS.value, grant_id),
                              (refresh_hash, TokenUse.REFRESH.value, grant_id)])
        found = self._grant("g.id = ?", (grant_id,))
        return found[0] if found else None

    def revoke_oauth_grant(self, grant_id: str, now: datetime) -> bool:
        with self.transaction() as conn:
            cur = conn.execute("UPDATE oauth_grants SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                               (utc_text(now), grant_id))
            return cur.rowcount > 0

    def list_oauth_grants(self, user_id: str) -> list[OAuthGrant]:
        return self._grant("g.user_id = ?", (user_id,))
