"""Opening a DynamoDB store from the CLI against a real server (dynalite): only `store init` creates a table.

A mistyped table name used to become a brand-new table without the stack's backups, deletion protection
or encryption, and the operator's data went there unnoticed. Every other command now refuses with exit 2.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from click.testing import CliRunner, Result

from skill.cli.main import cli
from tests.conftest import dynalite_client


@pytest.fixture
def dynamodb_env(dynalite_url: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The CLI's boto3 client pointed at dynalite, as an operator would point it at a local server."""
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", dynalite_url)
    return dynalite_client(dynalite_url)


def run(table: str, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--store", f"dynamodb://{table}", *args])


def table_names(client: Any) -> list[str]:
    return list(client.list_tables()["TableNames"])


@pytest.mark.parametrize("command", [
    ["recipient", "list"],
    ["recipient", "add", "--name", "Edith", "--timezone", "Europe/London"],
    ["sweep"],
    ["deploy-check", "--recipient", "rec_x", "--contact", "con_x"],
])
def test_a_command_on_a_missing_table_exits_2_and_creates_nothing(dynamodb_env: Any, command: list[str]) -> None:
    # GIVEN a table name that does not exist (a typo of the real one)
    table = f"dosekeepr-{uuid.uuid4().hex[:8]}"

    # WHEN an everyday command runs against it
    result = run(table, *command)

    # THEN it exits 2 with one line that says what to do, and no table was created
    assert result.exit_code == 2, result.output
    assert f"table {table} does not exist; run `dosekeeper store init` to create it" in result.output
    assert "Traceback" not in result.output
    assert table not in table_names(dynamodb_env)


def test_store_init_creates_the_table_and_then_commands_work(dynamodb_env: Any) -> None:
    # GIVEN a table name that does not exist yet
    table = f"dosekeeper-{uuid.uuid4().hex[:8]}"

    # WHEN the operator asks for it, and then adds a recipient
    created = run(table, "store", "init")
    added = run(table, "recipient", "add", "--name", "Edith", "--timezone", "Europe/London", "--json")

    # THEN the table exists and the recipient is listed from it
    assert created.exit_code == 0, created.output
    assert table in table_names(dynamodb_env)
    assert added.exit_code == 0, added.output
    assert "Edith" in run(table, "recipient", "list").output
    # AND running init again is harmless
    assert run(table, "store", "init").exit_code == 0
    dynamodb_env.delete_table(TableName=table)


def test_aws_region_alone_is_enough(dynamodb_env: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN the region set the way the deploy guide and Lambda set it, AWS_REGION only
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")  # no region from a profile either
    table = f"dosekeeper-{uuid.uuid4().hex[:8]}"

    # WHEN the CLI creates and reads the table
    created = run(table, "store", "init")
    listed = run(table, "recipient", "list")

    # THEN boto3 found the region (it reads only AWS_DEFAULT_REGION by itself)
    assert created.exit_code == 0, created.output
    assert listed.exit_code == 0, listed.output
    dynamodb_env.delete_table(TableName=table)


def test_no_region_at_all_is_one_clear_line(dynamodb_env: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN no region anywhere
    for name in ("AWS_DEFAULT_REGION", "AWS_REGION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")

    # WHEN a command opens a DynamoDB store
    result = run("dosekeeper", "recipient", "list")

    # THEN it exits 2 and says which setting is missing
    assert result.exit_code == 2
    assert "no AWS region; set AWS_REGION" in result.output


def test_deploy_check_on_aws_leaves_the_test_alert_to_the_deployed_sweep(dynamodb_env: Any) -> None:
    # GIVEN a deployed table with a person and a carer, and no sweep running against it
    table = f"dosekeeper-{uuid.uuid4().hex[:8]}"
    assert run(table, "store", "init").exit_code == 0
    added = run(table, "recipient", "add", "--name", "Edith", "--timezone", "Europe/London", "--json")
    rid = json.loads(added.output)["id"]
    contact = run(table, "contact", "add", rid, "--name", "Ann", "--email", "ann@example.org", "--json")
    cid = json.loads(contact.output)["id"]

    # WHEN the operator runs the post-deploy check with a short wait
    result = run(table, "deploy-check", "--recipient", rid, "--contact", cid, "--wait", "1")

    # THEN it waited for the sweep rather than sending from this machine, and fails because none came
    assert "waiting up to 1 s for the sweep" in result.output
    assert "FAIL  alert       no sweep delivered the test alert within 1 s" in result.output
    assert "FAIL  sweep       no sweep has run yet" in result.output
    assert result.exit_code == 1
    # AND the alert stays in the outbox for the sweep to deliver when it runs
    listed = json.loads(run(table, "notifications", "--recipient", rid, "--json").output)
    assert [(n["kind"], n["state"]) for n in listed] == [("test", "pending")]
    dynamodb_env.delete_table(TableName=table)
