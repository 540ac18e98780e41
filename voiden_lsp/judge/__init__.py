"""Judging expectations (FORMAT.md section 8) on a session's events: pure, no I/O, no clock of its own.

Feed it events as they come; it says which expectations were decided by each (an `any message` met, an
`every message` broken, a deadline passed), whether those that wait are all decided (the run may close
the session), and at the end judges the rest on what happened. It keeps a bounded amount of state
whatever the length of the stream: counters, the last messages a `message[-N]` needs, a capped body."""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from voiden_lsp.document import BadExpectation, Expectation, Subject
from voiden_lsp.document.expect_words import OPERATORS, UNARY
from voiden_lsp.events import CLOSED, ERROR, JSON, OPEN, RECEIVED, STATUS, TRAILERS, Event
from voiden_lsp.judge import compare
from voiden_lsp.judge.values import (
    MISSING,
    Search,
    SearchAborted,
    among,
    brief,
    equal,
    expected_shown,
    holds,
    json_type,
    message_value,
    path_text,
    plain_search,
    shown,
    walk,
)

#: Bytes of an HTTP body kept for `body` subjects (the transports cut events at 64 KB each).
BODY_LIMIT = 4 * 1024 * 1024
#: Messages kept for a `messages matches snapshot`: a longer stream is snapshotted by `message[N]`.
SNAPSHOT_MESSAGES = 1000


@dataclass
class Snapshot:
    """The expected value of `SUBJECT matches snapshot`: the stored value (MISSING when there is none yet), and
    whether this run replaces it (`--update-snapshots`). `mask` hides the secrets of what is compared and kept."""

    stored: Any
    update: bool = False
    mask: Callable[[Any], Any] = field(default=lambda value: value)


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
            "actual": shown(self.actual),
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
        self.snapshots: list[tuple[Expectation, Any]] = []
        """Values to store as snapshots (first runs and `--update-snapshots`), as judged."""
        self.messages: list[Any] | None = (
            [] if any(c.expectation.snapshot and c.subject.kind == "messages" for c in self.checks) else None
        )
        self.messages_cut = False
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
            if self.messages is not None:
                if len(self.messages) < SNAPSHOT_MESSAGES:
                    self.messages.append(message_value(fields, ())[0])
                else:
                    self.messages_cut = True
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
        if self.protocol == "mcp":  # the body is the operation's result (or error), not its notifications
            data = fields.get("data")
            if fields.get("event") == "result" and isinstance(data, dict):
                self._body_value = data.get("result", data.get("error"))
                self._body_messages = 1
            return
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
            return self.headers.get(subject.name, MISSING), f"no `{subject.name}` header came" + among(self.headers)
        if kind == "trailer":
            return self.trailers.get(subject.name, MISSING), f"no `{subject.name}` trailer came" + among(self.trailers)
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
        plain = isinstance(self.value, (ValueError, Snapshot))
        expected = "snapshot" if isinstance(self.value, Snapshot) else None if plain else expected_shown(self.value)
        self.verdict = Verdict(self.expectation.line, self.text, passed, expected, actual, message)
        return self.verdict

    def judged(self, actual: Any, why: str = "", where: str = "") -> Verdict:
        """Verdict on `actual` (MISSING with `why` when the subject is not there)."""
        if isinstance(self.value, ValueError):
            return self.decide(False, actual, f"{self.text}: {self.value}")
        if isinstance(self.value, Snapshot):
            return self._against_snapshot(self.value, actual, why)
        try:
            passed = holds(self.operator, actual, self.value, self.judge.search)
        except SearchAborted as exc:
            return self.decide(False, actual, f"{self.text}: {exc}")
        subject = where or self._subject_text()
        if passed:
            return self.decide(
                True, actual, f"{self.text}: {subject} is {brief(actual)}" if actual is not MISSING else self.text
            )
        if actual is MISSING:
            said = why or f"{subject} is not there"
            return self.decide(False, actual, f"expected {self.text}, but {said}")
        return self.decide(False, actual, f"expected {self.text}, got {subject} = {brief(actual)}")

    def _subject_text(self) -> str:
        return self.expectation.subject_text

    def _against_snapshot(self, snapshot: Snapshot, actual: Any, why: str) -> Verdict:
        if actual is MISSING:
            return self.decide(
                False, actual, f"expected {self.text}, but {why or f'{self._subject_text()} is not there'}"
            )
        ignoring = self.expectation.ignoring
        value = compare.without(snapshot.mask(actual), ignoring)
        if snapshot.stored is MISSING or snapshot.update:
            self.judge.snapshots.append((self.expectation, value))
            done = "written" if snapshot.stored is MISSING else "updated"
            return self.decide(True, value, f"{self.text}: snapshot {done}")
        before, after = compare.lines(compare.without(snapshot.stored, ignoring)), compare.lines(value)
        if before == after:  # the same JSON, key order aside
            return self.decide(True, value, f"{self.text}: the same as the snapshot")
        diff = compare.unified(before, after, "snapshot", "this run", compare.MAX_DIFF_LINES)
        return self.decide(
            False,
            value,
            f"expected {self.text}, but it differs from the snapshot (`voiden test --update-snapshots` keeps "
            "this run's):\n" + "\n".join(diff),
        )

    # -- as messages arrive ----------------------------------------------------------------------

    def on_message(self, index: int, fields: dict[str, Any]) -> Verdict | None:
        kind = self.subject.kind
        if isinstance(self.value, ValueError):
            return None
        if kind == "messages":
            if self.expectation.snapshot:
                return None  # judged on all of them at the end
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
            return self.judged(value, why, f"message[{index}]{path_text(self.subject.path)}")
        if kind in ("any", "every"):
            value, why = message_value(fields, self.subject.path)
            self.seen += 1
            try:
                passed = holds(self.operator, value, self.value, self.judge.search)
            except SearchAborted as exc:
                return self.decide(False, value, f"{self.text}: {exc}")
            where = f"message[{index}]{path_text(self.subject.path)}"
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
        if kind == "messages" and self.expectation.snapshot:
            if self.judge.messages_cut:
                return self.decide(
                    False,
                    MISSING,
                    f"{self.text}: over {SNAPSHOT_MESSAGES} messages came, too many for one snapshot: "
                    "snapshot `message[N]` instead",
                )
            return self.judged(self.judge.messages or [])
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
            last = f" (the last: {brief(self.last_value)})" if self.last_value is not MISSING else ""
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


__all__ = [
    "MISSING",
    "OPERATORS",
    "UNARY",
    "Judge",
    "SearchAborted",
    "Snapshot",
    "Verdict",
    "equal",
    "holds",
    "json_type",
    "walk",
]
