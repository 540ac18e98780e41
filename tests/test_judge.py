"""The judge on events made by hand: each expectation met, failed or still waiting, with no I/O."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from voiden_lsp.document import parse
from voiden_lsp.document.expect_values import expected_value
from voiden_lsp.events import CLOSED, ERROR, OPEN, RECEIVED, STATUS, TRAILERS, Event
from voiden_lsp.judge import MISSING, Judge, equal, holds, walk


def judge_for(protocol: str, target: str, lines: str) -> Judge:
    doc = parse(f"```{protocol} name=r\n{target}\n```\n\n```expect\n{lines}\n```\n")
    request = doc.requests[0]
    values: list[tuple[Any, Any]] = []
    for e in request.expectations:
        try:
            value = None if e.expected is None else expected_value(e.expected, e.subject, e.operator)
        except ValueError as exc:
            value = exc
        values.append((e, value))
    bad = [b for block in request.expects for b in block.bad]
    return Judge(values, bad, protocol=protocol)


class Clock:
    def __init__(self) -> None:
        self.seq = 0

    def __call__(self, kind: str, time: float = 0.0, **fields: Any) -> Event:
        self.seq += 1
        return Event("s1", "r", self.seq, time, kind, fields)


def message(clock: Clock, time: float, data: Any, encoding: str = "json", **extra: Any) -> Event:
    return clock(RECEIVED, time, data=data, encoding=encoding, size=len(str(data)), **extra)


def verdicts(judge: Judge) -> dict[str, tuple[bool, str]]:
    return {v.text: (v.passed, v.message) for v in judge.verdicts}


def test_an_http_exchange() -> None:
    judge = judge_for(
        "http",
        "POST http://h/users",
        "\n".join(
            [
                "status == 201",
                "header content-type contains json",
                "header x-missing exists",
                "body.id exists",
                "body.name type-is string",
                "body.tags contains admin",
                "body.tags[5] exists",
                "time < 500ms",
                "size < 1KB",
                "error not-exists",
            ]
        ),
    )
    clock = Clock()
    assert judge.start() == []
    assert not judge.waiting and not judge.waits_at_all
    for event in (
        clock(OPEN, 5, headers={"Content-Type": "application/json"}),
        clock(STATUS, 6, code=201, message="Created"),
        message(clock, 7, {"id": 7, "name": "Ada", "tags": ["admin"]}),
        clock(CLOSED, 9.5, by="server"),
    ):
        assert judge.feed(event) == []
    judge.finish()
    found = verdicts(judge)
    assert {text for text, (passed, _) in found.items() if not passed} == {
        "header x-missing exists",
        "body.tags[5] exists",
    }
    assert found["header x-missing exists"][1] == (
        "expected header x-missing exists, but no `x-missing` header came (there is: content-type)"
    )
    assert found["body.tags[5] exists"][1] == "expected body.tags[5] exists, but `tags[5]` is not there (a list of 1)"
    assert found["status == 201"] == (True, "status == 201: status is 201")
    (failed,) = [v for v in judge.verdicts if v.text == "body.tags[5] exists"]
    assert failed.fields()["line"] == 12 and failed.fields()["actual"] is None


def test_what_came_instead_is_said() -> None:
    judge = judge_for("http", "GET http://h/", 'status == 200\nbody.name == "Ada"\nbody.count > 3')
    clock = Clock()
    judge.feed(clock(STATUS, 1, code=404))
    judge.feed(message(clock, 2, {"name": "Bob", "count": "2"}))
    judge.finish()
    assert verdicts(judge) == {
        "status == 200": (False, "expected status == 200, got status = 404"),
        'body.name == "Ada"': (False, 'expected body.name == "Ada", got body.name = "Bob"'),
        "body.count > 3": (False, 'expected body.count > 3, got body.count = "2"'),
    }


def test_a_text_body_and_a_failed_connection() -> None:
    judge = judge_for("http", "GET http://h/", 'body contains "hello"\nbody.id exists\nerror not-exists\nstatus == 200')
    clock = Clock()
    judge.feed(message(clock, 1, "hello world", "text"))
    judge.feed(clock(ERROR, 2, message="connection reset by the server"))
    judge.finish()
    found = verdicts(judge)
    assert found['body contains "hello"'][0]
    assert found["body.id exists"] == (
        False,
        'expected body.id exists, but there is no `id` (string `"hello world"` has no parts)',
    )
    assert found["error not-exists"] == (
        False,
        'expected error not-exists, got error = "connection reset by the server"',
    )
    assert found["status == 200"] == (
        False,
        "expected status == 200, but no status came (connection reset by the server)",
    )


def test_a_stream_is_decided_as_it_comes() -> None:
    judge = judge_for(
        "ws",
        "ws://h/feed",
        'any message.symbol == "ACME" within 2s\nmessages >= 3\nevery message.price > 0\nmessage[1].price == 20\n'
        "message[-1].price == 30\nclosed.code == 1000",
    )
    clock = Clock()
    assert judge.waiting
    judge.feed(clock(OPEN, 10))
    assert judge.feed(message(clock, 20, {"symbol": "XYZ", "price": 10})) == []
    decided = judge.feed(message(clock, 30, {"symbol": "ACME", "price": 20}))
    assert sorted(v.text for v in decided) == ['any message.symbol == "ACME" within 2s', "message[1].price == 20"]
    assert judge.waiting  # messages >= 3
    (counted,) = judge.feed(message(clock, 40, {"symbol": "ACME", "price": 30}))
    assert counted.text == "messages >= 3" and counted.passed
    assert not judge.waiting  # the run may close the session now
    judge.feed(clock(CLOSED, 50, by="client", code=1000, reason="expectations decided"))
    judge.finish()
    assert all(v.passed for v in judge.verdicts), verdicts(judge)
    assert verdicts(judge)["every message.price > 0"] == (True, "every message.price > 0: all 3 messages")


def test_a_deadline_fails_what_did_not_come() -> None:
    judge = judge_for(
        "ws",
        "ws://h/",
        'any message.symbol == "ACME" within 2s\nmessages >= 5 within 1s\nevery message.n > 0 within 1s',
    )
    clock = Clock()
    judge.feed(clock(OPEN, 100))
    judge.feed(message(clock, 200, {"symbol": "XYZ", "n": 1}))
    assert judge.next_deadline() == 1100
    decided = judge.tick(1101)
    assert sorted((v.text, v.passed) for v in decided) == [
        ("every message.n > 0 within 1s", True),
        ("messages >= 5 within 1s", False),
    ]
    assert judge.tick(1500) == []
    (late,) = judge.tick(2101)
    assert late.message == (
        'expected any message.symbol == "ACME" within 2s, but none of the 1 message came within 2s matched '
        '(the last: "XYZ")'
    )
    assert not judge.waiting and judge.next_deadline() is None


def test_every_breaks_at_the_first_counterexample_and_names_it() -> None:
    judge = judge_for("sse", "GET http://h/events", "every message.price > 0\nany message.event == tick")
    clock = Clock()
    judge.feed(message(clock, 1, {"price": 5}, event="quote"))
    (broken,) = judge.feed(message(clock, 2, {"price": -1}, event="quote"))
    assert broken.message == "expected every message.price > 0, got message[1].price = -1"
    (tick,) = judge.feed(message(clock, 3, "{}", "text", event="tick"))
    assert tick.passed


def test_messages_equal_waits_for_the_count_and_is_judged_at_the_end() -> None:
    judge = judge_for("ws", "ws://h/", "messages == 2")
    clock = Clock()
    judge.feed(message(clock, 1, 1))
    assert judge.waiting
    judge.feed(message(clock, 2, 2))
    assert not judge.waiting
    judge.feed(message(clock, 3, 3))  # another expectation kept the session open: the count is what came
    (verdict,) = judge.finish()
    assert not verdict.passed and verdict.message == "expected messages == 2, got messages = 3"


def test_an_ended_stream_fails_what_never_came() -> None:
    judge = judge_for(
        "grpc", "grpc://h:1 a.B/C", "message[3].n == 4\nany message exists\nmessages >= 1\nevery message.n > 0"
    )
    clock = Clock()
    judge.feed(clock(STATUS, 1, code="UNAVAILABLE"))
    judge.finish()
    assert verdicts(judge) == {
        "message[3].n == 4": (False, "expected message[3].n == 4, but only 0 messages came"),
        "any message exists": (False, "expected any message exists, but no message came"),
        "messages >= 1": (False, "expected messages >= 1, got messages = 0"),
        "every message.n > 0": (False, "expected every message.n > 0, but no message came"),
    }


def test_grpc_unary_body_status_and_trailers() -> None:
    judge = judge_for("grpc", "grpc://h:1 a.B/C", "status == OK\nbody.name == Ada\ntrailer x-t == 1")
    clock = Clock()
    judge.feed(message(clock, 1, {"name": "Ada"}))
    judge.feed(clock(STATUS, 2, code="OK"))
    judge.feed(clock(TRAILERS, 3, headers={"X-T": "1"}))
    judge.finish()
    assert judge.passed, verdicts(judge)


def test_bad_lines_and_unreadable_values_fail_from_the_start() -> None:
    judge = judge_for("http", "GET http://h/", "status == 200\nstatuz == 200")
    (bad,) = judge.start()
    assert not bad.passed and bad.message == "unknown subject `statuz`; did you mean `status`?" and bad.line == 6


def test_the_operators() -> None:
    assert holds("equals", "42", 42) and holds("equals", 200, "200") and not holds("equals", True, 1)
    assert holds("not-equals", [1], [1, 2]) and not holds("equals", {"a": 1}, {"a": 1, "b": 2})
    assert holds("contains", ["a", "b"], "b") and holds("contains", {"k": 1}, "k") and holds("contains", "xyz", "y")
    assert holds("not-contains", "xyz", "q") and not holds("not-contains", MISSING, "q")
    assert holds("starts-with", "hello", "he") and holds("ends-with", 1234, 34)
    assert holds("exists", 0) and not holds("exists", None) and holds("not-exists", MISSING)
    assert holds("is-empty", []) and holds("is-empty", "") and not holds("is-empty", 0) and holds("not-empty", [0])
    assert holds("is-truthy", []) and not holds("is-truthy", 0) and holds("is-falsy", "") and holds("is-falsy", MISSING)
    assert holds("type-is", None, "null") and holds("type-is", 1.5, "number") and not holds("type-is", True, "number")
    assert holds("less-equal", "3", 3) and not holds("less-than", "three", 3) and not holds("greater-than", True, 0)


def test_walk_says_where_it_stopped() -> None:
    assert walk({"a": [{"b": 1}]}, ("a", "0", "b")) == (1, "")
    assert walk({"a": [{"b": 1}]}, ("a", -1, "b")) == (1, "")
    assert walk({"a": {"x": 1, "y": 2}}, ("a", "z")) == (MISSING, "there is no `a.z` (there is: x, y)")


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3),
    max_leaves=10,
)


@settings(max_examples=200, deadline=None)
@given(JSON, JSON)
def test_equality_is_symmetric_and_negated_exactly(a: Any, b: Any) -> None:
    assert equal(a, a)
    assert equal(a, b) == equal(b, a)
    assert holds("not-equals", a, b) != holds("equals", a, b)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(-5, 5), max_size=30))
def test_any_and_every_agree_with_python(values: list[int]) -> None:
    judge = judge_for("ws", "ws://h/", "any message.n > 2\nevery message.n > 2")
    clock = Clock()
    for i, n in enumerate(values):
        judge.feed(message(clock, i, {"n": n}))
    judge.finish()
    found = {v.text: v.passed for v in judge.verdicts}
    assert found["any message.n > 2"] == any(n > 2 for n in values)
    assert found["every message.n > 2"] == (bool(values) and all(n > 2 for n in values))
