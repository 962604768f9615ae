"""Structured logs and CloudWatch metrics for the Lambda entry points, kept free of health data.

Logs and metrics leave the care relationship: they are read by operators, shipped to log stores and kept
for weeks. So nothing here takes a person's or a medicine's name: log lines carry request ids, function
names and counts; metric dimensions are fixed (the service) and never a recipient.

Skill code counts events through :func:`count`, which does nothing until an entry point installs a sink
with :func:`use_metrics`. Self-hosted DoseKeeper therefore never prints CloudWatch's embedded-metric JSON,
and nothing in ``skill/`` imports Powertools unless an entry point asked for it.

Every module takes its logger from :func:`get_logger`, which places it under one ``dosekeeper`` namespace,
so one handler decides how all of DoseKeeper's lines look. That handler writes JSON lines through one
formatter (Powertools' ``LambdaPowertoolsFormatter``, so ``extra=`` fields stay in the line) in both homes:
:func:`log_json_lines` for ``dosekeeper serve``, :func:`build_logger` on Lambda, where the same handler also
carries the request id ``inject_lambda_context`` adds. The formatter blanks known sensitive keys (names,
contact details, credentials) wherever they appear in a line: a guard for the mistake, not a licence to
log health data.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Callable, Mapping
from enum import StrEnum
from functools import cache
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aws_lambda_powertools import Logger, Metrics
    from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter

METRICS_NAMESPACE = "DoseKeeper"
DEFAULT_SERVICE = "dosekeeper"
PACKAGE_LOGGER = "dosekeeper"  # every DoseKeeper logger is this one or a child of it
SERVE_HANDLER = "dosekeeper-json-lines"
REDACTED = "[redacted]"
# Keys compared with case, "_" and "-" ignored, so medication_name, medicationName and MEDICATION-NAME all match.
SENSITIVE_KEYS = frozenset({
    "name", "displayname", "firstname", "lastname", "fullname", "recipientname", "contactname", "username",
    "medication", "medicationname", "medicine", "medicinename", "alsocalled", "nickname", "dosetext",
    "instructions", "address", "email", "emailaddress", "phone", "phonenumber", "password", "secret", "token",
    "authorization", "cookie", "speech", "utterance",
})
_SEPARATORS = re.compile(r"[_\-]")


class MetricName(StrEnum):
    """Every metric DoseKeeper emits; the alarms in template.yaml refer to these exact names."""

    DOSES_TAKEN = "DosesTaken"
    DOSES_MISSED = "DosesMissed"
    ALERTS_SENT = "AlertsSent"
    ALERT_DELIVERY_FAILURES = "AlertDeliveryFailures"
    SWEEPS_COMPLETED = "SweepsCompleted"


MetricSink = Callable[[MetricName, int], None]


def _discard(name: MetricName, value: int) -> None:
    """The default sink: outside Lambda nobody collects embedded metrics."""


_sink: MetricSink = _discard


def count(name: MetricName, value: int = 1) -> None:
    """Count an event (a dose taken, an alert sent); cheap and safe to call from any part of the skill."""
    if value:
        _sink(name, value)


def use_metrics(metrics: Metrics) -> None:
    """Send every later :func:`count` to Powertools ``metrics``, flushed by its ``log_metrics`` decorator."""
    from aws_lambda_powertools.metrics import MetricUnit

    def add(name: MetricName, value: int) -> None:
        metrics.add_metric(name=name.value, unit=MetricUnit.Count, value=value)

    global _sink
    _sink = add


def stop_metrics() -> None:
    """Forget the installed sink (tests, and entry points that hand the process back)."""
    global _sink
    _sink = _discard


def build_metrics(service: str | None = None) -> Metrics:
    """Powertools Metrics in DoseKeeper's namespace; the only dimension is the service name."""
    import warnings

    from aws_lambda_powertools import Metrics

    # Most Alexa turns and page views count nothing; Powertools would warn about that on every one.
    warnings.filterwarnings("ignore", "No application metrics to publish")
    return Metrics(namespace=METRICS_NAMESPACE, service=service)


def get_logger(name: str) -> logging.Logger:
    """The logger for a module (pass ``__name__``): ``skill.sweep`` logs as ``dosekeeper.sweep``.

    One namespace is what lets a single handler format, guard and route every DoseKeeper line; a module that
    called ``logging.getLogger(__name__)`` would log as ``skill.…`` and miss both the JSON and the guard.
    """
    if name == PACKAGE_LOGGER or name.startswith(PACKAGE_LOGGER + "."):
        return logging.getLogger(name)
    if name == "skill" or name.startswith("skill."):
        return logging.getLogger(PACKAGE_LOGGER + name.removeprefix("skill"))
    return logging.getLogger(f"{PACKAGE_LOGGER}.{name}")


def is_sensitive(key: str) -> bool:
    return _SEPARATORS.sub("", key).lower() in SENSITIVE_KEYS


def redact(value: Any) -> Any:
    """``value`` with every sensitive key's value blanked, however deeply nested; other values unchanged."""
    if isinstance(value, Mapping):
        return {key: REDACTED if isinstance(key, str) and is_sensitive(key) else redact(item)
                for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [redact(item) for item in value]
    return value


@cache
def _formatter_class() -> type[LambdaPowertoolsFormatter]:
    """Defined on first use, so importing this module (every module does) never imports Powertools."""
    from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter

    class GuardedJsonFormatter(LambdaPowertoolsFormatter):
        """Powertools' JSON line, plus the logger's name, with sensitive keys blanked just before output.

        Blanking the finished line rather than the record also covers keys added with ``append_keys`` and
        dict messages, which never pass through a record's attributes.
        """

        def format(self, record: logging.LogRecord) -> str:
            record.__dict__.setdefault("logger", record.name)
            return super().format(record)

        def serialize(self, log: Any) -> str:
            return super().serialize(redact(log))

    return GuardedJsonFormatter


def json_formatter(**keys: Any) -> LambdaPowertoolsFormatter:
    """The one formatter for every DoseKeeper log line; ``keys`` are added to each line (e.g. service)."""
    return _formatter_class()(utc=True, use_rfc3339=True, **keys)


def log_json_lines(stream: IO[str] | None = None, *, level: int | str = logging.INFO,
                   service: str | None = None) -> logging.Handler:
    """Send every log line of this process (DoseKeeper's and its libraries') to ``stream`` as JSON lines.

    For ``dosekeeper serve``: the handler goes on the root logger so waitress's and Flask's lines are JSON
    too and a log shipper needs one parser. Calling it again replaces the handler rather than doubling lines.
    """
    from skill import settings

    handler = logging.StreamHandler(stream or sys.stderr)
    handler.set_name(SERVE_HANDLER)
    handler.setFormatter(json_formatter(
        service=service or settings.env(settings.POWERTOOLS_SERVICE_NAME) or DEFAULT_SERVICE))
    root = logging.getLogger()
    for previous in [h for h in root.handlers if h.get_name() == SERVE_HANDLER]:
        root.removeHandler(previous)
    root.addHandler(handler)
    root.setLevel(level)
    return handler


def build_logger(component: str, service: str | None = None) -> Logger:
    """A JSON logger whose every line names the component; request ids come from ``inject_lambda_context``.

    The service name comes from ``POWERTOOLS_SERVICE_NAME`` when ``service`` is None, like the metrics, so
    logs and metrics of one deployment share it. Powertools names its stdlib logger after the service, so
    the ``dosekeeper`` namespace is pointed at the same handler explicitly: the skill's own lines then carry
    the same request id and format whatever the service is called, and never reach Lambda's plain-text
    root handler as well.
    """
    from aws_lambda_powertools import Logger

    # The component is a formatter key rather than an appended one: inject_lambda_context(clear_state=True)
    # drops appended keys at the start of every invocation, and the component must survive that.
    formatter = json_formatter(component=component)
    logger = Logger(service=service, log_uncaught_exceptions=False, logger_formatter=formatter)
    package = logging.getLogger(PACKAGE_LOGGER)
    if logger.registered_handler not in package.handlers:
        package.addHandler(logger.registered_handler)
    package.setLevel(logger.log_level)
    package.propagate = False
    return logger
