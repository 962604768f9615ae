"""The one place DoseKeeper builds boto3 clients and reads its secrets, for the AWS entry points.

Alexa gives a skill about eight seconds to answer and the sweep runs every five minutes, so a slow AWS
endpoint must fail fast and be retried a few times rather than hang a worker: every client gets short
connect/read timeouts and the SDK's "standard" retry mode (exponential backoff with jitter, throttling
aware). Clients that *send* something to a person (SES, SNS) are the exception: they make one attempt,
because a send that timed out may well have been delivered, and a second send at the SDK level, repeated
again by the outbox, is how one alert became 24 messages; the outbox alone decides when to try again.
The DynamoDB client that holds people's records is sized for a voice turn (``build_dynamodb_client``): one
retry, a 1 s connect and a 2 s read timeout, and inside a turn each attempt's read timeout is cut to what the
turn has left (``skill.deadline``), a retry that could not finish in time is not started, and a call with no
time left fails at once. A store that accepts connections and never answers then costs a turn at most its
budget plus one connect timeout, instead of 12 s of four requests each waiting out its retries.
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
# The records' table. Worst case outside a turn: 2 x (1 s connect + 2 s read) + at most 1 s backoff = 7 s per call.
STORE_CONNECT_TIMEOUT_SECONDS = 1.0
STORE_READ_TIMEOUT_SECONDS = 2.0
STORE_ATTEMPTS = 2
MIN_ATTEMPT_SECONDS = 0.2  # less left in a turn than this: the request could only time out, so it is not sent
RETRY_HEADROOM_SECONDS = 1.5  # standard mode's first backoff (up to 1 s) plus a useful attempt


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


def store_client_config() -> Config:
    return client_config(connect_timeout=STORE_CONNECT_TIMEOUT_SECONDS, read_timeout=STORE_READ_TIMEOUT_SECONDS,
                         max_attempts=STORE_ATTEMPTS)


def build_dynamodb_client(*, region: str | None = None, config: Config | None = None) -> DynamoDBClient:
    client: DynamoDBClient = _client("dynamodb", region, config or store_client_config())
    bound_by_deadline(client)
    return client


def bound_by_deadline(client: Any) -> None:
    """Make every request of `client` respect the turn's deadline (see the module docstring).

    botocore reads a per-request ``read_timeout`` from the request's context (the same key its own per-call
    overrides use); the hook sets it just before each attempt is sent. The retry hook runs first among the
    retry handlers and refuses a retry the turn has no time for, by raising, which ends the call at once.
    """
    events = client.meta.events
    events.register("before-send.dynamodb", _cut_read_timeout)
    events.register_first("needs-retry.dynamodb", _retry_only_in_time)


def _cut_read_timeout(request: Any, **_: Any) -> None:
    from skill import deadline

    if deadline.remaining() is None:
        return
    timeout = deadline.bounded(STORE_READ_TIMEOUT_SECONDS, at_least=MIN_ATTEMPT_SECONDS)
    context = getattr(request, "context", None)
    if isinstance(context, dict) and timeout < STORE_READ_TIMEOUT_SECONDS:
        context["read_timeout"] = timeout


_THROTTLED = frozenset({"ThrottlingException", "ProvisionedThroughputExceededException", "RequestLimitExceeded",
                        "TransactionInProgressException"})


def _retry_only_in_time(response: Any = None, caught_exception: Any = None, **_: Any) -> None:
    from skill import deadline

    left = deadline.remaining()
    if left is None or left >= RETRY_HEADROOM_SECONDS:
        return
    if caught_exception is not None or _would_retry(response):
        raise deadline.DeadlineExceeded("no time left in this turn to retry a store call")


def _would_retry(response: Any) -> bool:
    """A 5xx or a throttling answer: what standard mode retries. (A failed condition is an answer, not retried.)"""
    if not response:
        return False
    http, parsed = response
    status = int(getattr(http, "status_code", 0) or 0)
    code = (parsed or {}).get("Error", {}).get("Code") if isinstance(parsed, dict) else None
    return status >= 500 or code in _THROTTLED


def build_sns_client(*, region: str | None = None, config: Config | None = None) -> SNSClient:
    client: SNSClient = _client("sns", region, config or send_client_config())
    return client


def build_sqs_client(*, region: str | None = None, config: Config | None = None) -> Any:
    """SQS for the sweep dispatcher (untyped: the SQS stubs are not a dependency for one call)."""
    return _client("sqs", region, config or send_client_config())


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

    return DynamoStore(required_env(settings.TABLE), build_dynamodb_client(),
                       due_shards=settings.due_shards())


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
