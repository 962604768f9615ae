"""Where a webhook may point: https to a public address, unless the operator allowed a private host.

A webhook URL comes from a carer, and the sweeper POSTs signed alerts (a person's name, their dose times)
to it from inside the deployment's network, so an unchecked URL lets anyone with a carer account make the
server call its own loopback, the LAN or the cloud metadata endpoint. The URL is checked twice:

* when it is saved (`check_webhook_url`): https, no credentials, and not a private or loopback IP literal
  or a name that can only be local, so the carer hears about a mistake at once;
* when it is sent to (`resolve_target`): the host name is resolved, every address it resolves to must be
  public, and the connection goes to the address that was checked (pinned), so a name that changes its
  answer between the check and the connection (DNS rebinding) cannot redirect the alert.

`DOSEKEEPER_WEBHOOK_ALLOW_HOSTS` lists what the operator allows anyway (names, IPs or CIDR networks,
comma-separated): a receiver on the same machine or the LAN when self-hosting, and the tests' loopback
receivers. Allowed hosts may also use plain http.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

from skill import settings
from skill.domain.errors import ValidationError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], Sequence[str]]  # host, port -> the addresses it resolves to

_LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".localdomain", ".home.arpa", ".lan")


class TargetRefused(Exception):
    """The webhook's host is not a public address and not allowed: sending to it would be a mistake."""


@dataclass(frozen=True)
class AllowList:
    """The operator's private hosts that webhooks may reach anyway."""

    names: frozenset[str] = frozenset()
    networks: tuple[IPNetwork, ...] = ()

    @classmethod
    def parse(cls, text: str | None) -> AllowList:
        names: set[str] = set()
        networks: list[IPNetwork] = []
        for entry in (e.strip() for e in (text or "").split(",")):
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                names.add(entry.lower().rstrip("."))
        return cls(frozenset(names), tuple(networks))

    @classmethod
    def from_env(cls) -> AllowList:
        return cls.parse(settings.env(settings.WEBHOOK_ALLOW_HOSTS))

    def allows(self, host: str, address: IPAddress | None = None) -> bool:
        if host.lower().rstrip(".") in self.names:
            return True
        ip = address if address is not None else _ip_literal(host)
        return ip is not None and any(ip in net for net in self.networks if ip.version == net.version)


def _ip_literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def is_public(ip: IPAddress) -> bool:
    """Reachable on the internet: not loopback, private, link-local (cloud metadata), shared or reserved."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def check_webhook_url(url: str, allow: AllowList | None = None) -> str:
    """The save-time check: the URL, tidied, or ValidationError in words a carer understands."""
    allow = AllowList.from_env() if allow is None else allow
    text = url.strip()
    parts = urlsplit(text)
    host = (parts.hostname or "").lower()
    if not host or parts.scheme not in ("https", "http"):
        raise ValidationError("the webhook must be a web address starting with https://")
    if parts.username or parts.password:
        raise ValidationError("put no user name or password in the webhook address: receivers check the "
                              "signature instead")
    _port(parts)
    if allow.allows(host):
        return text
    if parts.scheme != "https":
        raise ValidationError("the webhook must start with https:// so alerts are sent encrypted")
    ip = _ip_literal(host)
    if ip is not None and not is_public(ip):
        raise ValidationError("the webhook must be a public internet address, not a private or local one")
    if ip is None and ("." not in host or host == "localhost" or host.endswith(_LOCAL_SUFFIXES)):
        raise ValidationError("the webhook must be a public internet address with a full domain name, "
                              "such as https://hooks.example.org/dosekeeper")
    return text


def _port(parts: SplitResult) -> int:
    try:
        port = parts.port
    except ValueError as exc:
        raise ValidationError("the webhook address has an invalid port number") from exc
    return port or (443 if parts.scheme == "https" else 80)


def system_resolver(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


@dataclass(frozen=True)
class Target:
    """A checked webhook: where to connect (the pinned address) and what to say to it (host, path)."""

    scheme: str
    host: str
    address: str
    port: int
    path: str


def resolve_target(url: str, allow: AllowList, resolver: Resolver = system_resolver) -> Target:
    """The send-time check. Raises TargetRefused (never worth retrying) or OSError (resolution failed)."""
    try:
        check_webhook_url(url, allow)
    except ValidationError as exc:
        raise TargetRefused(str(exc)) from exc
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    port = _port(parts)
    addresses = [ipaddress.ip_address(a.split("%")[0]) for a in resolver(host, port)]
    if not addresses:
        raise OSError("no address for the webhook host")
    named = allow.allows(host)
    acceptable = [ip for ip in addresses if named or is_public(ip) or allow.allows(host, ip)]
    if len(acceptable) != len(addresses):  # one private answer is enough to distrust the name
        raise TargetRefused("the webhook host resolves to a private address")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(parts.scheme, host, str(acceptable[0]), port, path)
