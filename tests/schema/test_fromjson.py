"""The fast JSON-to-protobuf path gives exactly what protobuf's own json_format gives: the same message for what
it reads itself, and json_format's own message or error for everything it hands over."""

from __future__ import annotations

import json
from typing import Any

import pytest
from google.protobuf import json_format
from google.protobuf.message import Message
from hypothesis import given, settings
from hypothesis import strategies as st

from voiden_lsp.schema.fromjson import MessageFromJson

from .test_tojson import ALL, INNER, POOL, _full


def parsed(text: str, cls: Any = ALL) -> tuple[str, Message | None, str]:
    """(who read it, the message, json_format's error) for our path against json_format's."""
    expected: Message | None = cls()
    error = ""
    try:
        json_format.Parse(text, expected, descriptor_pool=POOL)
    except json_format.ParseError as exc:
        expected, error = None, str(exc)
    ours = cls()
    fast = MessageFromJson().fill(text, ours)
    if fast:
        assert expected is not None, f"json_format refuses {text!r} ({error}), the fast path took it"
        assert ours == expected and ours.SerializeToString(deterministic=True) == expected.SerializeToString(
            deterministic=True
        ), text
        assert [f.name for f, _ in ours.ListFields()] == [f.name for f, _ in expected.ListFields()], text
    else:
        assert ours == cls(), "a message handed over is left empty"
    return ("fast" if fast else "json_format"), expected, error


FAST = [
    '{"str": "é ✓ \\u0000 \\"q\\"", "b": true, "i32": -7, "u32": 9}',
    '{"i64": 9007199254740993, "u64": 18446744073709551615}',
    '{"s32": -1, "s64": -2, "f32": 3, "f64": 4, "sf32": -5, "sf64": -6}',
    '{"db": 1, "fl": 1.1, "r_db": [0.5, -0.0, 1e300], "r_fl": [3.4e37]}',
    '{"color": "GREEN", "inner": {"s": "a", "next": {"colors": ["RED", "GREEN", "GREEN"]}}}',
    '{"rInner": [{"s": "x"}, {}], "r_str": ["a", ""], "r_b": [false, true], "r_i64": [1, -2]}',
    '{"oStr": "the string branch"}',
    '{"oInner": {}}',
    '{"opt": 0}',
    '{"inner": {}}',
    "{}",
    '{"r_u32": [1, 2, 3]}',
]
SLOW = [
    '{"by": "AP8Q"}',  # bytes: base64
    '{"i64": "12"}',  # a 64-bit integer as a string
    '{"color": 1}',  # an enum by number
    '{"ts": "2024-01-01T00:00:00Z"}',  # a well-known type
    '{"m_str": {"a": 1}}',  # a map
    '{"db": "NaN"}',
    '{"fl": 3.5e38}',  # past float32: json_format refuses
    '{"str": null}',
    '{"i32": 2147483648}',  # out of range: json_format says so
    '{"i32": 1.0}',
    '{"b": 1}',
    '{"nope": 1}',
    '{"oStr": "a", "oInner": {}}',  # two branches of one oneof
    '{"str": "a", "str": "b"}',  # a repeated key
    '{"i32": 1, "i32": 1}',
    '{"rInner": [null]}',
    '{"r_str": "not a list"}',
    '{"inner": []}',
    '{"color": "BLUE"}',
    "[1, 2]",
    '{"db": 1e999}',
    "not json",
    '{"str": "\\ud800"}',  # an unpaired surrogate
    '{"r_i32": [1, true]}',
    '{"inner": {"s": 1}}',
]


@pytest.mark.parametrize("text", FAST)
def test_the_common_shapes_take_the_fast_path_and_give_json_formats_message(text: str) -> None:
    assert parsed(text)[0] == "fast"


@pytest.mark.parametrize("text", SLOW)
def test_everything_else_goes_to_json_format(text: str) -> None:
    assert parsed(text)[0] == "json_format"


def test_a_field_written_twice_and_oneof_conflicts_are_json_formats_to_judge() -> None:
    assert parsed('{"rInner": [{"s": "x"}], "r_inner": [{"s": "y"}]}')[0] == "json_format"  # it keeps the last
    assert parsed('{"inner": {"s": "a"}, "inner": {}}')[2].startswith("Failed to load JSON")
    who, _, error = parsed('{"oStr": "a", "o_str": "b"}')
    assert who == "json_format" and "multiple" in error


def test_json_formats_own_output_reads_back_the_same() -> None:
    message = _full()
    text = json_format.MessageToJson(message, descriptor_pool=POOL)
    parsed(text)  # whatever path it takes, the same message (and for the plain fields, the fast one)
    plain = json.dumps({"str": "s", "inner": {"s": "a", "colors": ["GREEN"]}, "rInner": [{"s": "x"}]})
    assert parsed(plain)[0] == "fast"
    assert parsed('{"s": "x", "next": {"s": "y"}}', INNER)[0] == "fast"


_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**65), max_value=2**65),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=5),
    st.sampled_from(["RED", "GREEN", "BLUE"]),
    st.lists(st.one_of(st.integers(-3, 3), st.text(max_size=2), st.booleans()), max_size=3),
)
_KEYS = st.sampled_from(
    [
        "str",
        "b",
        "i32",
        "u32",
        "i64",
        "u64",
        "s32",
        "sf64",
        "db",
        "fl",
        "color",
        "r_str",
        "rI32",
        "r_db",
        "oStr",
        "opt",
        "by",
        "nope",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(_KEYS, _VALUES, max_size=5), st.dictionaries(st.sampled_from(["s", "colors"]), _VALUES))
def test_any_object_reads_as_json_format_reads_it(top: dict[str, Any], inner: dict[str, Any]) -> None:
    parsed(json.dumps({**top, "inner": inner}))
