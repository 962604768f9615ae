"""Checking a contact's address before it is stored, so a typo is caught when the carer is adding it.

`validate_address` is the one check every edge (web, API, CLI) calls through the use-case layer: it
returns the address as it will be stored (an email tidied, a phone number in E.164, a webhook URL checked
to be https to a public host) or raises ValidationError with a sentence a carer can act on.
"""

from __future__ import annotations

import re

import phonenumbers

from skill.domain.errors import ValidationError
from skill.notify.webhook_targets import AllowList, check_webhook_url

_EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$")


def check_email(address: str) -> str:
    cleaned = address.strip()
    local, _, domain = cleaned.rpartition("@")
    if not _EMAIL.match(cleaned) or len(cleaned) > 254 or len(local) > 64 or ".." in local or "." not in domain:
        raise ValidationError(f"{address!r} is not an email address (e.g. ann@example.org)")
    return cleaned


def check_phone(number: str, default_region: str | None = None) -> str:
    """E.164 ("+447700900123"). A national number ("07700 900123") is read in `default_region` (the
    person's country, ISO 3166 code such as "GB"); without one the country code must be given."""
    text = number.strip()
    region = default_region.upper() if default_region else None
    if not text.startswith("+") and region is None:
        raise ValidationError(f"{number!r}: give the number in international form, e.g. +447700900123")
    try:
        parsed = phonenumbers.parse(text, None if text.startswith("+") else region)
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(f"{number!r} is not a phone number") from exc
    if not phonenumbers.is_valid_number(parsed):
        raise ValidationError(f"{number!r} is not a valid phone number; check the digits and the country code")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def validate_address(channel: str, address: str, default_region: str | None = None, *,
                     allow: AllowList | None = None) -> str:
    """The normalised address for `channel` ("email", "sms", "webhook"), or ValidationError.

    `default_region` is the person's country, for phone numbers given without a country code; `allow` is
    the operator's webhook allow-list (from DOSEKEEPER_WEBHOOK_ALLOW_HOSTS when not given).
    """
    if channel == "email":
        return check_email(address)
    if channel == "sms":
        return check_phone(address, default_region)
    if channel == "webhook":
        return check_webhook_url(address, allow)
    raise ValidationError(f"unknown channel {channel!r}: use email, sms or webhook")


def check_address(channel: str, address: str) -> str:
    """Kept for callers not yet on the use-case layer: phone numbers must carry their country code."""
    return validate_address(channel, address)


def parse_minutes(text: str) -> int:
    """'30m', '2h', '1h30m' or a bare number of minutes."""
    cleaned = text.strip().lower().replace(" ", "")
    match = re.fullmatch(r"(?:(\d+)h)?(?:(\d+)m?)?", cleaned)
    if not cleaned or not match or not any(match.groups()):
        raise ValidationError(f"invalid duration {text!r}: use minutes or hours, such as 30m or 2h")
    return int(match.group(1) or 0) * 60 + int(match.group(2) or 0)
