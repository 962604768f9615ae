"""Structured logs and CloudWatch metrics for the Lambda entry points, kept free of health data.

Logs and metrics leave the care relationship: they are read by operators, shipped to log stores and kept
for weeks. So nothing here takes a person's or a medicine's name: log lines carry request ids, function
names and counts; metric dimensions are fixed (the service) and never a recipient.

Skill code counts events through :func:`count`, which does nothing until an entry point installs a sink
with :func:`use_metrics`. Self-hosted DoseKeeper therefore never prints CloudWatch's embedded-metric JSON,
and nothing in ``skill/`` imports Powertools unless a Lambda entry point asked for it.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aws_lambda_powertools import Logger, Metrics

METRICS_NAMESPACE = "DoseKeeper"
DEFAULT_SERVICE = "dosekeeper"


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


def build_logger(component: str, service: str | None = None) -> Logger:
    """A JSON logger whose every line names the component; request ids come from ``inject_lambda_context``.

    The service name comes from ``POWERTOOLS_SERVICE_NAME`` when ``service`` is None, like the metrics, so
    logs and metrics of one deployment share it.
    """
    from aws_lambda_powertools import Logger

    logger = Logger(service=service, log_uncaught_exceptions=False)
    logger.append_keys(component=component)
    return logger
