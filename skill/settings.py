"""Every environment variable DoseKeeper reads, named once (the Powertools habit)."""

from __future__ import annotations

import os
from pathlib import Path

STORE = "DOSEKEEPER_STORE"  # sqlite:///path.db or dynamodb://TABLE
TABLE = "DOSEKEEPER_TABLE"  # DynamoDB table name on Lambda
SKILL_ID = "DOSEKEEPER_SKILL_ID"  # the Alexa skill id requests must carry
SMTP_URL = "DOSEKEEPER_SMTP_URL"  # smtp://[user:pass@]host:port
SMTP_FROM = "DOSEKEEPER_SMTP_FROM"
SES_FROM = "DOSEKEEPER_SES_FROM"
WEBHOOK_SECRET = "DOSEKEEPER_WEBHOOK_SECRET"  # noqa: S105 - a variable name, not a secret
SECRET_KEY = "DOSEKEEPER_SECRET_KEY"  # noqa: S105 - Flask session key when self-hosting
SECRET_ARN = "DOSEKEEPER_SECRET_ARN"  # noqa: S105 - Secrets Manager secret holding the web session key on AWS
WEBHOOK_SECRET_ARN = "DOSEKEEPER_WEBHOOK_SECRET_ARN"  # noqa: S105 - the secret holding the webhook signing key
# Hosts (names, IPs or CIDR networks, comma-separated) webhooks may reach although they are not public
# https addresses: a receiver on this machine or the LAN when self-hosting, and the tests' loopback receivers.
WEBHOOK_ALLOW_HOSTS = "DOSEKEEPER_WEBHOOK_ALLOW_HOSTS"
PUBLIC_URL = "DOSEKEEPER_PUBLIC_URL"  # base URL of the web app, for links in messages and feeds
AWS_REGION = "AWS_REGION"
AWS_ENDPOINT_URL_DYNAMODB = "AWS_ENDPOINT_URL_DYNAMODB"
POWERTOOLS_SERVICE_NAME = "POWERTOOLS_SERVICE_NAME"
DUE_SHARDS = "DOSEKEEPER_DUE_SHARDS"  # shards of the DynamoDB due index (default 1: unsharded, as old tables)
SWEEP_QUEUE_URL = "DOSEKEEPER_SWEEP_QUEUE_URL"  # the SQS queue the sweep dispatcher sends one message per shard to


def env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def due_shards() -> int:
    """The due index's shard count; every process writing doses to one table must agree on it."""
    text = env(DUE_SHARDS, "1") or "1"
    if not text.isdigit() or int(text) < 1:
        raise ValueError(f"{DUE_SHARDS} must be a whole number of at least 1")
    return int(text)


def default_store_url() -> str:
    """The embedded SQLite file in the user's data directory, so a first run needs no configuration."""
    from platformdirs import user_data_dir

    path = Path(user_data_dir("dosekeeper", appauthor=False)) / "dosekeeper.db"
    return f"sqlite:///{path}"


def store_url() -> str:
    return env(STORE) or default_store_url()
