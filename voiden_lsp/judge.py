"""Judging expectations (FORMAT.md section 8) on a session's events: pure, no I/O, no clock of its own.

Feed it events as they come; it says which expectations were decided by each (an `any message` met, an
`every message` broken, a deadline passed), whether those that wait are all decided (the run may close
the session), and at the end judges the rest on what happened. It keeps a bounded amount of state
whatever the length of the stream: counters, the last messages a `message[-N]` needs, a capped body."""

from __future__ import annotations

import json
import math
import re
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from voiden_lsp.document import BadExpectation, Expectation, Subject
from voiden_lsp.document.expect import OPERATORS, UNARY
from voiden_lsp.events import CLOSED, ERROR, JSON, OPEN, RECEIVED, STATUS, TRAILERS, Event

#: Bytes of an HTTP body kept for `body` subjects (the transports cut events at 64 KB each).
BODY_LIMIT = 4 * 1024 * 1024
#: An `actual` longer than this (as JSON text) is shown cut.
ACTUAL_LIMIT = 2000


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()
"""What a subject is when it is not there (no such header, no `id` in the body, no message[5])."""

Search = Callable[[re.Pattern[str], str], bool]
"""How `matches` runs a pattern: the run passes one that cannot hang on a hostile pattern."""


class SearchAborted(Exception):
    """A `matches` pattern could not be run to its end (it ran past the time limit): the check fails."""


def plain_search(pattern: re.Pattern[str], text: str) -> bool:
    return pattern.search(text) is not None


@dataclass(frozen=True)
class Verdict:
    """One expectation judged: what a `check` event carries."""

    line: int
    """0-based, as LSP counts."""
    text: str
    passed: bool
    expected: Any
    actual: Any
    message: str

    def fields(self) -> dict[str, Any]:
        return {
            "line": self.line + 1,
            "text": self.text,
            "passed": self.passed,
            "expected": self.expected,
            "actual": _shown(self.actual),
            "message": self.message,
        }


class Judge:
    """The expectations of one session. `expected` gives each expectation's value (its EXPECTED with
    templates expanded and read), or a ValueError saying why it has none: that expectation fails."""

    def __init__(
        self,
        expectations: Iterable[tuple[Expectation, Any]],
        bad: Iterable[BadExpectation] = (),
        *,
        protocol: str = "",
        search: Search = plain_search,
    ) -> None:
        self.protocol = protocol
        self.search = search
        self.checks = [_Check(self, e, value) for e, value in expectations]
        self.verdicts: list[Verdict] = []
        self._early = [Verdict(b.range.start.line, b.text, False, None, MISSING, b.message) for b in bad]
        self.opened_at: float | None = None
        self.last_time = 0.0
        self.received = 0
        self.size = 0
        self.headers: dict[str, str] = {}
        self.trailers: dict[str, str] = {}
        self.status: Any = MISSING
        self.error: Any = MISSING
        self.closed: dict[str, Any] = {}
        self._body_value: Any = MISSING
        self._body_text: list[str] = []
        self._body_size = 0
        self._body_cut = False
        self._body_messages = 0
        keep = max([0, *(-(c.subject.index or 0) for c in self.checks if c.subject.kind == "message")])
        self.last: deque[tuple[int, Event]] = deque(maxlen=keep)

    # -- what the run asks -----------------------------------------------------------------------

    def start(self) -> list[Verdict]:
        """Verdicts known before anything is sent: the lines that are no expectation, the values that
        could not be read."""
        decided = list(self._early)
        for check in self.checks:
            if isinstance(check.value, ValueError):
                decided.append(check.decide(False, MISSING, f"{check.text}: {check.value}"))
        self.verdicts += decided
        return decided

    @property
    def waiting(self) -> bool:
        """Some expectation that waits for the stream is undecided: the run keeps the session open."""
        return any(c.verdict is None and c.waits and not c.ready for c in self.checks)

    @property
    def waits_at_all(self) -> bool:
        return any(c.waits for c in self.checks)

    def next_deadline(self) -> float | None:
        """When (ms of session time) the next `within` runs out, if any is pending and the session is open."""
        if self.opened_at is None:
            return None
        deadlines = [self.opened_at + c.within_ms for c in self.checks if c.verdict is None and c.within_ms is not None]
        return min(deadlines, default=None)

    def feed(self, event: Event) -> list[Verdict]:
        """Take one event; the verdicts it decided."""
        self.last_time = event.time
        decided = self.tick(event.time)
        ticked = len(decided)
        kind, fields = event.kind, event.fields
        if kind == RECEIVED:
            if fields.get("control"):
                return decided
            self.received += 1
            self.size += int(fields.get("size") or 0)
            self._take_body(fields)
            if self.last.maxlen:
                self.last.append((self.received - 1, event))
            for check in self.checks:
                if check.verdict is None:
                    verdict = check.on_message(self.received - 1, fields)
                    if verdict is not None:
                        decided.append(verdict)
        elif kind == OPEN:
            self.headers = {str(k).lower(): str(v) for k, v in (fields.get("headers") or {}).items()}
            if self.opened_at is None:
                self.opened_at = event.time
        elif kind == STATUS:
            self.status = fields.get("code", MISSING)
            if self.protocol == "grpc" and self.status not in ("OK", MISSING) and self.error is MISSING:
                self.error = str(fields.get("message") or self.status)  # a failed call's status is its error
        elif kind == TRAILERS:
            self.trailers = {str(k).lower(): str(v) for k, v in (fields.get("headers") or {}).items()}
        elif kind == ERROR and self.error is MISSING:
            self.error = str(fields.get("message", ""))
        elif kind == CLOSED:
            self.closed = dict(fields)
        self.verdicts += decided[ticked:]
        return decided

    def tick(self, now: float) -> list[Verdict]:
        """Decide the `within`s that ran out by `now` (ms of session time)."""
        decided: list[Verdict] = []
        if self.opened_at is None:
            return decided
        for check in self.checks:
            if check.verdict is None and check.within_ms is not None and now > self.opened_at + check.within_ms:
                decided.append(check.at_deadline())
        self.verdicts += decided
        return decided

    def finish(self) -> list[Verdict]:
        """The session ended: judge everything still undecided on what happened."""
        decided = [c.at_end() for c in self.checks if c.verdict is None]
        self.verdicts += decided
        return decided

    @property
    def passed(self) -> bool:
        return all(v.passed for v in self.verdicts)

    # -- values of subjects ----------------------------------------------------------------------

    def _take_body(self, fields: dict[str, Any]) -> None:
        self._body_messages += 1
        data, encoding = fields.get("data"), fields.get("encoding")
        if fields.get("truncated"):
            self._body_cut = True
        if encoding == JSON and self._body_messages == 1:
            self._body_value = data
        elif self._body_size < BODY_LIMIT:
            text = json.dumps(data, ensure_ascii=False) if encoding == JSON else str(data or "")
            if self._body_messages == 2 and self._body_value is not MISSING:
                self._body_text = [json.dumps(self._body_value, ensure_ascii=False)]
            self._body_value = MISSING
            self._body_text.append(text[: BODY_LIMIT - self._body_size])
            self._body_size += len(text)

    def body(self) -> tuple[Any, str]:
        """The response body (HTTP: JSON if it reads as JSON, else its text; gRPC unary: the message), and
        what to say when it is not there."""
        if self._body_messages == 0:
            return MISSING, "no response body came"
        if self.protocol == "grpc" and self._body_messages > 1:
            return MISSING, f"the call answered {self._body_messages} messages: write `message[N]` for a stream"
        if self._body_value is not MISSING:
            return self._body_value, ""
        text = "".join(self._body_text)
        try:
            return json.loads(text), ""
        except ValueError:
            return text, ""

    def value_of(self, subject: Subject) -> tuple[Any, str]:
        """A non-stream subject's value now, and what to say if it is missing."""
        kind = subject.kind
        if kind == "status":
            return self.status, "no status came" + (f" ({self.error})" if self.error is not MISSING else "")
        if kind == "header":
            return self.headers.get(subject.name, MISSING), f"no `{subject.name}` header came" + _among(self.headers)
        if kind == "trailer":
            return self.trailers.get(subject.name, MISSING), f"no `{subject.name}` trailer came" + _among(self.trailers)
        if kind == "time":
            return round(self.closed_time, 1), ""
        if kind == "size":
            return self.size, ""
        if kind == "error":
            return self.error, "no error"
        if kind == "messages":
            return self.received, ""
        if kind == "closed":
            if not self.closed:
                return MISSING, "the session did not close"
            return self.closed.get(subject.name, MISSING), f"the close has no {subject.name}"
        if kind == "body":
            value, why = self.body()
            if value is MISSING:
                return value, why
            found, why = walk(value, subject.path)
            if found is MISSING and self._body_cut:
                why += " (the body was cut at the payload limit)"
            return found, why
        if kind == "message":
            index = subject.index or 0
            if index >= 0:
                return MISSING, f"only {self.received} message{'s' if self.received != 1 else ''} came"
            if -index > self.received:
                return MISSING, f"only {self.received} message{'s' if self.received != 1 else ''} came"
            return message_value(self.last[index][1].fields, subject.path)
        return MISSING, f"`{kind}` has no value here"

    @property
    def closed_time(self) -> float:
        return self.last_time


class _Check:
    def __init__(self, judge: Judge, expectation: Expectation, value: Any) -> None:
        self.judge = judge
        self.expectation = expectation
        self.subject = expectation.subject
        self.operator = expectation.operator
        self.value = value
        self.text = expectation.text
        self.waits = expectation.waits
        self.within_ms = None if expectation.within is None else expectation.within * 1000
        self.verdict: Verdict | None = None
        self.ready = False
        """A `messages == N` that reached N: the session may close, the verdict waits for the end."""
        self.seen = 0
        self.last_value: Any = MISSING
        self.matched = 0

    def decide(self, passed: bool, actual: Any, message: str) -> Verdict:
        expected = None if isinstance(self.value, ValueError) else _expected_shown(self.value)
        self.verdict = Verdict(self.expectation.line, self.text, passed, expected, actual, message)
        return self.verdict

    def judged(self, actual: Any, why: str = "", where: str = "") -> Verdict:
        """Verdict on `actual` (MISSING with `why` when the subject is not there)."""
        if isinstance(self.value, ValueError):
            return self.decide(False, actual, f"{self.text}: {self.value}")
        try:
            passed = holds(self.operator, actual, self.value, self.judge.search)
        except SearchAborted as exc:
            return self.decide(False, actual, f"{self.text}: {exc}")
        subject = where or self._subject_text()
        if passed:
            return self.decide(
                True, actual, f"{self.text}: {subject} is {_brief(actual)}" if actual is not MISSING else self.text
            )
        if actual is MISSING:
            said = why or f"{subject} is not there"
            return self.decide(False, actual, f"expected {self.text}, but {said}")
        return self.decide(False, actual, f"expected {self.text}, got {subject} = {_brief(actual)}")

    def _subject_text(self) -> str:
        return self.expectation.subject_text

    # -- as messages arrive ----------------------------------------------------------------------

    def on_message(self, index: int, fields: dict[str, Any]) -> Verdict | None:
        kind = self.subject.kind
        if isinstance(self.value, ValueError):
            return None
        if kind == "messages":
            count = self.judge.received
            if self.operator in ("greater-equal", "greater-than") and holds(
                self.operator, count, self.value, self.judge.search
            ):
                return self.judged(count)
            if self.operator == "equals":
                self.ready = count == self.value
            return None
        if kind == "message" and self.subject.index == index:
            value, why = message_value(fields, self.subject.path)
            return self.judged(value, why, f"message[{index}]{_path_text(self.subject.path)}")
        if kind in ("any", "every"):
            value, why = message_value(fields, self.subject.path)
            self.seen += 1
            try:
                passed = holds(self.operator, value, self.value, self.judge.search)
            except SearchAborted as exc:
                return self.decide(False, value, f"{self.text}: {exc}")
            where = f"message[{index}]{_path_text(self.subject.path)}"
            if kind == "any" and passed:
                return self.judged(value, why, where)
            if kind == "every" and not passed:
                return self.judged(value, why, where)
            self.last_value = value
        return None

    def at_deadline(self) -> Verdict:
        """Its `within` ran out."""
        within = self.expectation.within or 0
        return self._unmet(f" within {within:g}s")

    def at_end(self) -> Verdict:
        """The session ended with this undecided."""
        kind = self.subject.kind
        if kind in ("any", "every", "messages") or (kind == "message" and (self.subject.index or 0) >= 0):
            return self._unmet("")
        value, why = self.judge.value_of(self.subject)
        return self.judged(value, why)

    def _unmet(self, window: str) -> Verdict:
        kind, count = self.subject.kind, self.judge.received
        came = f"{count} message{'s' if count != 1 else ''} came{window}"
        if kind == "every":
            if self.seen == 0:
                return self.decide(False, MISSING, f"expected {self.text}, but no message came{window}")
            return self.decide(True, self.last_value, f"{self.text}: all {self.seen} messages{window}")
        if kind == "any":
            last = f" (the last: {_brief(self.last_value)})" if self.last_value is not MISSING else ""
            return self.decide(
                False,
                MISSING,
                f"expected {self.text}, but none of the {came} matched{last}"
                if count
                else f"expected {self.text}, but no message came{window}",
            )
        if kind == "messages":
            return self.judged(count)
        return self.decide(False, MISSING, f"expected {self.text}, but only {came}")


# -- values --------------------------------------------------------------------------------------


def message_value(fields: dict[str, Any], path: tuple[str | int, ...]) -> tuple[Any, str]:
    """A received message's value at `path`; `event` first names the SSE / Socket.IO event name."""
    if path[:1] == ("event",) and "event" in fields and len(path) == 1:
        return fields["event"], ""
    data, encoding = fields.get("data"), fields.get("encoding")
    if encoding != JSON and path and isinstance(data, str):
        try:  # a text message that is JSON after all (a number, or cut at the payload limit it is not)
            data = json.loads(data)
        except ValueError:
            return MISSING, f"the message is not JSON, so it has no `{_path_text(path).lstrip('.')}`"
    return walk(data, path)


def walk(value: Any, path: tuple[str | int, ...]) -> tuple[Any, str]:
    """`value` at `path` (keys and indexes; a digit key indexes a list), or MISSING and where it failed."""
    current = value
    walked = ""
    for part in path:
        step = f"[{part}]" if isinstance(part, int) else f".{part}"
        if isinstance(current, list):
            index = part if isinstance(part, int) else int(part) if part.lstrip("-").isdigit() else None
            if index is not None and -len(current) <= index < len(current):
                current = current[index]
                walked += f"[{index}]"
                continue
            return MISSING, f"`{(walked + step).lstrip('.')}` is not there (a list of {len(current)})"
        if isinstance(current, dict):
            key = str(part)
            if key in current:
                current = current[key]
                walked += step
                continue
            return MISSING, f"there is no `{(walked + step).lstrip('.')}`" + _among(current)
        return (
            MISSING,
            f"there is no `{(walked + step).lstrip('.')}` ({json_type(current)} `{_brief(current)}` has no parts)",
        )
    return current, ""


def holds(operator: str, actual: Any, expected: Any = None, search: Search = plain_search) -> bool:
    """Whether `actual OPERATOR expected` holds (FORMAT.md section 8's operators, the app's meanings)."""
    present = actual is not MISSING
    if operator == "exists":
        return present and actual is not None
    if operator == "not-exists":
        return not present or actual is None
    if operator == "is-empty":
        return not present or actual in (None, "") or (isinstance(actual, list | dict) and not actual)
    if operator == "not-empty":
        return not holds("is-empty", actual, expected)
    if operator == "is-truthy":  # as JavaScript, the app's language: [] and {} are truthy
        if not present or actual is None or actual is False or actual == "":
            return False
        return isinstance(actual, list | dict) or actual != 0
    if operator == "is-falsy":
        return not holds("is-truthy", actual, expected)
    if not present:
        return False
    if operator == "equals":
        return equal(actual, expected)
    if operator == "not-equals":
        return not equal(actual, expected)
    if operator in ("less-than", "less-equal", "greater-than", "greater-equal"):
        number = _number(actual)
        if number is None or not isinstance(expected, int | float):
            return False
        return {
            "less-than": number < expected,
            "less-equal": number <= expected,
            "greater-than": number > expected,
            "greater-equal": number >= expected,
        }[operator]
    if operator in ("contains", "not-contains"):
        found = _contains(actual, expected)
        return found if operator == "contains" else not found
    if operator == "starts-with":
        return _as_text(actual).startswith(_as_text(expected))
    if operator == "ends-with":
        return _as_text(actual).endswith(_as_text(expected))
    if operator == "matches":
        return isinstance(expected, re.Pattern) and search(expected, _as_text(actual))
    if operator == "type-is":
        return json_type(actual) == str(expected)
    return False


def equal(actual: Any, expected: Any) -> bool:
    """JSON equality (`true` is not `1`), except that a text that reads as a number equals that number
    (a header, a text message `42`) and a number equals its own text (`status == "200"`)."""
    if isinstance(actual, bool) or isinstance(expected, bool):
        return isinstance(actual, bool) and isinstance(expected, bool) and actual == expected
    if isinstance(actual, int | float) and isinstance(expected, int | float):
        return actual == expected
    if isinstance(actual, str) and isinstance(expected, int | float):
        return _number(actual) == expected
    if isinstance(actual, int | float) and isinstance(expected, str):
        return _number(expected) == actual
    if isinstance(actual, list) and isinstance(expected, list):
        return len(actual) == len(expected) and all(equal(a, e) for a, e in zip(actual, expected, strict=True))
    if isinstance(actual, dict) and isinstance(expected, dict):
        return actual.keys() == expected.keys() and all(equal(actual[k], expected[k]) for k in actual)
    return type(actual) is type(expected) and bool(actual == expected)


def _contains(actual: Any, expected: Any) -> bool:
    if isinstance(actual, list):
        return any(equal(item, expected) for item in actual)
    if isinstance(actual, dict):
        return isinstance(expected, str) and expected in actual
    return _as_text(expected) in _as_text(actual)


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None
        return number if math.isfinite(number) else None
    return None


def _as_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def json_type(value: Any) -> str:
    """The JSON type name of a value, as `type-is` names it."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _brief(value: Any, limit: int = 120) -> str:
    text = _as_text(value) if not isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _shown(value: Any) -> Any:
    """`actual` for a `check` event: the value, or the start of its text when it is long."""
    if value is MISSING:
        return None
    text = json.dumps(value, ensure_ascii=False)
    return value if len(text) <= ACTUAL_LIMIT else text[: ACTUAL_LIMIT - 1] + "…"


def _expected_shown(value: Any) -> Any:
    if isinstance(value, re.Pattern):
        return f"/{value.pattern}/"
    return value


def _among(mapping: dict[str, Any]) -> str:
    if not mapping:
        return ""
    names = list(mapping)
    more = f", … {len(names) - 8} more" if len(names) > 8 else ""
    return f" (there is: {', '.join(names[:8])}{more})"


def _path_text(path: tuple[str | int, ...]) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path)


__all__ = ["MISSING", "OPERATORS", "UNARY", "Judge", "SearchAborted", "Verdict", "equal", "holds", "walk"]
