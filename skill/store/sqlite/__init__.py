"""The embedded store: one SQLite file, for self-hosting and tests."""

from skill.store.base import Store
from skill.store.sqlite import accounts, alerts, core, feeds, history, oauth, ratelimit, rollups, voice
from skill.store.sqlite.accounts import SqliteAccounts
from skill.store.sqlite.alerts import SqliteAlerts
from skill.store.sqlite.as_needed import SqliteAsNeeded
from skill.store.sqlite.core import SqliteCore
from skill.store.sqlite.feeds import SqliteFeeds
from skill.store.sqlite.history import SqliteHistory
from skill.store.sqlite.oauth import SqliteOAuth
from skill.store.sqlite.ratelimit import SqliteRateLimits
from skill.store.sqlite.rollups import SqliteRollups
from skill.store.sqlite.voice import SqliteVoice


class SqliteStore(SqliteCore, SqliteAsNeeded, SqliteAlerts, SqliteVoice, SqliteAccounts, SqliteFeeds,
                  SqliteRateLimits, SqliteHistory, SqliteRollups, SqliteOAuth, Store):
    migrations = (
        ("core", core.MIGRATIONS),
        ("alerts", alerts.MIGRATIONS),
        ("voice", voice.MIGRATIONS),
        ("accounts", accounts.MIGRATIONS),
        ("feeds", feeds.MIGRATIONS),
        ("ratelimit", ratelimit.MIGRATIONS),
        ("history", history.MIGRATIONS),
        ("rollups", rollups.MIGRATIONS),
        ("oauth", oauth.MIGRATIONS),
    )


__all__ = ["SqliteStore"]
