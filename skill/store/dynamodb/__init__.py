"""The AWS store: one DynamoDB table, single-table design (item types in table.py and template.yaml)."""

from skill.store.base import Store
from skill.store.dynamodb.accounts import DynamoAccounts
from skill.store.dynamodb.alerts import DynamoAlerts
from skill.store.dynamodb.as_needed import DynamoAsNeeded
from skill.store.dynamodb.core import DynamoCore
from skill.store.dynamodb.feeds import DynamoFeeds
from skill.store.dynamodb.history import DynamoHistory
from skill.store.dynamodb.oauth import DynamoOAuth
from skill.store.dynamodb.ratelimit import DynamoRateLimits
from skill.store.dynamodb.rollups import DynamoRollups
from skill.store.dynamodb.voice import DynamoVoice


class DynamoStore(DynamoCore, DynamoAsNeeded, DynamoAlerts, DynamoVoice, DynamoAccounts, DynamoFeeds,
                  DynamoRateLimits, DynamoHistory, DynamoRollups, DynamoOAuth, Store):
    """Give it a table name and a boto3 DynamoDB *client*; it never creates one itself."""


__all__ = ["DynamoStore"]
