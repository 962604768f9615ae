"""Checking a contact's address before it is stored, so a typo is caught when the carer is adding it."""

from __future__ import annotations

import re

import phonenumbers

from skill.domain.errors import ValidationError
from skill.notify.webhook import check_webhook_url

_EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$")


def check_email(address: str) -> str:
    cleaned = address.strip()
    local, _, domain = cleaned.rpartition("@")
    if not _EMAIL.match(cleaned) or len(cleaned) > 254 or len(local) > 64 or ".." in local or "." not in domain:
        raise ValidationError(f"{address!r} is not an email address (e.g. ann@example.org)")
    return cleaned


def check_phone(number: str) -> str:
    """E.164 only ("+447700900123"): SMS goes worldwide, so the country code must be explicit."""
    text = number.strip()
    if not text.startswith("+"):
        raise ValidationError(f"{number!r}: give the number in international form, e.g. +447700900123")
    try:
        parsed = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(f"{number!r} is not a phone number") from exc
    if not phonenumbers.is_valid_number(parsed):
        raise ValidationError(f"{number!r} is not a valid phone number")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def check_address(channel: str, address: str) -> str:
    if channel == "email":
        return check_email(address)
    if channel == "sms":
        return check_phone(address)
    if channel == "webhook":
        return check_webhook_url(address)
    raise ValidationError(f"unknown channel {channel!r}")


def parse_minutes(text: str) -> int:
    """'30m', '2h', '1h30m' or a bare number of minutes."""
    cleaned = text.strip().lower().replace(" ", "")
    match = re.fullmatch(r"(?:(\d+)h)?(?:(\d+)m?)?", cleaned)
    if not cleaned or not match or not any(match.groups()):
        raise ValidationError(f"invalid duration {text!r}: use minutes or hours, such as 30m or 2h")
    return int(match.group(1) or 0) * 60 + int(match.group(2) or 0)
