"""`expect` blocks: each line read into an expectation with exact ranges, or a problem that says what is wrong."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from voiden_lsp.document import Position, Range, parse
from voiden_lsp.document.expect import read_subject
from voiden_lsp.document.expect_values import expected_value, parse_path


def doc(protocol: str, target: str, lines: str) -> str:
    return f"```{protocol} name=r\n{target}\n```\n\n```expect\n{lines}\n```\n"


def problems(text: str) -> list[tuple[int, str]]:
    return [(p.range.start.line, p.message) for p in parse(text).problems]


def test_each_part_has_its_range() -> None:
    text = doc("http", "GET http://h/users", '  body["dash key"][0].id  ==  "a # not a comment"  # a comment')
    (e,) = parse(text).requests[0].expectations
    line = 5
    assert e.subject.kind == "body" and e.subject.path == ("dash key", 0, "id")
    assert e.subject_range == Range(Position(line, 2), Position(line, 24))
    assert e.operator == "equals" and e.operator_range == Range(Position(line, 26), Position(line, 28))
    assert e.expected == '"a # not a comment"' and e.expected_range == Range(Position(line, 30), Position(line, 49))
    assert e.text == 'body["dash key"][0].id  ==  "a # not a comment"'
    assert parse(text).problems == []


def test_every_subject_and_operator_spelling() -> None:
    lines = "\n".join(
        [
            "status == 201",
            "status eq 201",
            "status equals 201",
            "header Content-Type contains json",
            "body.id exists",
            "body.items.0.name type-is string",
            "time < 500ms",
            "size <= 1KB",
            "error not-exists",
        ]
    )
    expectations = parse(doc("http", "GET http://h/", lines)).requests[0].expectations
    assert [(e.subject.kind, e.subject.name, e.operator) for e in expectations] == [
        ("status", "", "equals"),
        ("status", "", "equals"),
        ("status", "", "equals"),
        ("header", "content-type", "contains"),
        ("body", "", "exists"),
        ("body", "", "type-is"),
        ("time", "", "less-than"),
        ("size", "", "less-equal"),
        ("error", "", "not-exists"),
    ]
    stream = "\n".join(
        [
            'any message.symbol == "ACME" within 2s',
            "messages >= 5 within 3s",
            "every message.price > 0",
            "message[0].n == 1",
            "message[-1] exists",
            "any message.event == tick",
            "closed.code == 1000",
            "closed.by == server",
        ]
    )
    expectations = parse(doc("ws", "ws://h/feed", stream)).requests[0].expectations
    assert [(e.subject.kind, e.subject.index, e.subject.path, e.within, e.waits) for e in expectations] == [
        ("any", None, ("symbol",), 2.0, True),
        ("messages", None, (), 3.0, True),
        ("every", None, ("price",), None, False),
        ("message", 0, ("n",), None, True),
        ("message", -1, (), None, False),
        ("any", None, ("event",), None, True),
        ("closed", None, (), None, False),
        ("closed", None, (), None, False),
    ]


@pytest.mark.parametrize(
    ("protocol", "line", "message"),
    [
        ("http", "statuz == 200", "unknown subject `statuz`; did you mean `status`?"),
        ("http", "status =! 200", "unknown operator `=!`"),
        ("http", "status ==", "`==` needs a value to compare with, e.g. `status == 200`"),
        ("http", "status", "an operator is missing after the subject"),
        ("http", "body.name == two words", "`two words` is more than one value: put text with spaces in quotes"),
        ("http", 'body == {"a": }', "is not a JSON literal"),
        ("http", "body.id exists 3", "`exists` takes no value: remove `3`"),
        ("http", "status < ok", "`<` compares numbers, and `ok` is not one"),
        ("http", "body type-is integer", "`type-is` takes one of number, string, boolean, object, array, null"),
        ("http", "body matches /(/", "is not a regular expression"),
        ("http", "time < soon", "`soon` is not a duration"),
        ("http", "messages >= 3", "`messages` is about a stream, and an `http` request has none"),
        ("http", "status == 200 within 2s", "`within` bounds a stream expectation in time, and nothing streams"),
        ("ws", "status == 101 within 2s", "`within` bounds a stream expectation in time, and nothing streams"),
        ("ws", "messages >= 3 within soon", "`within` needs a duration such as `2s`"),
        ("ws", "message.price > 0", "say which message: `message[0].price`, `any message.price`"),
        ("ws", "message[x] exists", "write `message[N]` with N from 0"),
        ("ws", "body.x == 1", "a `ws` request has messages, not a body"),
        ("ws", "trailer grpc-status == 0", "trailers are gRPC's"),
        ("ws", "closed.status == 1000", "the close has `closed.code`, `closed.reason` and `closed.by`"),
        ("ws", "any messages.x == 1", "`any` is followed by `message` or `message.PATH`"),
        ("http", "body[0 == 1", "a `[` is never closed"),
    ],
)
def test_a_bad_line_says_what_is_wrong(protocol: str, line: str, message: str) -> None:
    target = "ws://h/" if protocol == "ws" else "GET http://h/"
    found = problems(doc(protocol, target, line))
    assert len(found) == 1 and found[0][0] == 5 and message in found[0][1], found
    (block,) = parse(doc(protocol, target, line)).requests[0].expects
    assert block.expectations == [] and block.bad[0].text == line  # kept: a run reports it as a failure


def test_blocks_belong_like_message_blocks() -> None:
    text = "```expect\nstatus == 200\n```\n\n## A\n\n```http name=a\nGET http://h/\n```\n\n```expect\n```\n"
    assert [m for _, m in problems(text)] == [
        "expect block has no request to belong to: put it below a request in the same section",
        "empty expect block: write what the request must do, a line each (`status == 200`)",
    ]
    request = parse(text).request("a")
    assert request is not None and len(request.expects) == 1 and request.expectations == []


def test_templates_are_checked_when_expanded() -> None:
    (e,) = parse(doc("http", "GET http://h/", "body.name == {{ user name }}")).requests[0].expectations
    assert e.expected == "{{ user name }}"


def test_values() -> None:
    status, time, size, body = (read_subject(s) for s in ("status", "time", "size", "body"))
    assert expected_value("201", status, "equals") == 201
    assert expected_value("OK", status, "equals") == "OK"
    assert expected_value("500ms", time, "less-than") == 500
    assert expected_value("2s", time, "less-than") == 2000
    assert expected_value("250", time, "less-than") == 250  # a bare number is ms for `time`
    assert expected_value("1KB", size, "less-than") == 1024
    assert expected_value("[1, 2]", body, "equals") == [1, 2]
    pattern = expected_value("/^ab+$/i", body, "matches")
    assert isinstance(pattern, re.Pattern) and pattern.flags & re.IGNORECASE
    assert expected_value('"^a"', body, "matches").pattern == "^a"


def test_paths() -> None:
    assert parse_path(".items.0.id") == ("items", "0", "id")
    assert parse_path('.items[0]["dash-key"]') == ("items", 0, "dash-key")
    assert parse_path("[-1]") == (-1,)
    for bad in (".", ".a..b", "[x]", '["a"', "x"):
        with pytest.raises(ValueError):
            parse_path(bad)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list(" .[]\"'#/{}=<>!abc01-\\")), max_size=60))
def test_any_line_reads_to_an_expectation_or_a_problem(line: str) -> None:
    parsed = parse(doc("ws", "ws://h/", line.replace("`", "")))
    (block,) = parsed.requests[0].expects
    assert len(block.expectations) + len(block.bad) <= 1
    assert len(block.bad) == len([p for p in parsed.problems if p.code == "bad-expectation"])
