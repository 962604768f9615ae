"""`dosekeeper user ...` against a real SQLite file."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from skill.accounts.passwords import verify_password
from skill.accounts.tokens import hash_secret
from skill.cli.main import cli
from skill.domain.models import Recipient, new_id
from skill.store.sqlite import SqliteStore


def run(db: Path, *args: str, stdin: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--store", f"sqlite:///{db}", *args], input=stdin)
    return result.exit_code, result.output


def test_an_account_is_added_linked_and_given_a_token(tmp_path: Path) -> None:
    # GIVEN a store with one recipient
    db = tmp_path / "cli.db"
    store = SqliteStore(db)
    store.init()
    edith = Recipient(id=new_id("rec"), display_name="Edith", timezone="Europe/London", organisation="north")
    store.put_recipient(edith)
    # WHEN a carer is added with a password from stdin, linked, and given a token
    code, out = run(db, "user", "add", "--email", "Ann@Example.org", "--role", "carer", "--organisation",
                    "north", "--password-stdin", stdin="a good long password\n")
    assert code == 0, out
    assert run(db, "user", "link", "ann@example.org", edith.id)[0] == 0
    code, secret = run(db, "user", "token", "ann@example.org")
    # THEN the account signs in with that password, cares for Edith, and the token is hers
    ann = store.get_user_by_email("ann@example.org")
    assert ann is not None and verify_password(ann.password_hash, "a good long password")
    assert ann.recipient_ids == {edith.id}
    token = store.get_token(hash_secret(secret.strip()))
    assert code == 0 and token is not None and token.user_id == ann.id
    store.close()


def test_bad_input_is_one_line_and_exit_code_2(tmp_path: Path) -> None:
    db = tmp_path / "cli.db"
    assert run(db, "user", "add", "--email", "ann@example.org", "--role", "carer", "--password-stdin",
               stdin="short\n") == (2, "Error: password must be at least 10 characters\n")
    assert run(db, "user", "add", "--email", "not-an-email", "--role", "carer", "--password-stdin",
               stdin="a good long password\n")[0] == 2
    run(db, "user", "add", "--email", "ann@example.org", "--role", "carer", "--password-stdin",
        stdin="a good long password\n")
    code, out = run(db, "user", "add", "--email", "ann@example.org", "--role", "admin", "--password-stdin",
                    stdin="a good long password\n")
    assert (code, out) == (2, "Error: an account with that email already exists\n")
    assert run(db, "user", "token", "nobody@example.org")[0] == 2
    assert run(db, "user", "link", "ann@example.org", "rec_missing")[0] == 2
