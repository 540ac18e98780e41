"""A quick pass over one finished HTTP exchange, for runs that judge the same lines thousands of times (a load
run): it answers True only when the Judge would pass every line, so a False (a line failed, or one it does not
read) sends the exchange to the Judge, which says what failed in its own words. Pure, like the Judge.

It reads the subjects a single answer has (status, a header, the body or a path into it, size, time) with the
same values and operators as the Judge; lines about streams, snapshots, `within` and values that could not be
read are left to the Judge."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from voiden_lsp.document import Expectation
from voiden_lsp.judge.values import MISSING, SearchAborted, holds, walk

SUBJECTS = frozenset({"status", "header", "body", "size", "time"})


def readable(values: Sequence[tuple[Expectation, Any]]) -> bool:
    """Every line is one the quick pass reads (else the Judge should take the exchange at once)."""
    return all(
        e.subject.kind in SUBJECTS and not e.snapshot and e.within is None and not isinstance(value, Exception)
        for e, value in values
    )


def all_hold(
    values: Sequence[tuple[Expectation, Any]],
    *,
    status: Any,
    headers: dict[str, str],
    body: Callable[[], Any],
    size: int,
    elapsed: float,
) -> bool:
    """Whether every line surely holds. `headers` are lower-cased; `body` gives the body as the Judge reads it
    (parsed JSON, else its text; MISSING when none came), asked only when a line is about it."""
    read: list[Any] = []
    for expectation, expected in values:
        subject = expectation.subject
        kind = subject.kind
        if kind == "status":
            actual = status
        elif kind == "header":
            actual = headers.get(subject.name, MISSING)
        elif kind == "body":
            if not read:
                read.append(body())
            actual = MISSING if read[0] is MISSING else walk(read[0], subject.path)[0]
        elif kind == "size":
            actual = size
        elif kind == "time":
            actual = round(elapsed, 1)
        else:
            return False
        if actual is MISSING:
            return False
        try:
            if not holds(expectation.operator, actual, expected):
                return False
        except SearchAborted:
            return False
    return True
