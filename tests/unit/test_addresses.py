"""What a carer may save as a contact's address, and where the sweeper will agree to send a webhook."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from skill.domain.errors import ValidationError
from skill.notify.addresses import validate_address
from skill.notify.webhook_targets import AllowList, TargetRefused, resolve_target

NOBODY = AllowList()


@pytest.mark.parametrize(("channel", "typed", "region", "stored"), [
    ("sms", "07911 123456", "GB", "+447911123456"),
    ("sms", "+44 7911 123456", "US", "+447911123456"),
    ("sms", "(201) 555-0123", "us", "+12015550123"),
    ("email", " ann@example.org ", None, "ann@example.org"),
    ("webhook", " https://hooks.example.org/dk?x=1 ", None, "https://hooks.example.org/dk?x=1"),
    ("webhook", "https://93.184.215.14/dk", None, "https://93.184.215.14/dk"),
])
def test_addresses_are_stored_normalised(channel: str, typed: str, region: str | None, stored: str) -> None:
    assert validate_address(channel, typed, region, allow=NOBODY) == stored


@pytest.mark.parametrize(("channel", "typed", "region", "said"), [
    ("sms", "07911 123456", None, "international form"),
    ("sms", "call me", "GB", "not a phone number"),
    ("sms", "07700 12", "GB", "not a valid phone number"),
    ("email", "sam@example", None, "not an email address"),
    ("email", "sam example.org", None, "not an email address"),
    ("webhook", "not a url", None, "https://"),
    ("webhook", "http://hooks.example.org/x", None, "https://"),
    ("webhook", "https://127.0.0.1:8080/internal/x", None, "public"),
    ("webhook", "https://10.1.2.3/x", None, "public"),
    ("webhook", "https://169.254.169.254/latest/meta-data", None, "public"),
    ("webhook", "https://[::1]/x", None, "public"),
    ("webhook", "https://[::ffff:127.0.0.1]/x", None, "public"),
    ("webhook", "https://localhost/x", None, "public"),
    ("webhook", "https://router.lan/x", None, "public"),
    ("webhook", "https://intranet/x", None, "public"),
    ("webhook", "https://user:pw@hooks.example.org/x", None, "password"),
    ("webhook", "https://hooks.example.org:99999/x", None, "port"),
    ("pager", "123", None, "email, sms or webhook"),
])
def test_mistakes_are_refused_in_words_a_carer_understands(channel: str, typed: str, region: str | None,
                                                            said: str) -> None:
    with pytest.raises(ValidationError) as refused:
        validate_address(channel, typed, region, allow=NOBODY)
    assert said in str(refused.value)


def test_the_operator_allow_list_admits_private_hosts_and_plain_http() -> None:
    allow = AllowList.parse(" 127.0.0.1, hooks.home.arpa ,10.0.0.0/8")
    for url in ("http://127.0.0.1:8080/x", "http://hooks.home.arpa/x", "https://10.9.8.7/x"):
        assert validate_address("webhook", url, allow=allow) == url
    with pytest.raises(ValidationError):
        validate_address("webhook", "https://192.168.1.1/x", allow=allow)


def resolving_to(*addresses: str) -> object:
    def resolve(host: str, port: int) -> Sequence[str]:
        return addresses

    return resolve


def test_at_send_the_resolved_address_is_checked_and_pinned() -> None:
    # a public name that resolves to loopback, the metadata service, or a mix, is refused
    for answer in (("127.0.0.1",), ("169.254.169.254",), ("93.184.215.14", "10.0.0.5"), ("::1",)):
        with pytest.raises(TargetRefused):
            resolve_target("https://hooks.example.org/x", NOBODY, resolving_to(*answer))  # type: ignore[arg-type]
    # a public answer is pinned: the connection goes to the address that was checked
    target = resolve_target("https://hooks.example.org:8443/a?b=1", NOBODY,
                            resolving_to("93.184.215.14"))  # type: ignore[arg-type]
    assert (target.host, target.address, target.port, target.path) == ("hooks.example.org", "93.184.215.14",
                                                                       8443, "/a?b=1")
    # an allowed network admits a private answer
    inside = resolve_target("https://hooks.example.org/x", AllowList.parse("10.0.0.0/8"),
                            resolving_to("10.0.0.5"))  # type: ignore[arg-type]
    assert inside.address == "10.0.0.5"
