"""One logger namespace, one JSON line format, and a guard that keeps names out of the lines."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from skill.observability import REDACTED, get_logger, json_formatter, log_json_lines


@pytest.fixture
def root_logging() -> Iterator[None]:
    """Put the root logger back as it was: log_json_lines changes process-wide state."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def rendered(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


@pytest.mark.parametrize(("asked", "named"), [
    ("skill.sweep", "dosekeeper.sweep"),
    ("skill.alexa.handlers.errors", "dosekeeper.alexa.handlers.errors"),
    ("skill", "dosekeeper"),
    ("dosekeeper.alexa", "dosekeeper.alexa"),
    ("lambda_entry", "dosekeeper.lambda_entry"),
    ("skillful", "dosekeeper.skillful"),
])
def test_every_module_logs_under_the_one_dosekeeper_namespace(asked: str, named: str) -> None:
    assert get_logger(asked).name == named


@pytest.mark.usefixtures("root_logging")
def test_serve_lines_are_json_with_extras_logger_service_and_time() -> None:
    # GIVEN the logging serve sets up, writing to a buffer
    stream = io.StringIO()
    log_json_lines(stream, service="dosekeeper-test")
    # WHEN a module logs with structured fields
    get_logger("skill.sweep").info("sweep: %d missed", 2, extra={"doses_read": 14, "window": {"hours": 1}})
    # THEN the line is one JSON object holding the message, the fields, the logger and the service
    [line] = rendered(stream)
    assert line["message"] == "sweep: 2 missed" and line["level"] == "INFO"
    assert line["doses_read"] == 14 and line["window"] == {"hours": 1}
    assert line["logger"] == "dosekeeper.sweep" and line["service"] == "dosekeeper-test"
    assert line["timestamp"].endswith("+00:00")


@pytest.mark.usefixtures("root_logging")
def test_setting_up_twice_does_not_double_every_line() -> None:
    first, second = io.StringIO(), io.StringIO()
    log_json_lines(first)
    log_json_lines(second)
    get_logger("skill.web").warning("refused")
    assert first.getvalue() == "" and len(rendered(second)) == 1


@pytest.mark.usefixtures("root_logging")
def test_libraries_lines_are_json_too() -> None:
    stream = io.StringIO()
    log_json_lines(stream)
    logging.getLogger("waitress.queue").warning("Task queue depth is %d", 3)
    [line] = rendered(stream)
    assert line["logger"] == "waitress.queue" and line["message"] == "Task queue depth is 3"


def guarded_line(**extra: Any) -> dict[str, Any]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(json_formatter())
    logger = logging.getLogger("dosekeeper.test_guard")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        logger.info("dose logged", extra=extra)
    finally:
        logger.removeHandler(handler)
    [line] = rendered(stream)
    return line


def test_a_medication_name_passed_by_mistake_is_blanked_and_the_rest_kept() -> None:
    line = guarded_line(medication_name="Metformin", display_name="Edith", dose_id="dos_1", count=2)
    assert line["medication_name"] == REDACTED and line["display_name"] == REDACTED
    assert line["dose_id"] == "dos_1" and line["count"] == 2
    assert "Metformin" not in json.dumps(line) and "Edith" not in json.dumps(line)


@pytest.mark.parametrize("key", ["medicationName", "MEDICATION-NAME", "email", "phone", "address", "password",
                                 "alsoCalled", "contact_name"])
def test_the_guard_matches_keys_however_they_are_spelled(key: str) -> None:
    assert guarded_line(**{key: "private"})[key] == REDACTED


def test_names_nested_in_structures_are_blanked_too() -> None:
    line = guarded_line(recipient={"id": "rec_1", "displayName": "Edith"},
                        contacts=[{"channel": "sms", "phone": "+447911123456"}])
    assert line["recipient"] == {"id": "rec_1", "displayName": REDACTED}
    assert line["contacts"] == [{"channel": "sms", "phone": REDACTED}]


def test_a_dict_message_and_appended_keys_are_guarded() -> None:
    # Powertools lets code log a dict as the message, and append keys to every later line
    stream = io.StringIO()
    formatter = json_formatter()
    formatter.append_keys(display_name="Edith", request_kind="launch")
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    logger = logging.getLogger("dosekeeper.test_guard_dict")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        logger.info({"medication": "Metformin", "taken": True})
    finally:
        logger.removeHandler(handler)
    [line] = rendered(stream)
    assert line["message"] == {"medication": REDACTED, "taken": True}
    assert line["display_name"] == REDACTED and line["request_kind"] == "launch"
