"""The values of an expectation line: a subject's path (`items[0].id`) and the EXPECTED value read for its
operator (a number, a duration or size, a type name, a pattern, a literal). Pure."""

from __future__ import annotations

import json
import re
from typing import Any

from voiden_lsp.document.expect_words import OPERATORS, ORDERING, TYPES, UNARY
from voiden_lsp.document.model import Subject
from voiden_lsp.document.values import parse_duration, parse_size

_BARE_WORD = re.compile(r"[^\s\"'\[\]{}]+")
_REGEX = re.compile(r"/(.*)/([imsx]*)", re.DOTALL)
_INDEX = re.compile(r"-?\d+")


def parse_path(text: str) -> tuple[str | int, ...]:
    """`.items.0.id`, `.items[0].id`, `["dash-key"]`, `[-1]` as keys (str) and indexes (int); a dotted part
    is a str even when it is digits (it indexes a list all the same, see judge.walk)."""
    parts: list[str | int] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == ".":
            j = i + 1
            while j < n and text[j] not in ".[":
                j += 1
            name = text[i + 1 : j]
            if not name:
                raise ValueError(f"`{text}`: a name is missing after a `.`")
            parts.append(name)
            i = j
        elif c == "[":
            j = text.find("]", i + 1)
            if text.startswith(('["', "['"), i):
                quote = text[i + 1]
                end = text.find(quote, i + 2)
                j = text.find("]", end + 1) if end > 0 else -1
                if j < 0 or text[end + 1 : j].strip():
                    raise ValueError(f'`{text}`: a quoted key is written `["key"]`')
                parts.append(text[i + 2 : end])
            elif j < 0:
                raise ValueError(f"`{text}`: a `[` is never closed")
            else:
                inner = text[i + 1 : j].strip()
                if not _INDEX.fullmatch(inner):
                    raise ValueError(f'`{text}`: write `[0]` for an index or `["key"]` for a key, not `[{inner}]`')
                parts.append(int(inner))
            i = j + 1
        else:
            raise ValueError(f"`{text}`: a path goes on with `.name` or `[0]`")
    return tuple(parts)


def expected_value(text: str, subject: Subject, operator: str) -> Any:
    """The value `text` (templates already expanded) stands for; ValueError says why it stands for none.
    A JSON literal; for `time` a duration in ms (a bare number is ms), for `size` bytes; `/re/flags` for
    `matches` (a compiled pattern); a bare word as a string."""
    stripped = text.strip()
    if subject.kind == "time" and operator not in UNARY:
        if stripped.replace(".", "", 1).isdigit():
            return float(stripped)
        seconds = parse_duration(stripped)
        if seconds is None:
            raise ValueError(f"`{stripped}` is not a duration: write `500ms` or `2s`")
        return seconds * 1000
    if subject.kind == "size" and operator not in UNARY:
        size = parse_size(stripped)
        if size is None:
            raise ValueError(f"`{stripped}` is not a size: write `512`, `1KB` or `2MB`")
        return size
    if operator == "matches":
        regex = _REGEX.fullmatch(stripped)
        source = regex.group(1) if regex else _literal(stripped)
        if not isinstance(source, str):
            raise ValueError(f"`matches` takes a regular expression, `/.../` or a string, not `{stripped}`")
        flags = 0
        for letter in regex.group(2) if regex else "":
            flags |= {"i": re.IGNORECASE, "m": re.MULTILINE, "s": re.DOTALL, "x": re.VERBOSE}[letter]
        try:
            return re.compile(source, flags)
        except (re.error, RecursionError, OverflowError) as exc:
            raise ValueError(f"`{stripped}` is not a regular expression: {exc}") from None
    value = _literal(stripped)
    if operator == "type-is" and value not in TYPES:
        raise ValueError(f"`type-is` takes one of {', '.join(TYPES)}, not `{stripped}`")
    if operator in ORDERING and (isinstance(value, bool) or not isinstance(value, int | float)):
        raise ValueError(f"`{OPERATORS[operator]}` compares numbers, and `{stripped}` is not one")
    return value


def _literal(text: str) -> Any:
    if text[:1] in '"[{-0123456789' or text in ("true", "false", "null"):
        try:
            return json.loads(text)
        except (ValueError, RecursionError) as exc:
            if text[:1] in '"[{':
                raise ValueError(f"`{text}` is not a JSON literal: {getattr(exc, 'msg', exc)}") from None
    if _BARE_WORD.fullmatch(text):
        return text
    raise ValueError(f'`{text}` is not a value: write a JSON literal (`201`, `"text"`, `[1, 2]`) or one word')
