"""The quick pass a load run takes before the Judge: it may say True only when the Judge passes every line, and
it says True on the common lines that pass, so a run's passing answers skip the Judge."""

from __future__ import annotations

import json
from typing import Any

import pytest

from voiden_lsp.events import CLOSED, JSON, OPEN, RECEIVED, STATUS, TEXT, Event
from voiden_lsp.judge import MISSING, quick

from .test_judge import judge_for

ANSWERS: list[tuple[int, dict[str, str], str]] = [
    (200, {"content-type": "application/json", "x-id": "42"}, '{"ok": true, "n": 1, "name": "Ada", "tags": ["a"]}'),
    (404, {"content-type": "text/plain"}, "not found"),
    (200, {"content-type": "application/json"}, "null"),
    (201, {}, ""),
    (200, {"content-type": "application/json"}, "[1, 2, 3]"),
    (500, {"content-type": "application/json"}, '{"ok": false, "n": "1"}'),
]
COMMON = [
    "status == 200",
    "status < 400",
    "status != 404",
    "body.ok == true",
    "body.n == 1",
    "body.n >= 1",
    "body.name == Ada",
    "body.name contains Ad",
    'body.name matches "^A"',
    "body.tags contains a",
    "body.tags not-empty",
    "body.name starts-with A",
    "body.ok is-truthy",
    "body.ok type-is boolean",
    "body[1] == 2",
    "body contains found",
    "header content-type contains json",
    "header x-id == 42",
    "size > 5",
    "time < 60s",
]
ELSE = [
    "header x-missing not-exists",
    "body.missing not-exists",
    "body.n == {{nope}}",
    "body == null",
    "body.tags[9] exists",
    "body.tags is-empty",
    "body.n is-falsy",
]


def quick_and_judge(line: str, answer: tuple[int, dict[str, str], str]) -> tuple[bool, bool]:
    status, headers, body = answer
    judged = judge_for("http", "GET http://h/x", line)
    values = [(c.expectation, c.value) for c in judged.checks]

    def parsed() -> Any:
        if not body:
            return MISSING
        try:
            return json.loads(body)
        except ValueError:
            return body

    fast = (
        not judged._early
        and quick.readable(values)
        and quick.all_hold(values, status=status, headers=headers, body=parsed, size=len(body), elapsed=3.0)
    )
    clock = iter(range(1, 10))
    judged.feed(Event("s", "r", next(clock), 3.0, OPEN, {"headers": headers}))
    judged.feed(Event("s", "r", next(clock), 3.0, STATUS, {"code": status}))
    if body:
        value = parsed()
        encoding = JSON if body.strip() and not isinstance(value, str) else TEXT
        judged.feed(
            Event("s", "r", next(clock), 3.0, RECEIVED, {"data": value, "encoding": encoding, "size": len(body)})
        )
    judged.feed(Event("s", "r", next(clock), 3.0, CLOSED, {"by": "server"}))
    judged.start()
    judged.finish()
    return fast, judged.passed


@pytest.mark.parametrize("line", COMMON + ELSE)
def test_quick_says_pass_only_when_the_judge_passes(line: str) -> None:
    for answer in ANSWERS:
        fast, passed = quick_and_judge(line, answer)
        assert passed or not fast, (line, answer)


@pytest.mark.parametrize("line", COMMON)
def test_quick_passes_the_common_lines_the_judge_passes(line: str) -> None:
    passing = [answer for answer in ANSWERS if quick_and_judge(line, answer)[1]]
    assert passing, f"no answer passes {line!r}: the case tests nothing"
    for answer in passing:
        assert quick_and_judge(line, answer)[0], (line, answer)


def test_lines_it_does_not_read_go_to_the_judge() -> None:
    for line in ("messages >= 1", "any message.id == 1", "message[0].id == 1 within 1s"):
        judged = judge_for("ws", "ws://h/x", line)
        assert judged.checks, line
        assert not quick.readable([(c.expectation, c.value) for c in judged.checks]), line
