"""The web app's settings, passed to `create_app` (entry points read the environment, not this module)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from skill.domain.models import utcnow


@dataclass(frozen=True)
class WebConfig:
    secret_key: str
    secure_cookies: bool = True  # False only when serving on loopback (plain http://127.0.0.1)
    public_url: str | None = None  # for links that leave the browser (invitations)
    login_rate_limit: str = "10 per minute"  # per client address, sign-in attempts
    lockout_after: int = 5  # failed sign-ins in a row before the account is locked ...
    lockout_for: timedelta = timedelta(minutes=15)  # ... for this long
    session_lifetime: timedelta = timedelta(hours=12)
    today_refresh_seconds: int = 30
    csrf_exempt_prefixes: tuple[str, ...] = ("/api/", "/alexa", "/assist")  # token-authenticated, no cookie
    clock: Callable[[], datetime] = field(default=utcnow)
