"""The one place DoseKeeper builds boto3 clients and reads its secrets, for the AWS entry points.

Alexa gives a skill about eight seconds to answer and the sweep runs every five minutes, so a slow AWS
endpoint must fail fast and be retried a few times rather than hang a worker: every client gets short
connect/read timeouts and the SDK's "standard" retry mode (exponential backoff with jitter, throttling
aware). Nothing here runs at import; clients exist only once an entry point asks for them, so importing the
package costs no network and no credential lookup. Endpoints follow boto3's own configuration
(``AWS_ENDPOINT_URL`` and friends), which is how the tests point everything at a moto server on loopback.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from botocore.config import Config
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_secretsmanager import SecretsManagerClient
    from mypy_boto3_sesv2 import SESV2Client
    from mypy_boto3_sns import SNSClient

    from skill.store.dynamodb import DynamoStore

CONNECT_TIMEOUT_SECONDS = 2.0
READ_TIMEOUT_SECONDS = 3.0
MAX_ATTEMPTS = 3  # the first call plus two retries: worst case stays well inside Alexa's 8 s budget


def client_config(
    *,
    connect_timeout: float = CONNECT_TIMEOUT_SECONDS,
    read_timeout: float = READ_TIMEOUT_SECONDS,
    max_attempts: int = MAX_ATTEMPTS,
) -> Config:
    from botocore.config import Config

    return Config(
        connect_timeout=connect_timeout,
        read_timeout=read_timeout,
        retries={"mode": "standard", "max_attempts": max_attempts},
    )


def _client(service: str, region: str | None, config: Config | None) -> Any:
    import boto3

    session = boto3.session.Session()
    return session.client(service, region_name=region, config=config or client_config())  # type: ignore[call-overload]


def build_dynamodb_client(*, region: str | None = None, config: Config | None = None) -> DynamoDBClient:
    client: DynamoDBClient = _client("dynamodb", region, config)
    return client


def build_sns_client(*, region: str | None = None, config: Config | None = None) -> SNSClient:
    client: SNSClient = _client("sns", region, config)
    return client


def build_sesv2_client(*, region: str | None = None, config: Config | None = None) -> SESV2Client:
    client: SESV2Client = _client("sesv2", region, config)
    return client


def build_secretsmanager_client(
    *, region: str | None = None, config: Config | None = None
) -> SecretsManagerClient:
    client: SecretsManagerClient = _client("secretsmanager", region, config)
    return client


class MissingSettingError(RuntimeError):
    """A deployment setting is not there; the message names the variable and never echoes a value."""

    def __init__(self, name: str) -> None:
        super().__init__(f"environment variable {name} is not set")
        self.name = name


def required_env(name: str) -> str:
    from skill import settings

    value = settings.env(name)
    if value is None:
        raise MissingSettingError(name)
    return value


def open_dynamo_store() -> DynamoStore:
    """The deployment's table (``DOSEKEEPER_TABLE``) through a client with the short timeouts above."""
    from skill import settings
    from skill.store.dynamodb import DynamoStore

    return DynamoStore(required_env(settings.TABLE), build_dynamodb_client())


class SecretUnavailableError(RuntimeError):
    """The deployment's secret could not be read; the message names the secret, never its value."""


@cache
def load_secret(secret_id: str) -> str:
    """Return a Secrets Manager secret's string, fetched once per process (that is, per cold start).

    Reading it on every invocation would add a network round trip to each Alexa turn and a Secrets Manager
    charge per request; a rotated secret reaches the functions as their containers are recycled.
    """
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        answer = build_secretsmanager_client().get_secret_value(SecretId=secret_id)
    except (BotoCoreError, ClientError) as exc:
        raise SecretUnavailableError(f"cannot read secret {secret_id}: {type(exc).__name__}") from exc
    value = answer.get("SecretString")
    if not value:
        raise SecretUnavailableError(f"secret {secret_id} has no string value")
    return value
