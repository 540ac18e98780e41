"""JSON text to a protobuf message (the protobuf JSON mapping), fast for the shapes a request body usually has.

`json_format.Parse` decides for every value which conversion applies, in Python. Here the common cases are set
directly: strings, booleans, whole numbers, finite floats, enum names, nested messages and repeated fields of
those. Anything else (well-known types, maps, bytes, 64-bit integers written as strings, enum numbers, null,
NaN, a key it does not know, a value it would refuse) sends the whole text to `json_format.Parse`, so the
message, and every error, are exactly json_format's (the tests compare them)."""

from __future__ import annotations

import json
import math
from typing import Any

from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message

_INTEGERS = frozenset(
    {
        FieldDescriptor.CPPTYPE_INT32,
        FieldDescriptor.CPPTYPE_INT64,
        FieldDescriptor.CPPTYPE_UINT32,
        FieldDescriptor.CPPTYPE_UINT64,
    }
)
_FLOAT_LIMIT = 3.4e38
"""Below float32's largest value: json_format checks the range of a float field, a larger one goes to it."""


class _Fallback(Exception):
    """A value this module leaves to json_format."""


class MessageFromJson:
    """Field tables per message type (JSON and proto names), made the first time each type is met."""

    def __init__(self) -> None:
        self._fields: dict[str, dict[str, FieldDescriptor]] = {}

    def fill(self, text: str, message: Message) -> bool:
        """Set `message` from `text`; False (the message left empty) when json_format must read it."""
        if message.DESCRIPTOR.full_name.startswith("google.protobuf."):
            return False
        try:
            value = json.loads(text, object_pairs_hook=_unique)
            if not isinstance(value, dict):
                return False
            self._fill(message, value)
        except (_Fallback, ValueError, TypeError, AttributeError, KeyError, OverflowError, RecursionError):
            message.Clear()
            return False
        return True

    def _table(self, message_type: Descriptor) -> dict[str, FieldDescriptor]:
        table = self._fields.get(message_type.full_name)
        if table is None:
            table = {f.name: f for f in message_type.fields}
            table.update({f.json_name: f for f in message_type.fields})  # json_format asks the JSON name first
            self._fields[message_type.full_name] = table
        return table

    def _fill(self, message: Message, value: dict[str, Any]) -> None:
        table = self._table(message.DESCRIPTOR)
        names: set[str] = set()  # json_format's list of the keys and oneofs met (one met again is its error)
        fields: set[str] = set()  # a field written by both its names: json_format keeps the last, or merges
        for key, item in value.items():
            field = table.get(key)
            if field is None or item is None or key in names or field.name in fields:
                raise _Fallback
            names.add(key)
            fields.add(field.name)
            oneof = field.containing_oneof
            if oneof is not None:
                if oneof.name in names:
                    raise _Fallback
                names.add(oneof.name)
            kind = field.message_type
            if kind is not None and (kind.GetOptions().map_entry or kind.full_name.startswith("google.protobuf.")):
                raise _Fallback
            if field.is_repeated:
                if not isinstance(item, list):
                    raise _Fallback
                target = getattr(message, field.name)
                if kind is None:
                    target.extend([_scalar(field, v) for v in item])
                    continue
                for entry in item:
                    if not isinstance(entry, dict):
                        raise _Fallback
                    self._fill(target.add(), entry)
            elif kind is not None:
                if not isinstance(item, dict):
                    raise _Fallback
                inner = getattr(message, field.name)
                inner.SetInParent()
                self._fill(inner, item)
            else:
                setattr(message, field.name, _scalar(field, item))


def _scalar(field: FieldDescriptor, value: Any) -> Any:
    cpp = field.cpp_type
    if cpp == FieldDescriptor.CPPTYPE_STRING:
        if field.type == FieldDescriptor.TYPE_STRING and isinstance(value, str):
            return value
    elif cpp == FieldDescriptor.CPPTYPE_BOOL:
        if isinstance(value, bool):
            return value
    elif cpp in _INTEGERS:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    elif cpp in (FieldDescriptor.CPPTYPE_DOUBLE, FieldDescriptor.CPPTYPE_FLOAT):
        if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
            if cpp == FieldDescriptor.CPPTYPE_FLOAT and abs(value) >= _FLOAT_LIMIT:
                raise _Fallback
            return float(value)
    elif cpp == FieldDescriptor.CPPTYPE_ENUM and isinstance(value, str):
        known = field.enum_type.values_by_name.get(value)
        if known is not None:
            return known.number
    raise _Fallback


def _unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """An object without a repeated key (json_format refuses one, in its words)."""
    value = dict(pairs)
    if len(value) != len(pairs):
        raise _Fallback
    return value
