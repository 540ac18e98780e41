"""The parsed shape of a .voiden document: plain data with exact LSP ranges."""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any, Literal, NamedTuple

Severity = Literal["error", "warning", "info"]

PROTOCOLS = ("http", "ws", "grpc", "sse", "socketio", "graphql", "mcp")
PROTOCOL_ALIASES = {
    "rest": "http",
    "websocket": "ws",
    "http": "http",
    "ws": "ws",
    "grpc": "grpc",
    "sse": "sse",
    "socketio": "socketio",
    "graphql": "graphql",
    "gql": "graphql",
    "mcp": "mcp",
}
MESSAGE_WORDS = ("message", "msg")
EXPECT_WORD = "expect"
VARIABLES_WORD = "variables"
"""A `variables` block: the JSON variables of the `graphql` request above it."""
#: Protocols whose requests keep a connection open and accept message blocks.
LIVE_PROTOCOLS = ("ws", "grpc", "socketio")


class Position(NamedTuple):
    """0-based line and character; characters count UTF-16 code units, as LSP does.
    Tuples, so that the hundreds of thousands a large document has are cheap to make and ordered."""

    line: int
    character: int


class Range(NamedTuple):
    start: Position
    end: Position

    @staticmethod
    def of(line: int, start: int, end_line: int | None = None, end: int | None = None) -> Range:
        return Range(
            Position(line, start),
            Position(line if end_line is None else end_line, start if end is None else end),
        )

    def contains(self, pos: Position) -> bool:
        return self.start <= pos <= self.end

    def moved(self, lines: int) -> Range:
        """The same range `lines` lines further down (up, if negative)."""
        start, end = self.start, self.end
        return Range(Position(start.line + lines, start.character), Position(end.line + lines, end.character))


@dataclass(frozen=True)
class Problem:
    message: str
    range: Range
    severity: Severity = "error"
    code: str = ""

    def moved(self, lines: int) -> Problem:
        return replace(self, range=self.range.moved(lines)) if lines else self


@dataclass(frozen=True)
class Span:
    """A piece of text with the range it came from.

    `offsets[i]` is the document position of text line i's first character, so a character
    offset inside `text` maps back to the document (see `position_at`).
    """

    text: str
    range: Range
    line_starts: tuple[Position, ...] = ()

    @cached_property
    def _index(self) -> tuple[list[int], list[int]]:
        """Offsets where each line of `text` starts, and of the characters that take two UTF-16 units: made
        once, so mapping any number of offsets costs a binary search each, however long the line."""
        starts = [0, *(m.end() for m in _NEWLINE.finditer(self.text))]
        astral = [] if self.text.isascii() else [m.start() for m in _ASTRAL.finditer(self.text)]
        return starts, astral

    def position_at(self, offset: int) -> Position:
        """Document position of `offset` (a Python index into `text`)."""
        offset = max(0, min(offset, len(self.text)))
        starts, astral = self._index
        line_index = bisect_right(starts, offset) - 1
        line_start = starts[line_index]
        units = offset - line_start
        if astral:
            units += bisect_left(astral, offset) - bisect_left(astral, line_start)
        origin = self.line_starts[line_index] if self.line_starts else self.range.start
        return Position(origin.line, origin.character + units)

    def offset_at(self, pos: Position) -> int:
        """The offset in `text` of a document position (columns in UTF-16 units, as LSP counts them); the
        end of the text when `pos` is on none of its lines."""
        starts, astral = self._index
        origins = self.line_starts or (self.range.start,)
        for index, line_start in enumerate(starts):
            origin = origins[index] if index < len(origins) else origins[-1]
            if origin.line != pos.line:
                continue
            line_end = starts[index + 1] - 1 if index + 1 < len(starts) else len(self.text)
            units = max(0, pos.character - origin.character)
            offset = line_start
            if not astral or bisect_left(astral, line_end) == bisect_left(astral, line_start):
                return min(line_end, line_start + units)
            while offset < line_end and units > 0:
                units -= 2 if ord(self.text[offset]) > 0xFFFF else 1
                offset += 1
            return offset
        return len(self.text)

    def range_at(self, start: int, end: int) -> Range:
        return Range(self.position_at(start), self.position_at(end))

    def moved(self, lines: int) -> Span:
        """The same text `lines` lines further down (up, if negative)."""
        starts = tuple(Position(p.line + lines, p.character) for p in self.line_starts)
        return Span(self.text, self.range.moved(lines), starts)


@dataclass(frozen=True)
class Metadata:
    key: str
    value: str
    range: Range
    key_range: Range


@dataclass(frozen=True)
class Header:
    name: str
    value: Span
    range: Range
    name_range: Range


@dataclass
class MessageBlock:
    id: str
    attributes: dict[str, str]
    body: Span
    range: Range
    request: str | None = None

    @property
    def binary(self) -> bool:
        return "binary" in self.attributes or "hex" in self.attributes

    @property
    def wait(self) -> int:
        try:
            return max(0, int(self.attributes.get("wait", "0")))
        except ValueError:
            return 0


@dataclass(frozen=True)
class Subject:
    """What an expectation looks at (FORMAT.md section 8). `kind` is one of SUBJECT_KINDS; `name` is a header's
    or trailer's name, or the `closed` field; `index` is `message[N]`'s N; `path` walks into the value."""

    kind: str
    name: str = ""
    index: int | None = None
    path: tuple[str | int, ...] = ()

    @property
    def streams(self) -> bool:
        """Only a live or streaming request has it (messages, the close)."""
        return self.kind in STREAM_SUBJECTS


@dataclass(frozen=True)
class Expectation:
    """One line of an `expect` block: `SUBJECT OPERATOR [EXPECTED] [within DURATION]`, with the range of each
    part. `expected` is the text as written (templates not yet expanded); `within` is in seconds."""

    text: str
    range: Range
    subject: Subject
    subject_range: Range
    operator: str
    """Canonical: `equals`, `less-than`, `contains`... (OPERATORS)."""
    operator_range: Range
    expected: str | None = None
    expected_range: Range | None = None
    within: float | None = None
    within_range: Range | None = None
    subject_text: str = ""
    """The subject as written (`body.items[0].id`, `header Content-Type`)."""
    snapshot: bool = False
    """`SUBJECT matches snapshot`: compared with the value stored in `__snapshots__/` (FORMAT.md section 13)."""
    ignoring: tuple[str, ...] = ()
    """A snapshot's paths left out of the comparison (`ignoring id, items[*].createdAt`)."""

    @property
    def line(self) -> int:
        return self.range.start.line

    @property
    def waits(self) -> bool:
        """An unattended run keeps the session open until this is decided (or its deadline passes)."""
        if self.within is not None:
            return True
        kind = self.subject.kind
        if kind == "any" or (kind == "messages" and self.snapshot):  # all of them: the stream's own end
            return True
        if kind == "message":
            return self.subject.index is not None and self.subject.index >= 0
        return kind == "messages" and self.operator in ("greater-equal", "greater-than", "equals")


@dataclass(frozen=True)
class BadExpectation:
    """A line of an `expect` block that is not an expectation: a diagnostic, and a failure when run."""

    text: str
    range: Range
    message: str


@dataclass
class ExpectBlock:
    range: Range
    info_range: Range
    expectations: list[Expectation] = field(default_factory=list)
    bad: list[BadExpectation] = field(default_factory=list)
    request: str | None = None


STREAM_SUBJECTS = frozenset({"messages", "message", "any", "every", "closed"})


@dataclass(frozen=True)
class Capture:
    """A value kept from a response for later requests (a Voiden app `runtime-variables` row): `source` is
    `$res.body.PATH`, `$res.status`, `$res.headers.NAME`, `$req.url`..., read as `{{process.NAME}}`."""

    name: str
    source: str
    range: Range


# -- a graphql request's operations (read by document.graphql) -----------------------------------------


@dataclass(frozen=True)
class Variable:
    name: str
    type: str
    """As written: `ID!`, `[String]`."""
    range: Range
    default: bool = False
    """Whether it has a default value (then the variables need not give it)."""


@dataclass(frozen=True)
class Operation:
    kind: str
    """`query`, `mutation` or `subscription`."""
    name: str
    """Empty for an anonymous operation."""
    range: Range
    name_range: Range | None
    variables: tuple[Variable, ...] = ()

    def moved(self, lines: int) -> Operation:
        return replace(
            self,
            range=self.range.moved(lines),
            name_range=self.name_range.moved(lines) if self.name_range else None,
            variables=tuple(replace(v, range=v.range.moved(lines)) for v in self.variables),
        )


@dataclass(frozen=True)
class GraphQLBody:
    operations: tuple[Operation, ...] = ()
    fragments: tuple[str, ...] = ()
    parsed: bool = False
    """False when graphql-core could not read the text (its problem says where)."""
    problems: tuple[Problem, ...] = field(default=())

    def moved(self, lines: int) -> GraphQLBody:
        if not lines:
            return self
        return replace(
            self,
            operations=tuple(op.moved(lines) for op in self.operations),
            problems=tuple(p.moved(lines) for p in self.problems),
        )

    def operation(self, name: str | None) -> Operation | None:
        """The operation to send: the one named `name`, else the only one."""
        if name:
            return next((op for op in self.operations if op.name == name), None)
        return self.operations[0] if len(self.operations) == 1 else None


@dataclass
class Request:
    name: str
    protocol: str
    attributes: dict[str, str]
    range: Range
    """The whole fenced block, fences included."""
    info_range: Range
    metadata: list[Metadata] = field(default_factory=list)
    method: str = ""
    """HTTP method, or SSE's GET/POST; empty for other protocols."""
    target: Span | None = None
    """URL (http, sse, ws, socketio) or address (grpc), with query continuation lines joined."""
    rpc: Span | None = None
    """gRPC `package.Service/Method` as written."""
    request_line_range: Range | None = None
    headers: list[Header] = field(default_factory=list)
    body: Span | None = None
    messages: list[MessageBlock] = field(default_factory=list)
    heading: str | None = None
    external_files: frozenset[str] = frozenset()
    """`< path` bodies that may lie outside the collection: only a Voiden app file's links marked external."""
    captures: list[Capture] = field(default_factory=list)
    expects: list[ExpectBlock] = field(default_factory=list)
    graphql: GraphQLBody | None = None
    """A `graphql` request's operations, read from its body."""
    variables: Span | None = None
    """A `graphql` request's `variables` block (JSON, templates allowed)."""
    subscribe_over_websocket: bool = False
    """A Voiden app subscription: sent to its http(s) URL's address over WebSocket, as the app does."""

    @property
    def expectations(self) -> list[Expectation]:
        return [e for block in self.expects for e in block.expectations]

    def meta(self, key: str) -> str | None:
        """Value of the last `@key` line, or None."""
        for item in reversed(self.metadata):
            if item.key == key:
                return item.value
        return None

    def meta_all(self, key: str) -> list[str]:
        return [item.value for item in self.metadata if item.key == key]

    def has_meta(self, key: str) -> bool:
        return any(item.key == key for item in self.metadata)


@dataclass
class FrontMatter:
    data: dict[str, Any]
    range: Range

    @property
    def vars(self) -> dict[str, Any]:
        value = self.data.get("vars")
        return value if isinstance(value, dict) else {}

    @property
    def env(self) -> str | None:
        value = self.data.get("env")
        return str(value) if value is not None else None

    @property
    def locale(self) -> str | None:
        value = self.data.get("locale")
        return str(value) if value is not None else None


@dataclass
class Document:
    text: str
    requests: list[Request] = field(default_factory=list)
    messages: list[MessageBlock] = field(default_factory=list)
    expects: list[ExpectBlock] = field(default_factory=list)
    front_matter: FrontMatter | None = None
    problems: list[Problem] = field(default_factory=list)

    def request(self, name: str) -> Request | None:
        return next((r for r in self.requests if r.name == name), None)

    def message(self, block_id: str) -> MessageBlock | None:
        return next((m for m in self.messages if m.id == block_id), None)

    def request_at(self, pos: Position) -> Request | None:
        return next((r for r in self.requests if r.range.contains(pos)), None)


_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_NEWLINE = re.compile("\n")
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


def split_lines(text: str) -> list[str]:
    """The document's lines as LSP numbers them (not `str.splitlines`, which also breaks at U+2028 and others)."""
    return _LINE_BREAK.split(text)


def utf16_len(text: str) -> int:
    """Length of `text` in UTF-16 code units (characters outside the BMP count twice)."""
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-le", errors="surrogatepass")) // 2
