"""Scanners for the shapes of a request's lines, each linear in the length of the text.

Regular expressions such as `(?:\\{\\{.*?\\}\\}|\\S)+` or `(.*?)\\s*$` read the same shapes but are
quadratic on a hostile line (a run of `{`, a run of spaces before a last word): one pasted line would
freeze the language server. These scan each character a bounded number of times.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

_TCHAR = frozenset("!#$%&'*+.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-")
_METADATA_KEY = re.compile(r"@([A-Za-z][\w.-]*)")
_METADATA_SEPARATOR = re.compile(r"\s*:?\s+")  # anchored by match(): backtracks at most one character


class _Closings:
    """Where the next `}}` at or after an offset is, each search starting where the last one ended: a text
    with many `{{` and no `}}` is searched once, not once per `{{`."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.found = -1  # the last `}}` found, or
        self.none_after = len(text) + 1  # the offset after which there is none

    def after(self, offset: int) -> int:
        if offset >= self.none_after:
            return -1
        if self.found < offset:
            self.found = self.text.find("}}", offset)
            if self.found == -1:
                self.none_after = offset
        return self.found


def template_spans(text: str) -> Iterator[tuple[int, int]]:
    """The `{{ ... }}` spans, leftmost and shortest first (what `\\{\\{.*?\\}\\}` with DOTALL finds)."""
    closings = _Closings(text)
    i = text.find("{{")
    while i != -1:
        j = closings.after(i + 2)
        if j == -1:
            return
        yield i, j + 2
        i = text.find("{{", j + 2)


def tokens(text: str) -> list[tuple[int, int]]:
    """Words separated by whitespace, where a `{{ ... }}` template (spaces and all) is part of its word; a
    `{{` that no `}}` closes is plain text. Offsets (start, end) of each word."""
    closings = _Closings(text)
    found: list[tuple[int, int]] = []
    n = len(text)
    i = 0
    while i < n:
        while i < n and text[i].isspace():
            i += 1
        if i >= n:
            break
        start = i
        while i < n:
            if text[i] == "{" and text.startswith("{{", i):
                close = closings.after(i + 2)
                if close != -1:
                    i = close + 2
                    continue
            if text[i].isspace():
                break
            i += 1
        found.append((start, i))
    return found


def header(text: str) -> tuple[str, int, int] | None:
    """`Name: value` -> (name, value start, value end) with the value stripped; None when it is not a header.
    The name is token characters and `{{ }}` templates."""
    closings = _Closings(text)
    n = len(text)
    i = 0
    while i < n:
        if text.startswith("{{", i):
            close = closings.after(i + 2)
            if close == -1:
                break
            i = close + 2
        elif text[i] in _TCHAR:
            i += 1
        else:
            break
    if i == 0:
        return None
    name = text[:i]
    while i < n and text[i].isspace():
        i += 1
    if i >= n or text[i] != ":":
        return None
    i += 1
    end = len(text.rstrip())
    while i < end and text[i].isspace():
        i += 1
    return name, i, max(i, end)


def metadata(text: str) -> tuple[str, str] | None:
    """`@key value` (also `@key: value`) -> (key, value stripped); None when the line is not of that shape."""
    key = _METADATA_KEY.match(text)
    if key is None:
        return None
    rest = text[key.end() :]
    if not rest.strip():
        return key.group(1), ""
    separator = _METADATA_SEPARATOR.match(rest)
    if separator is None:
        return None
    return key.group(1), rest[separator.end() :].strip()
