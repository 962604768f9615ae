"""The console's stand-in for Alexa's APIs when none is given: every call fails at once.

Without it, the skill would send the console's made-up token to Amazon's real endpoint. An API that cannot
be reached is a case the skill already degrades on (no reminders synced, no device zone), so the
conversation is the same as on a device whose APIs are down.
"""

from __future__ import annotations

from typing import Any

from ask_sdk_core.exceptions import ApiClientException
from ask_sdk_model.services.api_client import ApiClient


class OfflineApiClient(ApiClient):
    def invoke(self, request: Any) -> Any:
        raise ApiClientException("the console has no Alexa APIs (give --api-endpoint to use a local fake)")
