"""ask-sdk's serializer, as fast as a turn needs: Alexa's envelope in, the skill's answer out.

`DefaultSerializer` walks every model object generically, re-deriving each class's field map on every object
(and rewriting it into the class), and reads every date with dateutil's general parser: together about a
third of a self-hosted turn's CPU. This subclass keeps its results and rules and caches what is per class:

* each model class's fields (name, JSON key, type), worked out once, and plain values (text, numbers,
  flags) passed through without a call each;
* model classes looked up by name once, not imported again for every object;
* dates in ISO 8601 (what Alexa sends, "2026-12-02T08:00:00Z") read by the standard library, anything else
  still by dateutil, so nothing Alexa may send is refused;
* the envelope built from the dict the verifier already parsed (`envelope_from_dict`), never re-encoded.

The base class keeps its steps in private (name-mangled) methods, which is why they are overridden under
their mangled names and reached through `getattr`.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import Any, ClassVar

from ask_sdk_core.exceptions import SerializationException
from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_model.request_envelope import RequestEnvelope

_BASE = "_DefaultSerializer__"
Fields = tuple[tuple[str, str, Any], ...]  # (attribute, JSON key, type) of one model class
Keys = frozenset[str]  # the JSON keys of those fields
_LEAVES = frozenset({str, int, float, bool, type(None)})  # written as they are, without a call
_PLAIN = {"str": str, "bool": bool, "int": int, "float": float}  # read as they are when JSON gave that type


def model_fields(cls: type) -> Fields:
    """A model class's fields as the base class derives them: `attribute_map` names the JSON keys, and an
    attribute it leaves out keeps its own name."""
    types: dict[str, Any] = cls.deserialized_types  # type: ignore[attr-defined]
    keys = dict(getattr(cls, "attribute_map", {}))
    return tuple((attr, keys.get(attr, attr), kind) for attr, kind in types.items())


class AlexaSerializer(DefaultSerializer):
    _classes: ClassVar[dict[str, Any]] = {}
    _fields: ClassVar[dict[type, Fields]] = {}
    _keys: ClassVar[dict[type, Keys]] = {}

    def envelope_from_dict(self, data: dict[str, Any]) -> RequestEnvelope | None:
        """DefaultSerializer.deserialize without its json.loads: the body is parsed once."""
        envelope = getattr(self, f"{_BASE}deserialize")(data, RequestEnvelope)
        return envelope if isinstance(envelope, RequestEnvelope) else None

    def fields(self, cls: type) -> Fields:
        found = self._fields.get(cls)
        if found is None:
            found = self._fields[cls] = model_fields(cls)
            self._keys[cls] = frozenset(key for _, key, _ in found)
        return found

    def serialize(self, obj: Any) -> Any:
        kind = type(obj)
        if kind in _LEAVES:
            return obj
        if kind is dict:
            return {key: value if type(value) in _LEAVES else self.serialize(value) for key, value in obj.items()}
        if kind is list:
            return [item if type(item) in _LEAVES else self.serialize(item) for item in obj]
        if not hasattr(obj, "deserialized_types"):
            return super().serialize(obj)  # dates, enums, decimals, tuples, subclasses: as the base does them
        values = ((key, getattr(obj, attr)) for attr, key, _ in self.fields(kind))
        return {key: value if type(value) in _LEAVES else self.serialize(value)
                for key, value in values if value is not None}

    def _DefaultSerializer__deserialize_model(self, payload: Any, obj_type: Any) -> Any:
        if not isinstance(obj_type, type) or issubclass(obj_type, Enum) or not hasattr(obj_type, "deserialized_types"):
            return getattr(super(), f"{_BASE}deserialize_model")(payload, obj_type)
        try:
            if hasattr(obj_type, "get_real_child_model"):
                obj_type = getattr(self, f"{_BASE}get_obj_by_discriminator")(payload, obj_type)
            fields = self.fields(obj_type)
            model = obj_type()
            build = getattr(self, f"{_BASE}deserialize")
            for attr, key, kind in fields:
                if key in payload:
                    value = payload[key]
                    plain = _PLAIN.get(kind)
                    setattr(model, attr, value if plain is not None and type(value) is plain else build(value, kind))
            known = self._keys[obj_type]
            for extra in payload:
                if extra not in known:
                    setattr(model, extra, payload[extra])
            return model
        except SerializationException:
            raise
        except Exception as exc:
            raise SerializationException(str(exc)) from exc

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
