"""Reading `expect` blocks (FORMAT.md section 8): each line an expectation with the range of its subject,
operator, expected value and `within`, or a message saying what is wrong with it. Pure, and linear in the
length of a line (one pass of a character scanner, no backtracking pattern)."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from typing import Any

from voiden_lsp.document.expect_values import expected_value, parse_path
from voiden_lsp.document.expect_words import (
    CLOSED_FIELDS,
    OPERATOR_ALIASES,
    SUBJECT_WORDS,
    UNARY,
)
from voiden_lsp.document.model import (
    BadExpectation,
    Expectation,
    ExpectBlock,
    Position,
    Range,
    Subject,
    utf16_len,
)
from voiden_lsp.document.values import parse_duration

_SUBJECTS = "`status`, `header NAME`, `body.PATH`, `time`, `messages`, `message[N]`, `any message.PATH`, `closed.code`"
_INDEX = re.compile(r"-?\d+")
MAX_LINE = 4096
"""Longer lines are not read (a diagnostic says so): nothing a person writes as one expectation is longer."""


def read_block(lines: Iterable[tuple[str, int, int]], protocol: str, block: ExpectBlock) -> None:
    """Fills `block` from its lines (text, line number, UTF-16 column of the text's start) for a request
    of `protocol` (None-like "" when the block has no request)."""
    for text, line, col in lines:
        body = _without_comment(text)
        if not body.strip():
            continue
        start = len(body) - len(body.lstrip())
        end = len(body.rstrip())
        where = _ranger(text, line, col)
        try:
            block.expectations.append(read_line(body, where, protocol))
        except BadLine as bad:
            block.bad.append(BadExpectation(body[start:end], where(*(bad.span or (start, end))), bad.message))


class BadLine(ValueError):
    """A line that is no expectation: `message` says why, `span` where in the line."""

    def __init__(self, message: str, span: tuple[int, int] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.span = span


def _ranger(text: str, line: int, col: int) -> Any:
    def where(start: int, end: int) -> Range:
        return Range(Position(line, col + utf16_len(text[:start])), Position(line, col + utf16_len(text[:end])))

    return where


def read_line(text: str, where: Any, protocol: str) -> Expectation:
    """One expectation from `text` (a line without its comment); `where(start, end)` maps offsets to ranges."""
    if len(text) > MAX_LINE:
        raise BadLine(f"an expectation over {MAX_LINE} characters is not read: shorten it")
    words = _words(text)
    first, first_end = words[0][0], words[0][1]
    head = text[first:first_end].lower()
    if head in ("header", "trailer", "any", "every"):
        if len(words) < 2:
            raise BadLine(
                f"`{head}` needs what it is about: "
                + ("`header NAME`" if head in ("header", "trailer") else f"`{head} message.PATH`"),
                (first, first_end),
            )
        subject_end = words[1][1]
        used = 2
    else:
        subject_end = first_end
        used = 1
    subject = read_subject(text[first:subject_end], first)
    subject_range = where(first, subject_end)
    if protocol == "http" and subject.streams:
        raise BadLine(
            f"`{text[first:subject_end]}` is about a stream, and an `http` request has none: use `status`, "
            "`header NAME`, `body.PATH`, `time` or `size`",
            (first, subject_end),
        )
    if subject.kind == "trailer" and protocol and protocol != "grpc":
        raise BadLine(f"trailers are gRPC's: a `{protocol}` request has none; use `header NAME`", (first, subject_end))
    if subject.kind == "body" and protocol in ("ws", "socketio", "sse"):
        raise BadLine(
            f"a `{protocol}` request has messages, not a body: use `message[0]`, `any message.PATH` or "
            "`every message.PATH`",
            (first, subject_end),
        )
    if len(words) <= used:
        raise BadLine(
            "an operator is missing after the subject: `==`, `contains`, `exists`, `<`... (`SUBJECT OPERATOR "
            "EXPECTED`)",
            (first, subject_end),
        )
    op_start, op_end = words[used]
    written = text[op_start:op_end]
    operator = OPERATOR_ALIASES.get(written.lower())
    if operator is None:
        close = difflib.get_close_matches(written.lower(), list(OPERATOR_ALIASES), n=1, cutoff=0.6)
        hint = (
            f"; did you mean `{close[0]}`?" if close else ": write `==`, `!=`, `<`, `contains`, `matches`, `exists`..."
        )
        raise BadLine(f"unknown operator `{written}`{hint}", (op_start, op_end))
    rest = words[used + 1 :]
    if operator == "matches" and rest and text[rest[0][0] : rest[0][1]].lower() == "snapshot":
        return _snapshot(text, where, subject, (first, subject_end), (op_start, op_end), rest)
    within: float | None = None
    within_range: Range | None = None
    if len(rest) >= 2 and text[rest[-2][0] : rest[-2][1]].lower() == "within":
        w_start, w_end = rest[-1]
        within = parse_duration(text[w_start:w_end])
        if within is None or not any(c.isalpha() for c in text[w_start:w_end]):
            raise BadLine(
                f"`within` needs a duration such as `2s` or `500ms`, not `{text[w_start:w_end]}`", (w_start, w_end)
            )
        if not subject.streams or protocol in ("http",):
            raise BadLine(
                "`within` bounds a stream expectation in time, and nothing streams here: it belongs to "
                "`messages`, `message[N]`, `any message` and `every message` of a live or streaming request",
                (rest[-2][0], w_end),
            )
        within_range = where(rest[-2][0], w_end)
        rest = rest[:-2]
    elif rest and text[rest[-1][0] : rest[-1][1]].lower() == "within":
        raise BadLine("`within` needs a duration after it, such as `within 2s`", rest[-1])
    expected: str | None = None
    expected_range: Range | None = None
    if operator in UNARY:
        if rest:
            raise BadLine(
                f"`{written}` takes no value: remove `{text[rest[0][0] : rest[-1][1]]}`", (rest[0][0], rest[-1][1])
            )
    else:
        if not rest:
            raise BadLine(
                f"`{written}` needs a value to compare with, e.g. `{_example(operator, subject)}`", (op_start, op_end)
            )
        if len(rest) > 1:
            raise BadLine(
                f"`{text[rest[0][0] : rest[-1][1]]}` is more than one value: put text with spaces in quotes "
                '(`"two words"`)',
                (rest[0][0], rest[-1][1]),
            )
        e_start, e_end = rest[0]
        expected = text[e_start:e_end]
        expected_range = where(e_start, e_end)
        if "{{" not in expected:
            try:
                expected_value(expected, subject, operator)
            except ValueError as exc:
                raise BadLine(str(exc), (e_start, e_end)) from None
    end = (rest[-1][1] if rest else op_end) if within_range is None else words[-1][1]
    return Expectation(
        text=text[first:end],
        range=where(first, end),
        subject=subject,
        subject_range=subject_range,
        operator=operator,
        operator_range=where(op_start, op_end),
        expected=expected,
        expected_range=expected_range,
        within=within,
        within_range=within_range,
        subject_text=text[first:subject_end],
    )


_SNAPSHOT_PATH = re.compile(
    r"[\w$*\-]+(?:\.[\w$*\-]+|\[(?:\*|-?\d+|\"[^\"]*\")\])*|\[(?:\*|-?\d+)\](?:\.[\w$*\-]+|\[(?:\*|-?\d+)\])*"
)


def _snapshot(
    text: str,
    where: Any,
    subject: Subject,
    subject_span: tuple[int, int],
    operator_span: tuple[int, int],
    rest: list[tuple[int, int]],
) -> Expectation:
    """`body matches snapshot [ignoring PATH, ...]`, `message[N] matches snapshot`, `messages matches snapshot`."""
    first, subject_end = subject_span
    written = text[first:subject_end]
    if subject.kind not in ("body", "message", "messages") or (subject.kind == "message" and subject.index is None):
        raise BadLine(
            f"`{written}` has no snapshot: snapshots are of `body` (or `body.PATH`), `message[N]` and `messages`",
            subject_span,
        )
    ignoring: tuple[str, ...] = ()
    if len(rest) > 1:
        start, end = rest[1]
        if text[start:end].lower() != "ignoring":
            raise BadLine(
                "after `matches snapshot` only `ignoring PATH, ...` may follow (`ignoring id, items[*].createdAt`)",
                (start, rest[-1][1]),
            )
        paths = [p.strip() for p in text[end:].split(",")]
        if not any(paths) or not all(paths):
            raise BadLine(
                "`ignoring` needs the paths to leave out, comma-separated: `ignoring id, items[*].id`",
                (start, len(text.rstrip())),
            )
        for path in paths:
            if _SNAPSHOT_PATH.fullmatch(path) is None:
                offset = text.index(path, end)
                raise BadLine(
                    f"`{path}` is not a path: write `id`, `items[*].id` or `headers.date`", (offset, offset + len(path))
                )
        ignoring = tuple(paths)
    end = len(text.rstrip())
    return Expectation(
        text=text[first:end],
        range=where(first, end),
        subject=subject,
        subject_range=where(*subject_span),
        operator="matches",
        operator_range=where(*operator_span),
        expected=None,
        expected_range=where(*rest[0]),
        subject_text=written,
        snapshot=True,
        ignoring=ignoring,
    )


def _example(operator: str, subject: Subject) -> str:
    if operator == "type-is":
        return "type-is string"
    if operator == "matches":
        return "matches /^[a-z]+$/"
    if subject.kind == "time":
        return "time < 500ms"
    if subject.kind == "status":
        return "status == 200"
    return f'{operator} "text"'


def read_subject(text: str, offset: int = 0) -> Subject:
    """`status`, `header NAME`, `body.PATH`, `message[N].PATH`, `any message.PATH`, `closed.code`..."""
    lowered = text.lower()
    head, _, rest = text.partition(" ")
    word = head.lower()
    if word in ("header", "trailer"):
        name = rest.strip()
        if not name or " " in name:
            raise BadLine(f"`{word}` needs one name: `{word} content-type`", (offset, offset + len(text)))
        return Subject(word, name=name.lower())
    if word in ("any", "every"):
        target = rest.strip()
        if not target.lower().startswith("message") or target.lower().startswith("messages"):
            raise BadLine(
                f"`{word}` is followed by `message` or `message.PATH`: `{word} message.price`",
                (offset, offset + len(text)),
            )
        after = target[len("message") :]
        if after and not after.startswith((".", "[")):
            raise BadLine(f"`{word} {target}`: write `{word} message.PATH`", (offset, offset + len(text)))
        return Subject(word, path=_path(after, offset + len(text) - len(after)))
    for simple in ("status", "time", "size", "error", "messages"):
        if lowered == simple:
            return Subject(simple)
    if lowered == "body" or lowered.startswith(("body.", "body[")):
        return Subject("body", path=_path(text[4:], offset + 4))
    if lowered.startswith("closed."):
        field = lowered[len("closed.") :]
        if field not in CLOSED_FIELDS:
            raise BadLine(
                f"`{text}`: the close has `closed.code`, `closed.reason` and `closed.by`", (offset, offset + len(text))
            )
        return Subject("closed", name=field)
    if lowered.startswith("message["):
        close = text.find("]")
        inner = text[len("message[") : close] if close > 0 else ""
        if close < 0 or not _INDEX.fullmatch(inner.strip()):
            raise BadLine(
                f"`{text}`: write `message[N]` with N from 0 (`-1` is the last)", (offset, offset + len(text))
            )
        return Subject("message", index=int(inner), path=_path(text[close + 1 :], offset + close + 1))
    if lowered.startswith("message.") or lowered == "message":
        raise BadLine(
            f"`{text}`: say which message: `message[0]{text[7:]}`, `any message{text[7:]}` or "
            f"`every message{text[7:]}`",
            (offset, offset + len(text)),
        )
    near = difflib.get_close_matches(
        word, [w.split(" ")[0].split("[")[0].split(".")[0] for w in SUBJECT_WORDS], n=1, cutoff=0.6
    )
    hint = f"; did you mean `{near[0]}`?" if near else f": start with one of {_SUBJECTS}"
    raise BadLine(f"unknown subject `{text}`{hint}", (offset, offset + len(text)))


def _path(text: str, offset: int) -> tuple[str | int, ...]:
    try:
        return parse_path(text)
    except ValueError as exc:
        raise BadLine(str(exc), (offset, offset + len(text))) from None


def _without_comment(text: str) -> str:
    """The line up to a `#` that starts a comment: at the line's start, or after a space outside quotes,
    brackets and a `/regex/`."""
    quote = ""
    for i, c in enumerate(text):
        if quote:
            if c == "\\":
                continue
            if c == quote and text[i - 1] != "\\":
                quote = ""
        elif c in "\"'":
            quote = c
        elif c == "#" and (i == 0 or text[i - 1].isspace()):
            return text[:i]
    return text


def _words(text: str) -> list[tuple[int, int]]:
    """Offsets of the words of `text`, where a quoted string, a bracketed or braced value (`[1, 2]`,
    `{{ name }}`, `["dash key"]`) and a `/regex with spaces/` are each part of one word. One pass."""
    words: list[tuple[int, int]] = []
    i, n = 0, len(text)
    while i < n:
        while i < n and text[i].isspace():
            i += 1
        if i >= n:
            break
        start = i
        depth = 0
        quote = ""
        regex = text[i] == "/"
        if regex:
            end = text.rfind("/")
            if end > i:
                flags = end + 1
                while flags < n and text[flags].isalpha():
                    flags += 1
                if flags == n or text[flags].isspace():
                    words.append((start, flags))
                    i = flags
                    continue
        while i < n:
            c = text[i]
            if quote:
                if c == "\\":
                    i += 2
                    continue
                if c == quote:
                    quote = ""
            elif c in "\"'":
                quote = c
            elif c in "[{":
                depth += 1
            elif c in "]}":
                depth = max(0, depth - 1)
            elif c.isspace() and depth == 0:
                break
            i += 1
        words.append((start, min(i, n)))
    return words
