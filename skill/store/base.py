"""`Store`: the one interface every part of DoseKeeper persists through.

It is the sum of one abstract interface per area, so each area's storage lives in a file of its own in
every implementation (`sqlite/<area>.py`, `dynamodb/<area>.py`).
"""

from skill.store.accounts import AccountStore
from skill.store.alerts import AlertStore
from skill.store.core import CoreStore
from skill.store.feeds import FeedStore
from skill.store.history import HistoryStore
from skill.store.oauth import OAuthStore
from skill.store.ratelimit import RateLimitStore
from skill.store.rollups import RollupStore
from skill.store.voice import VoiceStore


class Store(CoreStore, AlertStore, VoiceStore, AccountStore, FeedStore, RateLimitStore, HistoryStore, RollupStore,
            OAuthStore):
    """A complete store; see the area interfaces for each method's promise."""
