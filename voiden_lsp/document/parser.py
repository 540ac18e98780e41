"""Text -> Document. Total: any text gives a Document plus problems, never an exception."""

from __future__ import annotations

import copy
import difflib
import logging
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from voiden_lsp.document import graphql, scanning
from voiden_lsp.document.expect import read_block
from voiden_lsp.document.model import (
    EXPECT_WORD,
    LIVE_PROTOCOLS,
    MESSAGE_WORDS,
    PROTOCOL_ALIASES,
    VARIABLES_WORD,
    Document,
    ExpectBlock,
    FrontMatter,
    Header,
    MessageBlock,
    Metadata,
    Position,
    Problem,
    Range,
    Request,
    Severity,
    Span,
    split_lines,
    utf16_len,
)
from voiden_lsp.document.values import parse_duration, parse_size

log = logging.getLogger(__name__)

_HTTP_VERSION = re.compile(r"^HTTP/\d(\.\d)?$", re.IGNORECASE)
_RPC = re.compile(r"^(?:[A-Za-z_][\w]*\.)*[A-Za-z_]\w*[/.][A-Za-z_]\w*$")
_STANDARD_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE", "CONNECT")

#: metadata key -> (protocols it applies to, kind of value: flag / duration / size / int / text / choice)
METADATA_KEYS: dict[str, tuple[tuple[str, ...], str]] = {
    "timeout": (("http", "sse", "ws", "grpc", "socketio", "graphql"), "duration"),
    "insecure": (("http", "sse", "ws", "grpc", "socketio", "graphql"), "flag"),
    "subprotocol": (("ws",), "text"),
    "max-messages": (("sse", "ws", "grpc", "socketio", "graphql"), "int"),
    "duration": (("sse", "ws", "grpc", "socketio", "graphql"), "duration"),
    "locale": (("http", "sse", "ws", "grpc", "socketio", "graphql"), "text"),
    "proto": (("grpc",), "text"),
    "import-path": (("grpc",), "text"),
    "protoset": (("grpc",), "text"),
    "plaintext": (("grpc",), "flag"),
    "tls": (("grpc",), "flag"),
    "ca": (("grpc", "ws", "http", "sse", "socketio", "graphql"), "text"),
    "cert": (("grpc", "ws", "http", "sse", "socketio", "graphql"), "text"),
    "key": (("grpc", "ws", "http", "sse", "socketio", "graphql"), "text"),
    "authority": (("grpc",), "text"),
    "max-message-size": (("grpc", "ws", "socketio"), "size"),
    "reflection": (("grpc",), "choice:v1|v1alpha|auto"),
    "reflect-header": (("grpc",), "text"),
    "reconnect": (("ws", "socketio", "sse"), "int"),
    "no-redirect": (("http",), "flag"),
    "no-cookie-jar": (("http", "sse"), "flag"),
    "namespace": (("socketio",), "text"),
    "operation": (("graphql",), "text"),
    "schema": (("graphql",), "text"),
}


@cache
def _markdown() -> Any:
    """Block structure is all the parser needs: inline parsing (links, emphasis) would triple the cost.
    Imported on first use, so that the language server starts fast."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark").disable("inline")


_YAML_DEPTH = 100
"""YAML nested deeper than this is refused before PyYAML (recursive) reads it."""


def _nesting_beyond(text: str, limit: int) -> int | None:
    """The offset where `[`/`{` nesting first passes `limit`, ignoring quoted text; None when it never does."""
    depth = 0
    quote = ""
    for offset, ch in enumerate(text):
        if quote:
            if ch == quote or ch == "\n":
                quote = ""
        elif ch in "\"'":
            quote = ch
        elif ch in "[{":
            depth += 1
            if depth > limit:
                return offset
        elif ch in "]}":
            depth = max(0, depth - 1)
    return None


def safe_yaml(text: str) -> Any:
    """`yaml.safe_load`, with flow nesting deeper than _YAML_DEPTH refused first as a YAMLError (PyYAML
    recurses). Its constructors may still raise ValueError (an out-of-range date) for the caller to report."""
    import yaml

    if _nesting_beyond(text, _YAML_DEPTH) is not None:
        raise yaml.YAMLError(f"nested more than {_YAML_DEPTH} deep")
    return yaml.safe_load(text)


def parse(text: str) -> Document:
    """Parse a .voiden document. Never raises: an internal failure becomes a problem."""
    try:
        return _Parser(text).parse()
    except Exception as exc:  # the contract is totality; a bug must not take the caller down
        log.error("parser failed: %r", exc, exc_info=not isinstance(exc, RecursionError))
        return Document(text, problems=[Problem(f"internal parser error: {exc}", Range.of(0, 0))])


def slugify(text: str) -> str:
    return re.sub(r"[^0-9a-z]+", "-", text.lower()).strip("-")


@dataclass
class _Line:
    text: str
    """The line as the block holds it (container prefixes removed)."""
    line: int
    col: int
    """UTF-16 column where `text` starts in the document line."""

    @property
    def stripped(self) -> str:
        return self.text.strip()

    def range(self, start: int = 0, end: int | None = None) -> Range:
        end = len(self.text) if end is None else end
        return Range(
            Position(self.line, self.col + utf16_len(self.text[:start])),
            Position(self.line, self.col + utf16_len(self.text[:end])),
        )

    def span(self, start: int, end: int) -> Span:
        return Span(self.text[start:end], self.range(start, end))

    def trimmed(self) -> tuple[int, int]:
        start = len(self.text) - len(self.text.lstrip())
        return start, len(self.text.rstrip())


@dataclass
class _Fence:
    word: str
    attributes: dict[str, str]
    lines: list[_Line]
    range: Range
    info_range: Range
    heading: str | None
    heading_level: int


@dataclass
class _Parser:
    text: str
    problems: list[Problem] = field(default_factory=list)

    def parse(self) -> Document:
        self.source_lines = split_lines(self.text)
        front_matter, md_text = self._front_matter()
        doc = Document(self.text, front_matter=front_matter, problems=self.problems)
        fences: list[_Fence] = []
        requests: list[tuple[_Fence, Request]] = []
        md_lines = self.source_lines if md_text is self.text else split_lines(md_text)
        starts = _section_starts(md_lines)
        for start, end in zip(starts, [*starts[1:], len(md_lines)], strict=True):
            placed = _section(md_lines[start:end]).placed(start)
            fences += placed.fences
            requests += [(placed.fences[i], _own_copy(request)) for i, request in placed.requests]
            self.problems += placed.problems
        self._name_requests(requests)
        doc.requests = [request for _, request in requests]
        self._attach_messages(fences, requests, doc)
        self.problems.sort(key=lambda p: (p.range.start.line, p.range.start.character))
        return doc

    def problem(self, message: str, range: Range, severity: Severity = "error", code: str = "") -> None:
        self.problems.append(Problem(message, range, severity, code))

    # -- front matter ----------------------------------------------------------------------------

    def _front_matter(self) -> tuple[FrontMatter | None, str]:
        lines = self.source_lines
        if not lines or lines[0].rstrip() != "---":
            return None, self.text
        end = next((i for i in range(1, len(lines)) if lines[i].rstrip() in ("---", "...")), None)
        if end is None:
            self.problem(
                "front matter opened with `---` is never closed: add a `---` line after it",
                Range.of(0, 0, 0, 3),
                code="front-matter",
            )
            return None, self.text
        fm_range = Range(Position(0, 0), Position(end, utf16_len(lines[end])))
        import yaml

        data: Any = None
        try:
            data = safe_yaml("\n".join(lines[1:end])) or {}
        except (ValueError, RecursionError, OverflowError) as exc:  # PyYAML's constructors raise these too
            message = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
            self.problem(f"front matter has a value that cannot be read: {message}", fm_range, code="front-matter")
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = (
                Range.of(1 + mark.line, 0, 1 + mark.line, utf16_len(lines[min(end, 1 + mark.line)]))
                if mark is not None
                else fm_range
            )
            self.problem(f"front matter is not valid YAML: {getattr(exc, 'problem', exc)}", where, code="front-matter")
        if data is not None and not isinstance(data, dict):
            self.problem("front matter must be a mapping (`vars:`, `env:`, `locale:`)", fm_range, code="front-matter")
            data = None
        if isinstance(data, dict) and "vars" in data and not isinstance(data["vars"], dict):
            self.problem("front matter `vars` must be a mapping of names to values", fm_range, code="front-matter")
        # Blank the front matter for markdown-it so its line numbers stay the document's.
        blanked = "\n" * (end + 1) + "\n".join(lines[end + 1 :])
        return (FrontMatter(data, fm_range) if isinstance(data, dict) else None), blanked

    # -- fences ----------------------------------------------------------------------------------

    def _fences(self, md_text: str) -> list[_Fence]:
        fences: list[_Fence] = []
        heading: str | None = None
        level = 0
        tokens = _markdown().parse(md_text)
        for index, token in enumerate(tokens):
            if token.type == "heading_open" and token.map:
                inline = tokens[index + 1] if index + 1 < len(tokens) else None
                heading = inline.content.strip() if inline is not None else ""
                level = int(token.tag[1:]) if token.tag[1:].isdigit() else 1
                fences.append(
                    _Fence(
                        "#heading",
                        {},
                        [],
                        Range.of(token.map[0], 0),
                        Range.of(token.map[0], 0),
                        heading,
                        level,
                    )
                )
            elif token.type == "fence" and token.map:
                fence = self._fence(token.info, token.content, token.map, heading, level)
                if fence is not None:
                    fences.append(fence)
        return fences

    def _fence(self, info: str, content: str, span: list[int], heading: str | None, level: int) -> _Fence | None:
        words = [info[a:b] for a, b in scanning.tokens(info)]
        if not words:
            return None
        word = words[0].lower()
        start, end = span[0], max(span[0], span[1] - 1)
        first = self._source(start)
        info_col = first.find(words[0])
        info_range = Range.of(start, utf16_len(first[: max(info_col, 0)]), start, utf16_len(first.rstrip()))
        if word not in PROTOCOL_ALIASES and word not in _BLOCK_WORDS:
            self._maybe_unknown_protocol(word, words[1:], info_range)
            return None
        attributes: dict[str, str] = {}
        for attr in words[1:]:
            key, eq, value = attr.partition("=")
            attributes[key] = value.strip("\"'") if eq else ""
        body_lines = content.split("\n")
        if body_lines and body_lines[-1] == "":
            body_lines.pop()
        lines: list[_Line] = []
        for i, text in enumerate(body_lines):
            raw = self._source(start + 1 + i)
            if not raw.endswith(text):  # a tab in the fence's indentation, expanded to spaces by markdown-it
                text = text.lstrip() if raw.endswith(text.lstrip()) else raw
            col = len(raw) - len(text)
            lines.append(_Line(text, start + 1 + i, utf16_len(raw[:col])))
        block_range = Range(Position(start, 0), Position(end, utf16_len(self._source(end))))
        canonical = word if word in _BLOCK_WORDS else PROTOCOL_ALIASES[word]
        return _Fence(canonical, attributes, lines, block_range, info_range, heading, level)

    def _source(self, line: int) -> str:
        return self.source_lines[line] if 0 <= line < len(self.source_lines) else ""

    def _maybe_unknown_protocol(self, word: str, rest: list[str], where: Range) -> None:
        """Flag info strings that look meant as requests; plain code fences (json, python) stay prose."""
        known = sorted(set(PROTOCOL_ALIASES) | _BLOCK_WORDS)
        close = difflib.get_close_matches(word, known, n=1, cutoff=0.75) if len(word) >= 3 else []
        has_attributes = any("=" in attr for attr in rest)
        if close or has_attributes:
            hint = f"; did you mean `{close[0]}`?" if close else ""
            self.problem(
                f"unknown protocol word `{word}`: requests start with one of {', '.join(PROTOCOL_ALIASES)}{hint}",
                where,
                "warning" if not has_attributes else "error",
                code="unknown-protocol",
            )

    # -- requests --------------------------------------------------------------------------------

    def _request(self, fence: _Fence) -> Request:
        request = Request(
            name=fence.attributes.get("name", ""),
            protocol=fence.word,
            attributes=dict(fence.attributes),
            range=fence.range,
            info_range=fence.info_range,
            heading=fence.heading,
        )
        lines = fence.lines
        i = 0
        while i < len(lines):
            stripped = lines[i].stripped
            if stripped and not _is_comment(stripped) and not stripped.startswith("@"):
                break
            if stripped.startswith("@"):
                self._metadata(request, lines[i])
            i += 1
        if i >= len(lines):
            self.problem(
                f"missing request line: a `{fence.word}` block needs {_REQUEST_LINE_HINT[fence.word]}",
                fence.info_range,
                code="missing-request-line",
            )
            return request
        self._request_line(request, lines[i])
        i += 1
        if request.protocol in ("http", "sse") and request.target is not None:
            i = self._query_continuation(request, lines, i)
        while i < len(lines) and lines[i].stripped:
            line = lines[i]
            stripped = line.stripped
            if _is_comment(stripped):
                pass
            elif stripped.startswith("@"):
                self._metadata(request, line)
            else:
                self._header(request, line)
            i += 1
        while i < len(lines) and not lines[i].stripped:
            i += 1
        body = lines[i:]
        while body and not body[-1].stripped:
            body.pop()
        if body:
            text = "\n".join(line.text for line in body)
            end = body[-1]
            request.body = Span(
                text,
                Range(Position(body[0].line, body[0].col), Position(end.line, end.col + utf16_len(end.text))),
                tuple(Position(line.line, line.col) for line in body),
            )
            if request.protocol == "sse" and request.method != "POST":
                self.problem(
                    "an SSE request only has a body with `POST`",
                    request.body.range,
                    "warning",
                    code="unexpected-body",
                )
        if request.protocol == "graphql":
            self._graphql(request)
        return request

    def _graphql(self, request: Request) -> None:
        if request.body is None:
            self.problem(
                "a `graphql` request needs its GraphQL document as the body: `query { ... }`",
                request.request_line_range or request.info_range,
                code="graphql-no-operation",
            )
            return
        body = graphql.read(request.body)
        request.graphql = body
        for problem in body.problems:
            self.problem(problem.message, problem.range, problem.severity, problem.code)
        if not body.operations:
            return
        wanted = request.meta("operation")
        where = next((m.range for m in request.metadata if m.key == "operation"), request.body.range)
        chosen = body.operation(wanted)
        names = [op.name for op in body.operations if op.name]
        if wanted and chosen is None:
            close = difflib.get_close_matches(wanted, names, n=1, cutoff=0.6)
            hint = f"; did you mean `{close[0]}`?" if close else f" (it has {', '.join(names) or 'no named ones'})"
            self.problem(f"the document has no operation `{wanted}`{hint}", where, code="graphql-operation")
        elif chosen is None:
            self.problem(
                f"the document has {len(body.operations)} operations: pick one with `@operation NAME` "
                f"({', '.join(names)})",
                request.body.range,
                code="graphql-operation",
            )
        target = request.target
        scheme = target.text.split(":", 1)[0].lower() if target is not None else ""
        if target is not None and chosen is not None and chosen.kind == "subscription" and scheme in ("http", "https"):
            self.problem(
                "a subscription streams over GraphQL over WebSocket: give it a `ws://` or `wss://` URL",
                target.range,
                code="graphql-subscription-http",
            )

    def _metadata(self, request: Request, line: _Line) -> None:
        start, end = line.trimmed()
        found = scanning.metadata(line.text[start:end])
        if found is None:
            self.problem("malformed metadata line: write `@key value`", line.range(start, end), code="bad-metadata")
            return
        key, value = found
        key_range = line.range(start, start + 1 + len(key))
        request.metadata.append(Metadata(key, value, line.range(start, end), key_range))
        spec = METADATA_KEYS.get(key)
        if spec is None:
            close = difflib.get_close_matches(key, list(METADATA_KEYS), n=1, cutoff=0.6)
            hint = f"; did you mean `@{close[0]}`?" if close else ""
            self.problem(f"unknown metadata `@{key}`{hint}", key_range, "warning", code="unknown-metadata")
            return
        protocols, kind = spec
        if request.protocol not in protocols:
            self.problem(
                f"`@{key}` has no effect on a `{request.protocol}` request",
                key_range,
                "warning",
                code="metadata-not-applicable",
            )
        value_range = line.range(end - len(value), end) if value else key_range
        if kind == "flag" and value:
            self.problem(f"`@{key}` takes no value", value_range, "warning", code="bad-metadata")
        elif kind == "duration" and parse_duration(value) is None:
            self.problem(f"`@{key}` needs a duration such as `500ms`, `5s` or `2m`", value_range, code="bad-metadata")
        elif kind == "size" and parse_size(value) is None:
            self.problem(f"`@{key}` needs a size such as `4MB` or `65536`", value_range, code="bad-metadata")
        elif kind == "int" and not value.isdigit():
            self.problem(f"`@{key}` needs a whole number", value_range, code="bad-metadata")
        elif kind == "text" and not value:
            self.problem(f"`@{key}` needs a value", value_range, code="bad-metadata")
        elif kind.startswith("choice:") and value not in kind[7:].split("|"):
            self.problem(f"`@{key}` is one of {', '.join(kind[7:].split('|'))}", value_range, code="bad-metadata")

    def _request_line(self, request: Request, line: _Line) -> None:
        start, end = line.trimmed()
        request.request_line_range = line.range(start, end)
        tokens = scanning.tokens(line.text)
        words = [line.text[a:b] for a, b in tokens]
        protocol = request.protocol
        if protocol in ("http", "sse"):
            if len(words) >= 2 and re.fullmatch(r"[A-Z][A-Z-]*", words[0]):
                request.method = words[0]
                tokens, words = tokens[1:], words[1:]
            else:
                request.method = "GET"
            if len(words) == 2 and _HTTP_VERSION.match(words[1]):
                tokens, words = tokens[:1], words[:1]
            if protocol == "sse" and request.method not in ("GET", "POST"):
                self.problem("an SSE request is `GET` or `POST`", request.request_line_range, code="bad-method")
            elif request.method not in _STANDARD_METHODS and len(request.method) < 3:
                self.problem(f"unknown HTTP method `{request.method}`", request.request_line_range, code="bad-method")
            schemes: tuple[str, ...] = ("http", "https")
        elif protocol == "graphql":
            if len(words) >= 2 and re.fullmatch(r"[A-Z][A-Z-]*", words[0]):
                request.method = words[0]
                tokens, words = tokens[1:], words[1:]
                if request.method not in ("GET", "POST"):
                    self.problem(
                        "a GraphQL request is `POST` (the default) or `GET`",
                        request.request_line_range,
                        code="bad-method",
                    )
            else:
                request.method = "POST"
            schemes = ("http", "https", "ws", "wss")
        elif protocol == "grpc":
            schemes = ("grpc", "grpcs")
        elif protocol == "ws":
            schemes = ("ws", "wss")
        else:
            schemes = ("http", "https", "ws", "wss")
        if not words:
            return
        a, b = tokens[0]
        request.target = line.span(a, b)
        if protocol == "grpc":
            self._grpc_line(request, line, tokens, words)
            extra = tokens[2:]
        else:
            self._check_url(request.target, schemes)
            extra = tokens[1:]
        if extra:
            self.problem(
                "unexpected text after the request line's target",
                line.range(extra[0][0], extra[-1][1]),
                code="bad-request-line",
            )

    def _grpc_line(self, request: Request, line: _Line, tokens: list[tuple[int, int]], words: list[str]) -> None:
        assert request.target is not None
        address = words[0]
        if len(words) < 2:
            self.problem(
                "a gRPC request line is `ADDRESS package.Service/Method`, e.g. "
                "`grpc://127.0.0.1:50051 routeguide.RouteGuide/GetFeature`",
                request.request_line_range or request.target.range,
                code="bad-request-line",
            )
        else:
            request.rpc = line.span(*tokens[1])
            if "{{" not in words[1] and not _RPC.match(words[1]):
                self.problem(
                    f"`{words[1]}` is not a method name: write `package.Service/Method`",
                    request.rpc.range,
                    code="bad-rpc",
                )
        if "{{" in address:
            return
        if "://" in address:
            parts = urlsplit(address)
            if parts.scheme not in ("grpc", "grpcs"):
                self.problem(
                    f"a gRPC address starts with `grpc://` (plaintext) or `grpcs://` (TLS), not `{parts.scheme}://`",
                    request.target.range,
                    code="bad-url",
                )
                return
            host_port = parts.netloc
        else:
            host_port = address
        host, _, port = host_port.rpartition(":")
        if not host or not port.isdigit():
            self.problem(
                f"`{address}` is not a gRPC address: write `host:port`, e.g. `grpc://127.0.0.1:50051`",
                request.target.range,
                code="bad-url",
            )

    def _check_url(self, target: Span, schemes: tuple[str, ...]) -> None:
        url = target.text
        if url.startswith("{{"):
            return
        expected = " or ".join(f"`{s}://`" for s in schemes)
        try:
            parts = urlsplit(url)
            if "{{" not in parts.netloc:
                _ = parts.port  # raises on a port that is not a number
        except ValueError as exc:
            self.problem(f"bad URL `{url}`: {exc}", target.range, code="bad-url")
            return
        if parts.scheme.lower() not in schemes:
            self.problem(f"bad URL `{url}`: it must start with {expected}", target.range, code="bad-url")
        elif not parts.netloc:
            self.problem(f"bad URL `{url}`: it names no host", target.range, code="bad-url")

    def _query_continuation(self, request: Request, lines: list[_Line], i: int) -> int:
        assert request.target is not None
        target = request.target
        text, starts = target.text, [target.range.start]
        while i < len(lines) and lines[i].stripped[:1] in ("?", "&"):
            start, end = lines[i].trimmed()
            text += "\n" + lines[i].text[start:end]
            starts.append(lines[i].range(start).start)
            i += 1
        if len(starts) > 1:
            last = lines[i - 1]
            request.target = Span(text, Range(target.range.start, last.range(*last.trimmed()).end), tuple(starts))
        return i

    def _header(self, request: Request, line: _Line) -> None:
        start, end = line.trimmed()
        found = scanning.header(line.text[start:end])
        if found is None:
            looks_like_body = line.text[start : start + 1] in ("{", "[", "<", '"')
            message = (
                "the body must follow a blank line after the headers"
                if looks_like_body
                else "malformed header line: write `Name: value` (a blank line starts the body)"
            )
            self.problem(message, line.range(start, end), code="bad-header")
            return
        name = found[0]
        value_start = start + found[1]
        value_end = start + found[2]
        request.headers.append(
            Header(
                name,
                line.span(value_start, value_end),
                line.range(start, end),
                line.range(start, start + len(name)),
            )
        )

    def _name_requests(self, requests: list[tuple[_Fence, Request]]) -> None:
        seen: dict[str, Request] = {}
        for _, request in requests:
            if not request.name:
                continue
            if request.name in seen:
                first = seen[request.name]
                self.problem(
                    f"duplicate request name `{request.name}` (first used on line {first.range.start.line + 1})",
                    request.info_range,
                    code="duplicate-name",
                )
            else:
                seen[request.name] = request
        taken = set(seen)
        for ordinal, (fence, request) in enumerate(requests, start=1):
            if request.name:
                continue
            base = slugify(fence.heading or "") or f"request-{ordinal}"
            name, n = base, 2
            while name in taken:
                name, n = f"{base}-{n}", n + 1
            request.name = name
            taken.add(name)

    # -- message blocks --------------------------------------------------------------------------

    def _attach_messages(self, fences: list[_Fence], requests: list[tuple[_Fence, Request]], doc: Document) -> None:
        by_fence = {id(fence): request for fence, request in requests}
        owner: tuple[_Fence, Request] | None = None
        for fence in fences:
            if fence.word == "#heading":
                if owner is not None and (owner[0].heading_level == 0 or fence.heading_level <= owner[0].heading_level):
                    owner = None
                continue
            if fence.word == EXPECT_WORD:
                self._attach_expect(fence, owner[1] if owner else None, doc)
                continue
            if fence.word == VARIABLES_WORD:
                self._attach_variables(fence, owner[1] if owner else None)
                continue
            if fence.word not in MESSAGE_WORDS:
                owner = (fence, by_fence[id(fence)])
                continue
            request = owner[1] if owner else None
            number = len(request.messages) + 1 if request else len(doc.messages) + 1
            block_id = fence.attributes.get("name") or (
                f"{request.name}.message-{number}" if request else f"message-{fence.range.start.line + 1}"
            )
            body_lines = list(fence.lines)
            while body_lines and not body_lines[-1].stripped:
                body_lines.pop()
            if body_lines:
                text = "\n".join(line.text for line in body_lines)
                last = body_lines[-1]
                body = Span(
                    text,
                    Range(
                        Position(body_lines[0].line, body_lines[0].col),
                        Position(last.line, last.col + utf16_len(last.text)),
                    ),
                    tuple(Position(line.line, line.col) for line in body_lines),
                )
            else:
                line = fence.range.start.line + 1
                body = Span("", Range.of(line, 0))
                self.problem(
                    "empty message block: put the message to send inside it",
                    fence.info_range,
                    "warning",
                    code="empty-message",
                )
            block = MessageBlock(block_id, dict(fence.attributes), body, fence.range, request.name if request else None)
            doc.messages.append(block)
            if request is None:
                self.problem(
                    "message block has no request to belong to: put it below a `ws`, `socketio` or "
                    "streaming `grpc` request in the same section",
                    fence.info_range,
                    code="orphan-message",
                )
                continue
            request.messages.append(block)
            if request.protocol not in LIVE_PROTOCOLS:
                self.problem(
                    f"a `{request.protocol}` request sends no messages after its body: message blocks "
                    "belong to `ws`, `socketio` and streaming `grpc` requests",
                    fence.info_range,
                    code="message-not-live",
                )
            if "wait" in block.attributes and not block.attributes["wait"].isdigit():
                self.problem("`wait=N` needs a whole number of server messages", fence.info_range, code="bad-attribute")

    def _attach_variables(self, fence: _Fence, request: Request | None) -> None:
        if request is None or request.protocol != "graphql":
            self.problem(
                "a variables block belongs below a `graphql` request in the same section",
                fence.info_range,
                code="orphan-variables",
            )
            return
        if request.variables is not None:
            self.problem("the request already has a variables block", fence.info_range, code="duplicate-variables")
            return
        body_lines = list(fence.lines)
        while body_lines and not body_lines[-1].stripped:
            body_lines.pop()
        if not body_lines:
            self.problem(
                "empty variables block: write the variables as JSON",
                fence.info_range,
                "warning",
                code="empty-variables",
            )
            return
        last = body_lines[-1]
        request.variables = Span(
            "\n".join(line.text for line in body_lines),
            Range(
                Position(body_lines[0].line, body_lines[0].col), Position(last.line, last.col + utf16_len(last.text))
            ),
            tuple(Position(line.line, line.col) for line in body_lines),
        )

    def _attach_expect(self, fence: _Fence, request: Request | None, doc: Document) -> None:
        block = ExpectBlock(fence.range, fence.info_range, request=request.name if request else None)
        read_block(
            ((line.text, line.line, line.col) for line in fence.lines), request.protocol if request else "", block
        )
        for bad in block.bad:
            self.problem(bad.message, bad.range, code="bad-expectation")
        if request is None:
            self.problem(
                "expect block has no request to belong to: put it below a request in the same section",
                fence.info_range,
                code="orphan-expect",
            )
            return
        if not block.expectations and not block.bad:
            self.problem(
                "empty expect block: write what the request must do, a line each (`status == 200`)",
                fence.info_range,
                "warning",
                code="empty-expect",
            )
        request.expects.append(block)
        doc.expects.append(block)


_BLOCK_WORDS = frozenset({*MESSAGE_WORDS, EXPECT_WORD, VARIABLES_WORD})
"""Fence words that are not requests: blocks that belong to the request above."""
_NOT_REQUESTS = frozenset({*_BLOCK_WORDS, "#heading"})

# -- sections, parsed once per text -----------------------------------------------------------------
#
# A document is cut before each ATX heading that starts at column 0 outside a fenced code block and an
# HTML block: there Markdown's block structure starts afresh (a heading closes every open paragraph, list
# and block quote), so each piece parses alone exactly as it does inside the whole. A piece is parsed with
# line numbers from its own first line and kept by its text; an edit re-parses the piece it touched, and the
# others are only moved to the lines they are on now. This keeps diagnostics within budget on 10,000 lines.

_HEADING_LINE = re.compile(r"#{1,6}(?:[ \t]|$)")
_MAYBE_BLOCK = re.compile(r" {0,3}[`~<]")
_FENCE_LINE = re.compile(r" {0,3}(`{3,}|~{3,})(.*)$")
_HTML_START = re.compile(r" {0,3}<(!--|\?|!\[CDATA\[|![A-Za-z]|(?:script|pre|style|textarea)(?=[\s>]|$))?", re.I)
_HTML_END = {"!--": "-->", "?": "?>", "![cdata[": "]]>"}
_RAW_HTML_END = re.compile(r"</(?:script|pre|style|textarea)>", re.IGNORECASE)
_BLANK_LINE = re.compile(r"^[ \t]*$")
"""Any other line starting with `<` may open an HTML block that a blank line ends (CommonMark kinds 6 and 7)."""


def _section_starts(lines: list[str]) -> list[int]:
    """Line numbers where the document can be cut (always 0 first). Where it cannot tell whether a fence
    opens (a fence line inside what may be an HTML block or a paragraph), the rest stays one piece."""
    starts = [0]
    fence: tuple[str, int, int] | None = None
    html_end: str | re.Pattern[str] | None = None
    html_sure = False
    for number, line in enumerate(lines):
        if fence is not None:
            if fence[2] and line.strip() and len(line) - len(line.lstrip(" ")) < fence[2]:
                return starts  # an indented fence may sit in a list item, which this line would end
            match = _FENCE_LINE.match(line)
            if match and match.group(1)[0] == fence[0] and len(match.group(1)) >= fence[1]:
                fence = None if not match.group(2).strip() else fence
            continue
        if html_end is not None:
            if not html_sure and _FENCE_LINE.match(line):
                return starts
            if _html_ended(line, html_end):
                html_end = None
            continue
        if line.startswith("#"):
            if number > 0 and _HEADING_LINE.match(line):
                starts.append(number)
        elif not _MAYBE_BLOCK.match(line):
            continue
        elif match := _FENCE_LINE.match(line):
            marker, info = match.group(1), match.group(2)
            if not (marker[0] == "`" and "`" in info):  # a backtick in the info string: not a fence
                fence = (marker[0], len(marker), len(line) - len(line.lstrip(" ")))
        elif match := _HTML_START.match(line):
            opener = (match.group(1) or "").lower()
            # Kinds 1-5 at column 0 always open a block; other tags (or indented ones, which may sit in a
            # list item) depend on the lines before.
            html_sure = bool(opener) and line.startswith("<")
            end: str | re.Pattern[str] = (
                _BLANK_LINE if not opener else _HTML_END.get(opener, ">" if opener.startswith("!") else _RAW_HTML_END)
            )
            if end is _BLANK_LINE or not _html_ended(line[match.end() :], end):
                html_end = end
    return starts


def _html_ended(text: str, end: str | re.Pattern[str]) -> bool:
    return end in text if isinstance(end, str) else end.search(text) is not None  # a blank line matches ^$


@dataclass
class _Placed:
    """A section's parse on the lines it is on: never changed once made."""

    line: int
    fences: list[_Fence]
    requests: list[tuple[int, Request]]
    """(index in `fences`, request) for each request fence."""
    problems: list[Problem]


@dataclass
class _Part:
    """A section parsed once, and where it was last placed (sections below an edit move as lines are added)."""

    parsed: _Placed
    last: _Placed | None = None

    def placed(self, line: int) -> _Placed:
        last = self.last  # read once: another thread may place the same text elsewhere meanwhile
        if last is None or last.line != line:
            parsed, lines = self.parsed, line - self.parsed.line
            last = _Placed(
                line,
                [_moved_fence(fence, lines) for fence in parsed.fences],
                [(i, _moved_request(request, lines)) for i, request in parsed.requests],
                [problem.moved(lines) for problem in parsed.problems],
            )
            self.last = last
        return last


_PARTS: OrderedDict[str, _Part] = OrderedDict()
_PARTS_LOCK = threading.Lock()  # documents are parsed in worker threads
_PARTS_KEPT = 4096


def _section(lines: list[str]) -> _Part:
    text = "\n".join(lines)
    with _PARTS_LOCK:
        part = _PARTS.get(text)
        if part is not None:
            _PARTS.move_to_end(text)
            return part
    parser = _Parser(text)
    parser.source_lines = lines
    fences = parser._fences(text)
    requests = []
    for i, fence in enumerate(fences):
        if fence.word in _NOT_REQUESTS:
            continue
        try:
            requests.append((i, parser._request(fence)))
        except Exception as exc:  # one unreadable request must not cost the document its others
            log.error("request at line %d could not be read: %r", fence.range.start.line + 1, exc)
            parser.problem(f"this request could not be read ({type(exc).__name__}: {exc})", fence.info_range)
    part = _Part(_Placed(0, fences, requests, parser.problems))
    with _PARTS_LOCK:
        _PARTS[text] = part
        while len(_PARTS) > _PARTS_KEPT:
            _PARTS.popitem(last=False)
    return part


def _moved_fence(fence: _Fence, lines: int) -> _Fence:
    """Fences are read, never changed, after parsing: an unmoved one is shared. Only a message fence's lines
    are read again (for its body)."""
    if not lines:
        return fence
    return _Fence(
        fence.word,
        fence.attributes,
        [_Line(line.text, line.line + lines, line.col) for line in fence.lines] if fence.word in _NOT_REQUESTS else [],
        fence.range.moved(lines),
        fence.info_range.moved(lines),
        fence.heading,
        fence.heading_level,
    )


def _moved_request(request: Request, lines: int) -> Request:
    """Kept requests are never changed (each document takes its own copy): an unmoved one is shared."""
    if not lines:
        return request
    line_range = request.request_line_range
    return Request(
        name=request.name,
        protocol=request.protocol,
        attributes=request.attributes,
        range=request.range.moved(lines),
        info_range=request.info_range.moved(lines),
        metadata=[Metadata(m.key, m.value, m.range.moved(lines), m.key_range.moved(lines)) for m in request.metadata],
        method=request.method,
        target=request.target.moved(lines) if request.target else None,
        rpc=request.rpc.moved(lines) if request.rpc else None,
        request_line_range=line_range.moved(lines) if line_range is not None else None,
        headers=[
            Header(h.name, h.value.moved(lines), h.range.moved(lines), h.name_range.moved(lines))
            for h in request.headers
        ],
        body=request.body.moved(lines) if request.body else None,
        heading=request.heading,
        graphql=request.graphql.moved(lines) if request.graphql else None,
    )


def _own_copy(request: Request) -> Request:
    """A document's own copy of a kept request: its name and message blocks are filled in per document."""
    own = copy.copy(request)
    own.attributes, own.metadata, own.headers = dict(own.attributes), [*own.metadata], [*own.headers]
    own.messages, own.expects, own.variables = [], [], None
    return own


def _is_comment(stripped: str) -> bool:
    return stripped.startswith("#") or stripped.startswith("//")


_REQUEST_LINE_HINT = {
    "http": "a request line such as `GET https://api.example.com/users`",
    "sse": "a URL such as `GET http://127.0.0.1:8080/events`",
    "ws": "a URL such as `ws://127.0.0.1:8765/chat`",
    "socketio": "a URL such as `http://127.0.0.1:3000`",
    "grpc": "a line such as `grpc://127.0.0.1:50051 routeguide.RouteGuide/GetFeature`",
    "graphql": "a URL such as `POST https://api.example.com/graphql` (or `ws://...` for subscriptions)",
}
