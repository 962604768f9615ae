"""Who may see and change whom: the rules every page and API route relies on."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from skill.accounts.access import can_edit, can_manage, can_see_cohort, can_view
from skill.accounts.passwords import hash_password, verify_password
from skill.accounts.tokens import bearer_secret, hash_secret, issue_token
from skill.domain.accounts import AuditEntry, Role, User, clean_email
from skill.domain.errors import ValidationError
from tests.factories import recipient

NOW = datetime(2026, 11, 25, tzinfo=UTC)
EDITH = recipient(display_name="Edith", organisation="north")
BERT = recipient(display_name="Bert", organisation="north")
SAM = recipient(display_name="Sam", organisation="south")


def user(role: Role, organisation: str = "north", linked: frozenset[str] = frozenset()) -> User:
    return User(id="usr_1", email="a@example.org", role=role, organisation=organisation, password_hash="x",
                recipient_ids=linked, created_at=NOW)


def test_a_carer_sees_and_edits_only_linked_recipients() -> None:
    carer = user(Role.CARER, linked=frozenset({EDITH.id}))
    assert can_view(carer, EDITH) and can_edit(carer, EDITH)
    assert not can_view(carer, BERT) and not can_edit(carer, BERT)
    assert not can_view(carer, SAM)
    assert not can_see_cohort(carer)


def test_a_coordinator_reads_the_organisation_and_edits_only_when_also_a_carer() -> None:
    coordinator = user(Role.COORDINATOR)
    assert can_view(coordinator, EDITH) and can_view(coordinator, BERT)
    assert not can_edit(coordinator, EDITH)
    assert not can_view(coordinator, SAM)
    assert can_see_cohort(coordinator)
    also_carer = user(Role.COORDINATOR, linked=frozenset({EDITH.id}))
    assert can_edit(also_carer, EDITH) and not can_edit(also_carer, BERT)


def test_an_admin_manages_accounts_of_their_own_organisation_only() -> None:
    admin = user(Role.ADMIN)
    assert can_manage(admin, user(Role.CARER))
    assert not can_manage(admin, user(Role.CARER, organisation="south"))
    assert not can_manage(user(Role.COORDINATOR), user(Role.CARER))
    assert can_view(admin, EDITH) and not can_edit(admin, EDITH) and not can_view(admin, SAM)


def test_emails_are_one_account_whatever_their_case() -> None:
    assert clean_email("  Ann@Example.ORG ") == "ann@example.org"
    with pytest.raises(ValidationError):
        clean_email("ann at example")


def test_passwords_verify_only_with_the_right_one_and_short_ones_are_refused() -> None:
    hashed = hash_password("a long enough password")
    assert hashed.startswith("$argon2id$")
    assert verify_password(hashed, "a long enough password")
    assert not verify_password(hashed, "a long enough passworD")
    assert not verify_password("not a hash", "anything")
    with pytest.raises(ValidationError, match="at least 10"):
        hash_password("short")


def test_a_token_secret_is_never_stored_only_its_hash() -> None:
    secret, token = issue_token("usr_1", "laptop", NOW)
    assert secret.startswith("dk_") and secret not in repr(token)
    assert token.token_hash == hash_secret(secret)
    assert bearer_secret(f"Bearer {secret}") == secret
    assert bearer_secret(f"bearer  {secret} ") == secret
    assert bearer_secret(f"Basic {secret}") is None
    assert bearer_secret("Bearer something-else") is None
    assert bearer_secret(None) is None


def test_an_audit_entry_lists_only_what_changed() -> None:
    entry = AuditEntry(id="aud_1", who="a@example.org", when=NOW, recipient_id=EDITH.id, entity="medication",
                       action="update", before={"name": "A", "times": "08:00"},
                       after={"name": "A", "times": "08:00, 20:00"})
    assert entry.changes() == [("times", "08:00", "08:00, 20:00")]
