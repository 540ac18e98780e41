"""What the load engine's users share, and how each send is judged: every `expect` line on every response, a
literal EXPECTED read once per request. An HTTP answer takes the quick pass first (`judge.quick`) and goes to the
Judge only when a line fails or is one the quick pass does not read, so a run's thousands of passing answers
cost little and a failure reads as in `voiden test`. No Locust or gevent here."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from voiden_lsp.document import Request
from voiden_lsp.events import CLOSED, OPEN, RECEIVED, STATUS, Event
from voiden_lsp.judge import MISSING, Judge, quick
from voiden_lsp.schema import Schema
from voiden_lsp.sessions.runner import Runner
from voiden_lsp.templating import Scope
from voiden_lsp.transports.base import text_payload, value_payload

Fixed = dict[str, tuple[dict[int, Any], "Lines | None"]]
"""Per request, the values of its expectations whose EXPECTED has no template, read once (by position), and its
Lines when every EXPECTED is literal."""


@dataclass
class Shared:
    """What every user of the engine's process shares."""

    report: Callable[[str, str, float, int, str | None], None]
    """A row for Locust's statistics: kind, name, time (ms), size, the failure in words or None."""
    http: Any
    """A `requests` session (gevent-patched) for the streams, Connect, gRPC-Web and MCP."""
    schemas: dict[str, Schema] = field(default_factory=dict)
    """Each gRPC request's schema, read by the parent."""
    fixed: Fixed = field(default_factory=dict)


@dataclass(frozen=True)
class Lines:
    """A request's `expect` lines for one send: each with its EXPECTED read, the lines that are no expectation,
    and whether the quick pass reads them all."""

    values: list[tuple[Any, Any]]
    bad: list[Any]
    quick: bool


def expectation_lines(request: Request, scope: Scope, fixed: Fixed) -> Lines:
    """A literal EXPECTED is read once per request, one with a template afresh at each send."""
    if request.name not in fixed:
        known = {
            i: Runner.expected(e, scope) for i, e in enumerate(request.expectations) if "{{" not in (e.expected or "")
        }
        every = len(known) == len(request.expectations)  # all literal: the same Lines at every send
        fixed[request.name] = (known, _lines(request, known, scope) if every else None)
    known, same = fixed[request.name]
    return same if same is not None else _lines(request, known, scope)


def _lines(request: Request, known: dict[int, Any], scope: Scope) -> Lines:
    values = [(e, known[i] if i in known else Runner.expected(e, scope)) for i, e in enumerate(request.expectations)]
    bad = [b for block in request.expects for b in block.bad]
    return Lines(values, bad, not bad and quick.readable(values))


def new_judge(request: Request, scope: Scope, fixed: Fixed, protocol: str, *, opened: bool = True) -> Judge:
    """A judge of the request's expectations for one send; `opened`: the exchange is open from the start (time 0,
    no headers)."""
    lines = expectation_lines(request, scope, fixed)
    judged = Judge(lines.values, lines.bad, protocol=protocol)
    if opened:
        judged.feed(Event("load", request.name, 1, 0.0, OPEN, {"headers": {}}))
    return judged


def http_failure(
    request: Request,
    scope: Scope,
    fixed: Fixed,
    answer: tuple[int, dict[str, str], str, int],
    started: float,
) -> str | None:
    """The request's expectations on one HTTP answer (status, lower-cased headers, body text, size): the first
    failure in words, or None."""
    if not request.expectations and not any(b.bad for b in request.expects):
        return None
    status, headers, body, size = answer
    elapsed = (time.perf_counter() - started) * 1000
    lines = expectation_lines(request, scope, fixed)
    if lines.quick and quick.all_hold(
        lines.values, status=status, headers=headers, body=lambda: _body(body), size=size, elapsed=elapsed
    ):
        return None
    judged = Judge(lines.values, lines.bad, protocol=request.protocol)
    happened: list[tuple[str, dict[str, Any]]] = [
        (OPEN, {"headers": headers}),
        (STATUS, {"code": status}),
        *([(RECEIVED, text_payload(body, size=size))] if body else []),  # as the HTTP transport gives a body
        (CLOSED, {"by": "server"}),
    ]
    for seq, (kind, fields) in enumerate(happened, start=1):
        judged.feed(Event("load", request.name, seq, elapsed, kind, fields))
    return first_failure(judged)


def _body(text: str) -> Any:
    """The body as the Judge reads it: none when empty, JSON when it parses, else its text."""
    if not text:
        return MISSING
    try:
        return json.loads(text)
    except ValueError:
        return text


def unary_failure(
    request: Request,
    scope: Scope,
    fixed: Fixed,
    status: tuple[str, str],
    raw: bytes | None,
    body: Callable[[], Any],
    elapsed: float,
) -> str | None:
    """A unary gRPC call's end: its status (code, message) and answer (`raw`, decoded by `body`) judged, the quick
    pass first when the call succeeded."""
    code, message = status
    lines = expectation_lines(request, scope, fixed)
    size = len(raw or b"")
    answer = (lambda: MISSING) if raw is None else body
    if (
        code == "OK"
        and lines.quick
        and quick.all_hold(lines.values, status=code, headers={}, body=answer, size=size, elapsed=elapsed)
    ):
        return None
    judged = Judge(lines.values, lines.bad, protocol="grpc")
    judged.feed(Event("load", request.name, 1, 0.0, OPEN, {"headers": {}}))
    if raw is not None:
        judged.feed(Event("load", request.name, 2, elapsed, RECEIVED, value_payload(body(), size)))
    return grpc_failure(judged, request, code, message, elapsed)


def first_failure(judged: Judge) -> str | None:
    """The session ended: what failed first, in words (None when every line held)."""
    verdicts = [*judged.start(), *judged.finish(), *judged.verdicts]
    failed = next((v for v in verdicts if not v.passed), None)
    return failed.message if failed is not None else None


def grpc_failure(judged: Judge, request: Request, code: str, message: str, elapsed: float) -> str | None:
    """A gRPC call's end (any dialect): its status judged with the rest; a status other than OK is the failure
    unless an expectation is about the status or the error."""
    judged.feed(Event("load", request.name, 10**6, elapsed, STATUS, {"code": code, "message": message}))
    judged.feed(Event("load", request.name, 10**6 + 1, elapsed, CLOSED, {}))
    failure = first_failure(judged)
    about_status = any(e.subject.kind in ("status", "error") for e in request.expectations)
    if failure is None and code != "OK" and not about_status:
        failure = f"{code}: {message}"
    return failure
