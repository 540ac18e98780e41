"""The fast protobuf-to-JSON path gives exactly what protobuf's own json_format gives, for every kind of field."""

from __future__ import annotations

import math
from typing import Any

import pytest
from google.protobuf import (
    any_pb2,
    descriptor_pb2,
    descriptor_pool,
    duration_pb2,
    field_mask_pb2,
    json_format,
    message_factory,
    struct_pb2,
    timestamp_pb2,
    wrappers_pb2,
)
from google.protobuf.message import Message

from voiden_lsp.schema.tojson import MessageJson

F = descriptor_pb2.FieldDescriptorProto
SCALARS = {
    "i32": F.TYPE_INT32,
    "i64": F.TYPE_INT64,
    "u32": F.TYPE_UINT32,
    "u64": F.TYPE_UINT64,
    "s32": F.TYPE_SINT32,
    "s64": F.TYPE_SINT64,
    "f32": F.TYPE_FIXED32,
    "f64": F.TYPE_FIXED64,
    "sf32": F.TYPE_SFIXED32,
    "sf64": F.TYPE_SFIXED64,
    "fl": F.TYPE_FLOAT,
    "db": F.TYPE_DOUBLE,
    "b": F.TYPE_BOOL,
    "str": F.TYPE_STRING,
    "by": F.TYPE_BYTES,
    "snake_case_name": F.TYPE_STRING,
}


def _pool() -> descriptor_pool.DescriptorPool:
    pool = descriptor_pool.DescriptorPool()
    for module in (any_pb2, duration_pb2, field_mask_pb2, struct_pb2, timestamp_pb2, wrappers_pb2):
        pool.AddSerializedFile(module.DESCRIPTOR.serialized_pb)
    proto = descriptor_pb2.FileDescriptorProto(name="t.proto", package="t.v1", syntax="proto3")
    proto.dependency.extend(
        [
            "google/protobuf/any.proto",
            "google/protobuf/duration.proto",
            "google/protobuf/field_mask.proto",
            "google/protobuf/struct.proto",
            "google/protobuf/timestamp.proto",
            "google/protobuf/wrappers.proto",
        ]
    )
    color = proto.enum_type.add(name="Color")
    color.value.add(name="RED", number=0)
    color.value.add(name="GREEN", number=1)
    inner = proto.message_type.add(name="Inner")
    inner.field.add(name="s", number=1, type=F.TYPE_STRING, label=F.LABEL_OPTIONAL)
    inner.field.add(name="next", number=2, type=F.TYPE_MESSAGE, type_name=".t.v1.Inner", label=F.LABEL_OPTIONAL)
    inner.field.add(name="colors", number=3, type=F.TYPE_ENUM, type_name=".t.v1.Color", label=F.LABEL_REPEATED)
    all_ = proto.message_type.add(name="All")
    number = 0
    for name, kind in SCALARS.items():
        number += 1
        all_.field.add(name=name, number=number, type=kind, label=F.LABEL_OPTIONAL)
        number += 1
        all_.field.add(name="r_" + name, number=number, type=kind, label=F.LABEL_REPEATED)

    def message_field(name: str, type_name: str, label: int = F.LABEL_OPTIONAL, **extra: Any) -> None:
        nonlocal number
        number += 1
        all_.field.add(name=name, number=number, type=F.TYPE_MESSAGE, type_name=type_name, label=label, **extra)

    number += 1
    all_.field.add(name="color", number=number, type=F.TYPE_ENUM, type_name=".t.v1.Color", label=F.LABEL_OPTIONAL)
    message_field("inner", ".t.v1.Inner")
    message_field("r_inner", ".t.v1.Inner", F.LABEL_REPEATED)
    for field, key, value, value_type in (
        ("m_str", F.TYPE_STRING, F.TYPE_INT32, ""),
        ("m_bool", F.TYPE_BOOL, F.TYPE_STRING, ""),
        ("m_int", F.TYPE_INT64, F.TYPE_MESSAGE, ".t.v1.Inner"),
        ("m_ts", F.TYPE_UINT32, F.TYPE_MESSAGE, ".google.protobuf.Timestamp"),
    ):
        entry = all_.nested_type.add(name=field.title().replace("_", "") + "Entry")
        entry.options.map_entry = True
        entry.field.add(name="key", number=1, type=key, label=F.LABEL_OPTIONAL)
        entry.field.add(name="value", number=2, type=value, type_name=value_type or None, label=F.LABEL_OPTIONAL)
        message_field(field, f".t.v1.All.{entry.name}", F.LABEL_REPEATED)
    all_.oneof_decl.add(name="choice")
    number += 1
    all_.field.add(name="o_str", number=number, type=F.TYPE_STRING, label=F.LABEL_OPTIONAL, oneof_index=0)
    message_field("o_inner", ".t.v1.Inner", oneof_index=0)
    for name, type_name in (
        ("ts", "Timestamp"),
        ("du", "Duration"),
        ("st", "Struct"),
        ("val", "Value"),
        ("any", "Any"),
        ("w_int", "Int32Value"),
        ("w_str", "StringValue"),
        ("w_i64", "Int64Value"),
        ("w_u64", "UInt64Value"),
        ("w_by", "BytesValue"),
        ("w_db", "DoubleValue"),
        ("w_fl", "FloatValue"),
        ("w_b", "BoolValue"),
        ("fm", "FieldMask"),
        ("du_neg", "Duration"),
    ):
        message_field(name, f".google.protobuf.{type_name}")
    all_.oneof_decl.add(name="_opt")
    number += 1
    all_.field.add(
        name="opt", number=number, type=F.TYPE_INT32, label=F.LABEL_OPTIONAL, oneof_index=1, proto3_optional=True
    )
    pool.Add(proto)
    return pool


POOL = _pool()
ALL = message_factory.GetMessageClass(POOL.FindMessageTypeByName("t.v1.All"))
INNER = message_factory.GetMessageClass(POOL.FindMessageTypeByName("t.v1.Inner"))


def _full() -> Message:
    m = ALL(
        i32=-5,
        i64=-(2**62),
        u32=2**32 - 1,
        u64=2**64 - 1,
        s32=-7,
        s64=-(2**40),
        f32=9,
        f64=2**63,
        sf32=-3,
        sf64=-(2**50),
        fl=1.1,
        db=-0.1,
        b=True,
        str='é ✓ \u0000 "quoted"',
        by=b"\x00\xff\x10",
        snake_case_name="camel",
        color=1,
        inner=INNER(s="a", next=INNER(s="b", next=INNER(colors=[0, 1, 7]))),
        r_inner=[INNER(s="x"), INNER()],
        o_inner=INNER(s="chosen"),
        opt=0,
    )
    m.r_i64.extend([1, -2, 2**63 - 1])
    m.r_fl.extend([0.5, 3.4028234663852886e38, float("inf"), float("-inf")])
    m.r_db.extend([float("nan"), 1e300, -0.0])
    m.r_by.extend([b"", b"abc"])
    m.r_b.extend([False, True])
    m.m_str["one"] = 1
    m.m_str[""] = 0
    m.m_bool[True] = "yes"
    m.m_bool[False] = "no"
    m.m_int[-9].s = "negative key"
    m.m_ts[3].seconds = 1700000000
    m.ts.seconds, m.ts.nanos = 1700000000, 5000
    m.du.seconds = 90
    m.st.update({"a": [1, "two", None, {"b": True}]})
    m.val.string_value = "v"
    m.any.Pack(INNER(s="packed"))
    m.w_int.value = 0
    m.w_str.value = "wrapped"
    m.w_i64.value = -(2**62)
    m.w_u64.value = 2**64 - 1
    m.w_by.value = b"\x00wrapped"
    m.w_db.value = float("nan")
    m.w_fl.value = 1.1
    m.w_b.value = False
    m.fm.paths.extend(["a.b_c", "d"])
    m.du_neg.seconds, m.du_neg.nanos = -3, -500000000
    return m


@pytest.mark.parametrize(
    "message",
    [
        _full(),
        ALL(),
        ALL(o_str="the other branch", color=7, inner=INNER()),
        INNER(colors=[1, 1, 0]),
        ALL(fl=float("nan"), db=float("inf")),
    ],
    ids=["every field", "empty", "oneof, unknown enum, empty inner", "repeated enum", "float specials"],
)
def test_the_same_as_json_format(message: Message) -> None:
    expected = json_format.MessageToDict(message, descriptor_pool=POOL)
    ours = MessageJson(POOL).to_dict(message)
    assert _normal(ours) == _normal(expected)
    assert list(ours) == list(expected), "the same keys in the same order"


def test_a_plan_is_made_once_per_type_and_reused() -> None:
    converter = MessageJson(POOL)
    converter.to_dict(_full())
    plans = dict(converter._plans)
    assert plans["t.v1.All"] is not None and plans["t.v1.Inner"] is not None
    converter.to_dict(_full())
    assert converter._plans == plans


def _normal(value: Any) -> Any:
    """NaN is not equal to itself: compare it as a marker."""
    if isinstance(value, float) and math.isnan(value):
        return "nan"
    if isinstance(value, dict):
        return {k: _normal(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_normal(v) for v in value]
    return value
