"""The OAuth store contract, on every store (SQLite, moto, dynalite, DynamoDB Local): clients, single-use
codes, and grants whose token pair rotates with one conditional write."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from skill.domain.models import new_id
from skill.domain.oauth import AuthorizationCode, GrantKind, OAuthClient, OAuthGrant, TokenUse
from skill.store.base import Store


def _grant(now: datetime, user_id: str = "usr_1", suffix: str = "") -> OAuthGrant:
    return OAuthGrant(id=new_id("grant"), client_id="dkapp_1", user_id=user_id, kind=GrantKind.CARER,
                      recipient_ids=frozenset({"rec_1", "rec_2"}), scope="doses:read doses:write",
                      access_hash=f"a1{suffix}", access_expires_at=now + timedelta(hours=1),
                      refresh_hash=f"r1{suffix}", refresh_expires_at=now + timedelta(days=90), created_at=now,
                      resource="https://dk.example/mcp")


def test_clients_round_trip(store: Store) -> None:
    now = datetime.now(UTC).replace(microsecond=0)  # stored to the second
    client = OAuthClient(client_id="dkapp_x", name="Claude", redirect_uris=("https://a.example/cb",),
                         created_at=now, secret_hash=None)
    store.put_oauth_client(client)
    assert store.get_oauth_client("dkapp_x") == client
    assert store.get_oauth_client("dkapp_y") is None


def test_a_code_is_claimed_once_and_never_after_it_expires(store: Store) -> None:
    now = datetime.now(UTC).replace(microsecond=0)  # stored to the second
    code = AuthorizationCode(code_hash="c1", client_id="dkapp_1", user_id="usr_1", redirect_uri="https://a/cb",
                             scope="doses:read", code_challenge="x" * 43, kind=GrantKind.PERSON,
                             recipient_ids=frozenset({"rec_1"}), expires_at=now + timedelta(minutes=5))
    store.put_oauth_code(code)
    claimed = store.claim_oauth_code("c1", now)
    assert claimed is not None and claimed.recipient_ids == frozenset({"rec_1"}) and claimed.used_at is not None
    assert store.claim_oauth_code("c1", now) is None
    store.put_oauth_code(replace(code, code_hash="c2"))
    assert store.claim_oauth_code("c2", now + timedelta(minutes=6)) is None


def test_a_grant_rotates_once_per_refresh_token_and_keeps_its_history(store: Store) -> None:
    now = datetime.now(UTC).replace(microsecond=0)  # stored to the second
    grant = _grant(now, suffix=new_id("x"))
    store.create_oauth_grant(grant)
    assert store.find_oauth_grant(grant.access_hash, TokenUse.ACCESS) == grant
    assert store.find_oauth_grant(grant.refresh_hash, TokenUse.REFRESH) == grant
    assert store.find_oauth_grant(grant.refresh_hash, TokenUse.ACCESS) is None  # a refresh token is no access token
    later = now + timedelta(minutes=30)
    rotated = store.rotate_oauth_grant(grant.id, grant.refresh_hash, "a2" + grant.id, later + timedelta(hours=1),
                                       "r2" + grant.id, later + timedelta(days=90))
    assert rotated is not None and rotated.access_hash == "a2" + grant.id and rotated.refresh_hash == "r2" + grant.id
    assert rotated.access_expires_at == later + timedelta(hours=1)
    # the same old refresh token cannot rotate again (a racing refresh, or a replay) ...
    assert store.rotate_oauth_grant(grant.id, grant.refresh_hash, "a3", later, "r3", later) is None
    # ... but still finds its grant, so a replay can be told from an unknown token
    found = store.find_oauth_grant(grant.refresh_hash, TokenUse.REFRESH)
    assert found is not None and found.id == grant.id and found.refresh_hash == "r2" + grant.id


def test_a_revoked_grant_stays_revoked_and_cannot_rotate(store: Store) -> None:
    now = datetime.now(UTC).replace(microsecond=0)  # stored to the second
    grant = _grant(now, suffix=new_id("y"))
    store.create_oauth_grant(grant)
    assert store.revoke_oauth_grant(grant.id, now) is True
    assert store.revoke_oauth_grant(grant.id, now) is False
    found = store.find_oauth_grant(grant.access_hash, TokenUse.ACCESS)
    assert found is not None and found.revoked_at is not None and not found.live_access(grant.access_hash, now)
    assert store.rotate_oauth_grant(grant.id, grant.refresh_hash, "a9", now, "r9", now) is None


def test_an_accounts_grants_are_listed_newest_first(store: Store) -> None:
    now = datetime.now(UTC).replace(microsecond=0)  # stored to the second
    user = new_id("usr")
    older, newer = _grant(now - timedelta(days=1), user, new_id("o")), _grant(now, user, new_id("n"))
    store.create_oauth_grant(older)
    store.create_oauth_grant(newer)
    assert [g.id for g in store.list_oauth_grants(user)] == [newer.id, older.id]
