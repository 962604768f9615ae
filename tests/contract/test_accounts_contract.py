"""The accounts store contract: users, links, lockout counts, session versions, tokens, invitations, password
resets and audit alike everywhere."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from skill.accounts.resets import issue_reset
from skill.accounts.tokens import hash_secret, issue_invitation, issue_token
from skill.domain.accounts import AuditEntry, Role, TokenScope, User
from skill.domain.errors import ConflictError
from skill.domain.models import new_id
from skill.store.base import Store
from skill.store.dynamodb import DynamoStore
from skill.store.dynamodb.table import to_item
from skill.store.sqlite import SqliteStore

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def user(email: str = "ann@example.org", role: Role = Role.CARER, organisation: str = "north",
         **kw: object) -> User:
    return User(id=new_id("usr"), email=email, role=role, organisation=organisation,
                password_hash="$argon2id$fake", created_at=NOW, **kw)  # type: ignore[arg-type]


def test_user_round_trips_by_id_and_case_insensitive_email(store: Store) -> None:
    # GIVEN a carer linked to one recipient
    ann = user("Ann@Example.org", recipient_ids=frozenset({"rec_1"}))
    store.create_user(ann)
    # THEN the account reads back the same by id and by email in any case
    assert store.get_user(ann.id) == ann
    assert store.get_user_by_email("ANN@example.ORG") == ann
    assert store.get_user("usr_missing") is None
    assert store.get_user_by_email("nobody@example.org") is None


def test_a_second_account_with_the_same_email_is_refused(store: Store) -> None:
    store.create_user(user("ann@example.org"))
    with pytest.raises(ConflictError):
        store.create_user(user("ann@example.org"))
    assert len(store.list_users("north")) == 1


def test_users_list_by_organisation(store: Store) -> None:
    store.create_user(user("bob@example.org"))
    store.create_user(user("ann@example.org", role=Role.COORDINATOR))
    store.create_user(user("cat@example.org", organisation="south"))
    assert [u.email for u in store.list_users("north")] == ["ann@example.org", "bob@example.org"]
    assert [u.email for u in store.list_users("south")] == ["cat@example.org"]


def test_linking_and_unlinking_recipients_is_idempotent(store: Store) -> None:
    ann = user()
    store.create_user(ann)
    assert store.link_recipient(ann.id, "rec_1")
    assert store.link_recipient(ann.id, "rec_1")
    assert store.link_recipient(ann.id, "rec_2")
    assert store.get_user(ann.id).recipient_ids == {"rec_1", "rec_2"}  # type: ignore[union-attr]
    assert store.unlink_recipient(ann.id, "rec_1")
    assert store.get_user(ann.id).recipient_ids == {"rec_2"}  # type: ignore[union-attr]
    assert not store.link_recipient("usr_missing", "rec_1")


def test_password_hash_can_be_replaced(store: Store) -> None:
    ann = user()
    store.create_user(ann)
    store.set_password_hash(ann.id, "$argon2id$new")
    assert store.get_user(ann.id).password_hash == "$argon2id$new"  # type: ignore[union-attr]


def test_failed_sign_ins_lock_the_account_and_success_clears_them(store: Store) -> None:
    # GIVEN an account
    ann = user()
    store.create_user(ann)
    until = NOW + timedelta(minutes=15)
    # WHEN it fails twice of a three-strike limit, it is counted but not locked
    for _ in range(2):
        after = store.record_login_failure(ann.id, 3, until)
    assert after is not None and after.failed_logins == 2 and not after.locked(NOW)
    # WHEN it fails a third time, it is locked and the count restarts
    after = store.record_login_failure(ann.id, 3, until)
    assert after is not None and after.locked(NOW) and after.locked_until == until and after.failed_logins == 0
    # WHEN a later sign-in succeeds, the lock and count are gone
    store.clear_login_failures(ann.id)
    cleared = store.get_user(ann.id)
    assert cleared is not None and cleared.locked_until is None and cleared.failed_logins == 0
    assert store.record_login_failure("usr_missing", 3, until) is None


def test_tokens_are_found_by_hash_listed_per_user_and_revoked_only_by_their_owner(store: Store) -> None:
    ann, bob = user(), user("bob@example.org")
    store.create_user(ann)
    store.create_user(bob)
    _, first = issue_token(ann.id, "laptop", NOW)
    _, second = issue_token(ann.id, "phone", NOW + timedelta(seconds=1))
    store.put_token(first)
    store.put_token(second)
    assert store.get_token(first.token_hash) == first
    assert store.list_tokens(ann.id) == [first, second]
    assert not store.delete_token(bob.id, first.token_hash)
    assert store.delete_token(ann.id, first.token_hash)
    assert store.get_token(first.token_hash) is None
    assert store.list_tokens(ann.id) == [second]


def test_an_invitation_is_claimed_once_and_never_after_expiry(store: Store) -> None:
    _, invite = issue_invitation("usr_1", "north", frozenset({"rec_1"}), NOW)
    store.put_invitation(invite)
    assert store.get_invitation(invite.token_hash) == invite
    claimed = store.claim_invitation(invite.token_hash, NOW)
    assert claimed is not None and claimed.recipient_ids == {"rec_1"} and claimed.used_at == NOW
    assert store.claim_invitation(invite.token_hash, NOW) is None
    _, late = issue_invitation("usr_1", "north", frozenset({"rec_1"}), NOW)
    store.put_invitation(late)
    assert store.claim_invitation(late.token_hash, late.expires_at + timedelta(seconds=1)) is None
    assert store.claim_invitation("missing", NOW) is None


def test_audit_entries_list_newest_first_per_recipient(store: Store) -> None:
    entries = [AuditEntry(id=new_id("aud"), who="ann@example.org", when=NOW + timedelta(microseconds=i),
                          recipient_id="rec_1", entity="medication", action="update",
                          before={"name": "A", "times": ["08:00"], "end": None},
                          after={"name": "A", "times": ["08:00", "20:00"], "end": None})
               for i in range(3)]
    for entry in entries:
        store.append_audit(entry)
    store.append_audit(AuditEntry(id=new_id("aud"), who="x", when=NOW, recipient_id="rec_2",
                                  entity="contact", action="create", after={"name": "B"}))
    assert store.list_audit("rec_1") == entries[::-1]
    assert store.list_audit("rec_1", limit=2) == entries[:0:-1]
    assert store.list_audit("rec_2")[0].before is None


def test_ending_sessions_bumps_the_version_and_nothing_else(store: Store) -> None:
    ann = user()
    store.create_user(ann)
    assert ann.session_version == 0
    assert store.end_sessions(ann.id) == 1
    assert store.end_sessions(ann.id) == 2
    after = store.get_user(ann.id)
    assert after is not None and after.session_version == 2 and after.password_hash == ann.password_hash
    assert store.get_user_by_email(ann.email) == after
    assert store.end_sessions("usr_missing") is None


def test_tokens_keep_their_scope_and_expiry(store: Store) -> None:
    ann = user()
    store.create_user(ann)
    _, limited = issue_token(ann.id, "sheet", NOW, scope=TokenScope.READ, expires_at=NOW + timedelta(days=30))
    store.put_token(limited)
    found = store.get_token(limited.token_hash)
    assert found == limited and not found.may_write
    assert not found.expired(NOW + timedelta(days=30) - timedelta(seconds=1))
    assert found.expired(NOW + timedelta(days=30))
    assert store.list_tokens(ann.id) == [limited]


def put_token_as_stored_before_scopes(store: Store, token_hash: str, user_id: str) -> None:
    """A token row exactly as the previous release wrote it: no scope, no expiry."""
    old = {"token_hash": token_hash, "user_id": user_id, "name": "old", "created_at": "2026-01-02T03:04:05Z"}
    if isinstance(store, SqliteStore):
        with store.transaction() as conn:
            conn.execute("INSERT INTO access_tokens (token_hash, user_id, created_at, data) VALUES (?, ?, ?, ?)",
                         (token_hash, user_id, old["created_at"], json.dumps(old)))
    else:
        assert isinstance(store, DynamoStore)
        store.client.put_item(TableName=store.table.table_name, Item=to_item({
            "PK": f"TOKEN#{token_hash}", "SK": "TOKEN", "type": "token", **old,
            "GSI2PK": f"TOKENS#{user_id}", "GSI2SK": f"{old['created_at']}#{token_hash}"}))


def test_tokens_stored_before_scopes_read_as_read_write_without_expiry(store: Store) -> None:
    put_token_as_stored_before_scopes(store, "h" * 64, "usr_old")
    token = store.get_token("h" * 64)
    assert token is not None and token.scope is TokenScope.READ_WRITE and token.expires_at is None
    assert not token.expired(NOW + timedelta(days=3650))
    assert [t.token_hash for t in store.list_tokens("usr_old")] == ["h" * 64]


def test_a_password_reset_is_claimed_once_and_never_after_expiry(store: Store) -> None:
    secret, reset = issue_reset("usr_1", NOW)
    store.put_password_reset(reset)
    assert reset.token_hash == hash_secret(secret) and secret not in reset.token_hash
    assert store.get_password_reset(reset.token_hash) == reset
    claimed = store.claim_password_reset(reset.token_hash, NOW + timedelta(minutes=1))
    assert claimed is not None and claimed.user_id == "usr_1"
    assert claimed.used_at == NOW + timedelta(minutes=1)
    assert store.claim_password_reset(reset.token_hash, NOW + timedelta(minutes=2)) is None
    _, late = issue_reset("usr_1", NOW)
    store.put_password_reset(late)
    assert store.claim_password_reset(late.token_hash, late.expires_at) is None
    assert store.get_password_reset(late.token_hash) == late
    assert store.claim_password_reset("missing", NOW) is None
    assert store.get_password_reset("missing") is None
