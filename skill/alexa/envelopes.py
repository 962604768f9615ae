"""Alexa's request envelope as ask-sdk model objects, built once from the dict the verifier already parsed.

ask-sdk's `DefaultSerializer` reads every date with dateutil's general parser, which was a tenth of a
self-hosted turn's CPU. Alexa sends ISO 8601 in UTC ("2026-12-02T08:00:00Z"), which the standard library
reads directly; anything else still goes to dateutil, so nothing Alexa may send is refused. The model classes
are looked up by name once, not on every object of every request.

The base class keeps both steps in private (name-mangled) methods, which is why they are overridden under
their mangled names and reached through `getattr`.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_model.request_envelope import RequestEnvelope

_BASE = "_DefaultSerializer__"


class RequestSerializer(DefaultSerializer):
    _classes: ClassVar[dict[str, Any]] = {}  # by name (the base class imports a module for each object)

    def envelope_from_dict(self, data: dict[str, Any]) -> RequestEnvelope | None:
        """DefaultSerializer.deserialize without its json.loads: the body is parsed once, never re-encoded."""
        envelope = getattr(self, f"{_BASE}deserialize")(data, RequestEnvelope)
        return envelope if isinstance(envelope, RequestEnvelope) else None

    def _DefaultSerializer__load_class_from_name(self, class_name: str) -> Any:
        found = self._classes.get(class_name)
        if found is None:
            found = self._classes[class_name] = getattr(super(), f"{_BASE}load_class_from_name")(class_name)
        return found

    def _DefaultSerializer__deserialize_datetime(self, payload: Any, obj_type: Any) -> Any:
        if isinstance(payload, str):
            try:
                parsed = datetime.fromisoformat(payload)
            except ValueError:
                pass
            else:
                return parsed.date() if obj_type is date else parsed
        return getattr(super(), f"{_BASE}deserialize_datetime")(payload, obj_type)
