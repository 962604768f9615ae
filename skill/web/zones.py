"""Time zones as a carer chooses one: grouped by region, named by city, never "type an IANA name"."""

from __future__ import annotations

from functools import cache
from zoneinfo import available_timezones

REGIONS = ("Europe", "America", "Africa", "Asia", "Australia", "Pacific", "Atlantic", "Indian", "Antarctica")
DEFAULT_FOR_LOCALE = {"en-US": "America/New_York", "en-GB": "Europe/London"}


@cache
def zone_groups() -> tuple[tuple[str, tuple[tuple[str, str], ...]], ...]:
    """(region, ((zone, "City name"), ...)) for the regions people live in, cities in alphabetical order."""
    zones = available_timezones()
    groups = []
    for region in REGIONS:
        members = sorted((z for z in zones if z.startswith(region + "/")),
                         key=lambda z: z.split("/", 1)[1].casefold())
        groups.append((region, tuple((z, z.split("/", 1)[1].replace("_", " ").replace("/", ", ")) for z in members)))
    return tuple(groups)


def known_zone(zone: str) -> bool:
    return any(zone == z for _, members in zone_groups() for z, _ in members) or zone == "UTC"
