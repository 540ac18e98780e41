"""JSON with positions, for bodies that hold templates: where each key and value is, and where the cursor is.

Templates are first replaced by placeholders of the same length (a number where a template is a whole value,
letters inside strings), so offsets into the checked text are offsets into the document's text.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from voiden_lsp.document.scanning import template_spans

MAX_DEPTH = 200
"""JSON nested deeper than this is reported, not read (the reader is recursive)."""


def blank_templates(text: str) -> str:
    """Replace each `{{...}}` by a same-length placeholder that keeps the JSON valid: `0` padded with spaces
    where it is a whole value, `x`s inside a string."""
    pieces: list[str] = []
    done = 0
    quotes = 0  # `"` before the template, less the escaped ones: odd inside a string
    for start, end in template_spans(text):
        quotes += text.count('"', done, start) - text.count('\\"', done, start)
        pieces.append(text[done:start])
        length = end - start
        pieces.append("x" * length if quotes % 2 == 1 else "0" + " " * (length - 1))
        done = end
    pieces.append(text[done:])
    return "".join(pieces)


@dataclass
class JsonNode:
    """A parsed JSON value with its span; objects keep their members' key spans."""

    value: Any
    start: int
    end: int
    members: dict[str, tuple[int, int, JsonNode]] = field(default_factory=dict)
    items: list[JsonNode] = field(default_factory=list)

    def at(self, path: Iterable[str | int]) -> JsonNode:
        """The value at `path` (keys and indexes), or the deepest one on its way that the JSON has."""
        node = self
        for step in path:
            if isinstance(step, int) and 0 <= step < len(node.items):
                node = node.items[step]
            elif isinstance(step, str) and step in node.members:
                node = node.members[step][2]
            else:
                break
        return node

    def templated(self, templates: list[tuple[int, int]]) -> bool:
        """Whether a template (its `(start, end)` in the same text) overlaps this value."""
        return any(start < self.end and self.start < end for start, end in templates)


class JsonPositionError(ValueError):
    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.offset = offset


def parse_with_positions(text: str) -> JsonNode:
    """Parse JSON (templates already blanked) keeping the offsets of every key and value."""
    parser = _Parser(text)
    node = parser.value()
    parser.skip()
    if parser.i != len(text):
        raise JsonPositionError("unexpected text after the JSON value", parser.i)
    return node


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.i = 0
        self.depth = 0
        self.decoder = json.JSONDecoder()

    def skip(self) -> None:
        while self.i < len(self.text) and self.text[self.i] in " \t\r\n":
            self.i += 1

    def value(self) -> JsonNode:
        self.skip()
        if self.i >= len(self.text):
            raise JsonPositionError("a JSON value is missing", self.i)
        ch = self.text[self.i]
        start = self.i
        if ch in "{[":
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise JsonPositionError(f"nested more than {MAX_DEPTH} deep", self.i)
            try:
                return self.obj() if ch == "{" else self.array()
            finally:
                self.depth -= 1
        try:
            value, end = self.decoder.raw_decode(self.text, self.i)
        except json.JSONDecodeError as exc:
            raise JsonPositionError(exc.msg, exc.pos) from None
        except RecursionError:
            raise JsonPositionError(f"nested more than {MAX_DEPTH} deep", self.i) from None
        self.i = end
        return JsonNode(value, start, end)

    def array(self) -> JsonNode:
        start = self.i
        self.i += 1
        node = JsonNode([], start, start)
        self.skip()
        if self.text[self.i : self.i + 1] == "]":
            self.i += 1
            node.end = self.i
            return node
        while True:
            item = self.value()
            node.items.append(item)
            node.value.append(item.value)
            self.skip()
            ch = self.text[self.i : self.i + 1]
            self.i += 1
            if ch == "]":
                node.end = self.i
                return node
            if ch != ",":
                raise JsonPositionError("expected `,` or `]` in the list", self.i - 1)

    def obj(self) -> JsonNode:
        start = self.i
        self.i += 1
        node = JsonNode({}, start, start)
        self.skip()
        if self.text[self.i : self.i + 1] == "}":
            self.i += 1
            node.end = self.i
            return node
        while True:
            self.skip()
            key_start = self.i
            if self.text[self.i : self.i + 1] != '"':
                raise JsonPositionError("expected a quoted key", self.i)
            try:
                key, key_end = self.decoder.raw_decode(self.text, self.i)
            except json.JSONDecodeError as exc:
                raise JsonPositionError(exc.msg, exc.pos) from None
            self.i = key_end
            self.skip()
            if self.text[self.i : self.i + 1] != ":":
                raise JsonPositionError("expected `:` after the key", self.i)
            self.i += 1
            member = self.value()
            node.members[key] = (key_start, key_end, member)
            node.value[key] = member.value
            self.skip()
            ch = self.text[self.i : self.i + 1]
            self.i += 1
            if ch == "}":
                node.end = self.i
                return node
            if ch != ",":
                raise JsonPositionError("expected `,` or `}` in the object", self.i - 1)


@dataclass
class CursorContext:
    path: list[str | int]
    """Keys (and list indexes) from the root down to the object the cursor is in."""
    in_key: bool
    """True where a key is expected (or being typed); False in a value position."""
    key: str | None
    """In a value position: the key whose value it is."""


def cursor_context(text: str, offset: int) -> CursorContext | None:
    """Where `offset` sits in possibly incomplete JSON, scanning from the start. None outside any object."""
    stack: list[tuple[str, str | int | None]] = []  # (container kind, key or index inside it)
    expecting_key = False
    current_key: str | None = None
    i = 0
    text = blank_templates(text[:offset])
    while i < len(text):
        ch = text[i]
        if ch == '"':
            end = i + 1
            while end < len(text) and text[end] != '"':
                end += 2 if text[end] == "\\" else 1
            if end >= len(text):  # the cursor is inside this string
                return _context(stack, in_key=expecting_key, key=current_key)
            if expecting_key:
                current_key = text[i + 1 : end]
            i = end + 1
            continue
        if ch == "{":
            stack.append(("object", current_key))
            expecting_key, current_key = True, None
        elif ch == "[":
            stack.append(("array", current_key))
            expecting_key = False
        elif ch in "}]":
            if stack:
                _, popped = stack.pop()
                current_key = popped if isinstance(popped, str) else None
            expecting_key = False
        elif ch == ":":
            expecting_key = False
        elif ch == "," and stack and stack[-1][0] == "object":
            expecting_key, current_key = True, None
        i += 1
    if not stack:
        return None
    return _context(stack, in_key=expecting_key, key=current_key)


def _context(stack: list[tuple[str, str | int | None]], *, in_key: bool, key: str | None) -> CursorContext | None:
    if not stack:
        return None
    path: list[str | int] = [k for kind, k in stack[1:] if k is not None]
    if stack[-1][0] == "array":
        return CursorContext(path, in_key=False, key=None)
    return CursorContext(path, in_key=in_key, key=None if in_key else key)
