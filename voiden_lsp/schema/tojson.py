"""Protobuf messages to their JSON values (the protobuf JSON mapping), fast.

`json_format.MessageToDict` decides, for every field of every message, what kind of field it is. Here that
is decided once per message type: each type gets a list of (field, JSON name, converter), and a message
becomes a dict in one pass over `ListFields()`. What this does not do itself goes to `json_format`, whole:
the well-known types other than Timestamp, Duration, FieldMask and the wrappers (Any, Struct, Value...),
extensions, closed enums holding an unknown number, enum values with a JSON name of their own. Its output is
`MessageToDict`'s (the tests compare them), with the defaults: JSON names, enums by name, 64-bit integers as
strings.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Callable
from typing import Any

from google.protobuf import descriptor_pool, json_format
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message

Convert = Callable[[Any], Any]
_INT64 = frozenset(
    {
        FieldDescriptor.CPPTYPE_INT64,
        FieldDescriptor.CPPTYPE_UINT64,
    }
)


class _Fallback(Exception):
    """A value this module leaves to json_format."""


class MessageJson:
    """Converters for the message types of one descriptor pool, made the first time each type is met."""

    def __init__(self, pool: descriptor_pool.DescriptorPool) -> None:
        self.pool = pool
        self._plans: dict[str, Callable[[Message], dict[str, Any]] | None] = {}

    def to_dict(self, message: Message) -> dict[str, Any]:
        plan = self._plan(message.DESCRIPTOR)
        if plan is not None:
            try:
                return plan(message)
            except _Fallback:
                pass
        return self._slow(message)

    def _slow(self, message: Message) -> dict[str, Any]:
        result: dict[str, Any] = json_format.MessageToDict(message, descriptor_pool=self.pool)
        return result

    def _plan(self, message_type: Descriptor) -> Callable[[Message], dict[str, Any]] | None:
        name = message_type.full_name
        if name in self._plans:
            return self._plans[name]
        self._plans[name] = None  # a recursive type refers to itself: it is looked up at conversion time
        plan = None if name.startswith("google.protobuf.") else self._compile(message_type)
        self._plans[name] = plan
        return plan

    def _compile(self, message_type: Descriptor) -> Callable[[Message], dict[str, Any]]:
        fields: dict[int, tuple[str, Convert]] = {}
        for field in message_type.fields:
            fields[field.number] = (field.json_name, self._field(field))

        def plan(message: Message) -> dict[str, Any]:
            result: dict[str, Any] = {}
            for field, value in message.ListFields():
                entry = fields.get(field.number)
                if entry is None or field.is_extension:
                    raise _Fallback
                result[entry[0]] = entry[1](value)
            return result

        return plan

    def _field(self, field: FieldDescriptor) -> Convert:
        if field.message_type is not None and field.message_type.GetOptions().map_entry:
            key = field.message_type.fields_by_name["key"]
            value = self._single(field.message_type.fields_by_name["value"])
            is_bool = key.cpp_type == FieldDescriptor.CPPTYPE_BOOL

            def map_(entries: Any) -> dict[str, Any]:
                if is_bool:
                    return {("true" if k else "false"): value(entries[k]) for k in entries}
                return {str(k): value(entries[k]) for k in entries}

            return map_
        single = self._single(field)
        if field.is_repeated:
            return lambda values: [single(v) for v in values]
        return single

    def _single(self, field: FieldDescriptor) -> Convert:
        cpp = field.cpp_type
        if cpp == FieldDescriptor.CPPTYPE_MESSAGE:
            message_type = field.message_type
            full_name = message_type.full_name
            if full_name in _AS_TEXT:
                return _as_text
            if full_name in _WRAPPERS:
                inner = self._single(message_type.fields_by_name["value"])
                return lambda value: inner(value.value)
            if full_name.startswith("google.protobuf."):
                return self._slow
            to_dict = self.to_dict
            return lambda value: (self._plans.get(full_name) or to_dict)(value)
        if cpp == FieldDescriptor.CPPTYPE_ENUM:
            enum = field.enum_type
            if enum.full_name == "google.protobuf.NullValue":
                return lambda value: None
            if any(v.GetOptions().ListFields() for v in enum.values):
                raise_fallback: Convert = _raise
                return raise_fallback  # a JSON name of a value's own (an option): json_format knows it
            names = {number: value.name for number, value in enum.values_by_number.items()}
            closed = enum.is_closed

            def enum_(value: int) -> Any:
                name = names.get(value)
                if name is None:
                    if closed:
                        raise _Fallback
                    return value
                return name

            return enum_
        if cpp == FieldDescriptor.CPPTYPE_STRING:
            if field.type == FieldDescriptor.TYPE_BYTES:
                return lambda value: base64.b64encode(value).decode("utf-8")
            return _same
        if cpp in _INT64:
            return str
        if cpp == FieldDescriptor.CPPTYPE_DOUBLE:
            return _double
        if cpp == FieldDescriptor.CPPTYPE_FLOAT:
            return _float
        return _same  # int32, uint32, bool


_AS_TEXT = frozenset({"google.protobuf.Timestamp", "google.protobuf.Duration", "google.protobuf.FieldMask"})
"""Well-known types whose JSON value is their own text (json_format asks them for it too)."""
_WRAPPERS = frozenset(
    f"google.protobuf.{name}Value"
    for name in ("Double", "Float", "Int64", "UInt64", "Int32", "UInt32", "Bool", "String", "Bytes")
)
"""Well-known types whose JSON value is that of their `value` field."""


def _as_text(value: Any) -> Any:
    try:
        return value.ToJsonString()
    except ValueError:  # out of range: json_format says so in its own words
        raise _Fallback from None


def _same(value: Any) -> Any:
    return value


def _raise(value: Any) -> Any:
    raise _Fallback


def _double(value: float) -> Any:
    if math.isfinite(value):
        return value
    return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")


def _float(value: float) -> Any:
    if math.isfinite(value):
        return json_format.type_checkers.ToShortestFloat(value)
    return _double(value)
