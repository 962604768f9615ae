"""The one place DoseKeeper builds boto3 clients and reads its secrets, for the AWS entry points.

Alexa gives a skill about eight seconds to answer and the sweep runs every five minutes, so a slow AWS
endpoint must fail fast and be retried a few times rather than hang a worker: every client gets short
connect/read timeouts and the SDK's "standard" retry mode (exponential backoff with jitter, throttling
aware). Clients that *send* something to a person (SES, SNS) are the exception: they make one attempt,
because a send that timed out may well have been delivered, and a second send at the SDK level, repeated
again by the outbox, is how one alert became 24 messages; the outbox alone decides when to try again.
Nothing here runs at import; clients exist only once an entry point asks for them, so importing the
package costs no network and no credential lookup. Endpoints follow boto3's own configuration
(``AWS_ENDPOINT_URL`` and friends), which is how the tests point everything at a moto server on loopback.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.parameters import SecretsProvider
    from botocore.config import Config
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_secretsmanager import SecretsManagerClient
    from mypy_boto3_sesv2 import SESV2Client
    from mypy_boto3_sns import SNSClient

    from skill.store.dynamodb import DynamoStore

CONNECT_TIMEOUT_SECONDS = 2.0
READ_TIMEOUT_SECONDS = 3.0
MAX_ATTEMPTS = 3  # the first call plus two retries: worst case stays well inside Alexa's 8 s budget
SEND_ATTEMPTS = 1  # SES/SNS: no SDK retry; the outbox retries with its stored backoff and unknown-outcome cap


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
        # total_max_attempts counts the first call; botocore's max_attempts counts only the retries.
        retries={"mode": "standard", "total_max_attempts": max_attempts},
    )


def send_client_config(*, read_timeout: float = READ_TIMEOUT_SECONDS) -> Config:
    """For clients whose calls deliver a message: exactly one attempt per call (see the module docstring)."""
    return client_config(read_timeout=read_timeout, max_attempts=SEND_ATTEMPTS)


def _client(service: str, region: str | None, config: Config | None) -> Any:
    import boto3

    from skill import settings

    session = boto3.session.Session()
    # boto3 reads AWS_DEFAULT_REGION and the profile, not AWS_REGION (which Lambda and most SDKs set).
    region = region or session.region_name or settings.env(settings.AWS_REGION)
    return session.client(service, region_name=region, config=config or client_config())  # type: ignore[call-overload]


def build_dynamodb_client(*, region: str | None = None, config: Config | None = None) -> DynamoDBClient:
    client: DynamoDBClient = _client("dynamodb", region, config)
    return client


def build_sns_client(*, region: str | None = None, config: Config | None = None) -> SNSClient:
    client: SNSClient = _client("sns", region, config or send_client_config())
    return client


def build_sesv2_client(*, region: str | None = None, config: Config | None = None) -> SESV2Client:
    client: SESV2Client = _client("sesv2", region, config or send_client_config())
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


SECRET_MAX_AGE_SECONDS = 300  # a rotated secret is in use within five minutes; one fetch per five per container


@cache
def secrets_provider() -> SecretsProvider:
    """Powertools' Secrets Manager provider over a client with the short timeouts above, one per process.

    The provider holds the cache, so every caller in a warm container shares one fetch per max age. It is
    what ``parameters.get_secret`` calls, built here rather than left to Powertools' default so the client
    keeps the timeouts and retries every other AWS call has.
    """
    from aws_lambda_powertools.utilities.parameters import SecretsProvider

    return SecretsProvider(boto3_client=build_secretsmanager_client())


def load_secret(secret_id: str, *, max_age: int = SECRET_MAX_AGE_SECONDS) -> str:
    """Return a Secrets Manager secret's string, fetched again once the cached copy is ``max_age`` old.

    Reading it on every invocation would add a network round trip to each Alexa turn and a Secrets Manager
    charge per request; reading it once per cold start would keep a rotated-out key in use for as long as a
    container lives. Callers therefore ask for it on every invocation and the cache decides.
    """
    from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError

    try:
        value = secrets_provider().get(secret_id, max_age=max_age)
    except GetParameterError as exc:
        cause = type(exc.__cause__ or exc).__name__
        raise SecretUnavailableError(f"cannot read secret {secret_id}: {cause}") from exc
    if not isinstance(value, str) or not value:
        raise SecretUnavailableError(f"secret {secret_id} has no string value")
    return value


def forget_secrets() -> None:
    """Drop the cached secrets and their client (tests; a process that changes AWS endpoint or account)."""
    secrets_provider.cache_clear()
