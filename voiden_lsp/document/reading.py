"""One request fence read into a `Request`: metadata lines, the request line (method, URL, gRPC target and
method), headers, body, GraphQL operations; every mistake a problem at its place."""

from __future__ import annotations

import difflib
import re
from urllib.parse import urlsplit

from voiden_lsp.document import graphql, scanning
from voiden_lsp.document.fences import Fence, FenceReader, Line, is_comment
from voiden_lsp.document.model import (
    Header,
    Metadata,
    Position,
    Range,
    Request,
    Span,
    utf16_len,
)
from voiden_lsp.document.values import parse_duration, parse_size

_HTTP_VERSION = re.compile(r"^HTTP/\d(\.\d)?$", re.IGNORECASE)
_RPC = re.compile(r"^(?:[A-Za-z_][\w]*\.)*[A-Za-z_]\w*[/.][A-Za-z_]\w*$")
_STANDARD_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE", "CONNECT")

#: metadata key -> (protocols it applies to, kind of value: flag / duration / size / int / text / choice)
METADATA_KEYS: dict[str, tuple[tuple[str, ...], str]] = {
    "timeout": (("http", "sse", "ws", "grpc", "socketio", "graphql", "mcp"), "duration"),
    "insecure": (("http", "sse", "ws", "grpc", "socketio", "graphql", "mcp"), "flag"),
    "subprotocol": (("ws",), "text"),
    "max-messages": (("sse", "ws", "grpc", "socketio", "graphql"), "int"),
    "duration": (("sse", "ws", "grpc", "socketio", "graphql"), "duration"),
    "locale": (("http", "sse", "ws", "grpc", "socketio", "graphql", "mcp"), "text"),
    "proto": (("grpc",), "text"),
    "import-path": (("grpc",), "text"),
    "protoset": (("grpc",), "text"),
    "plaintext": (("grpc",), "flag"),
    "tls": (("grpc",), "flag"),
    "ca": (("grpc", "ws", "http", "sse", "socketio", "graphql", "mcp"), "text"),
    "cert": (("grpc", "ws", "http", "sse", "socketio", "graphql", "mcp"), "text"),
    "key": (("grpc", "ws", "http", "sse", "socketio", "graphql", "mcp"), "text"),
    "authority": (("grpc",), "text"),
    "max-message-size": (("grpc", "ws", "socketio"), "size"),
    "reflection": (("grpc",), "choice:v1|v1alpha|auto"),
    "reflect-header": (("grpc",), "text"),
    "protocol": (("grpc",), "choice:connect|grpc-web|grpc"),
    "encoding": (("grpc",), "choice:proto|json|text"),
    "reconnect": (("ws", "socketio", "sse"), "int"),
    "no-redirect": (("http",), "flag"),
    "no-cookie-jar": (("http", "sse"), "flag"),
    "no-history": (("http", "sse", "ws", "grpc", "socketio", "graphql", "mcp"), "flag"),
    "mcp-version": (("mcp",), "choice:auto|2025-11-25|2026-07-28"),
    "tool": (("http", "sse", "ws", "grpc", "socketio", "graphql", "mcp"), "text"),
    "namespace": (("socketio",), "text"),
    "operation": (("graphql",), "text"),
    "schema": (("graphql",), "text"),
}


class RequestReader(FenceReader):
    """A fence reader that also reads request fences."""

    def request(self, fence: Fence) -> Request:
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
            if stripped and not is_comment(stripped) and not stripped.startswith("@"):
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
            if is_comment(stripped):
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

    def _metadata(self, request: Request, line: Line) -> None:
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

    def _request_line(self, request: Request, line: Line) -> None:
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
        elif protocol in ("ws",):
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
        elif protocol == "mcp":
            self._check_url(request.target, ("http", "https"))
            self._mcp_line(request, line, tokens, words)
            extra = tokens[3:]
        else:
            self._check_url(request.target, schemes)
            extra = tokens[1:]
        if extra:
            self.problem(
                "unexpected text after the request line's target",
                line.range(extra[0][0], extra[-1][1]),
                code="bad-request-line",
            )

    def _grpc_line(self, request: Request, line: Line, tokens: list[tuple[int, int]], words: list[str]) -> None:
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
            if parts.scheme in ("http", "https"):  # gRPC-Web or Connect (FORMAT.md section 10)
                self._check_url(request.target, ("http", "https"))
                return
            if parts.scheme not in ("grpc", "grpcs"):
                self.problem(
                    f"a gRPC address starts with `grpc://` (plaintext) or `grpcs://` (TLS), or with `http://` / "
                    f"`https://` for Connect and gRPC-Web; not `{parts.scheme}://`",
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

    def _mcp_line(self, request: Request, line: Line, tokens: list[tuple[int, int]], words: list[str]) -> None:
        """`URL OPERATION [NAME]` (FORMAT.md section 11): the operation and its name are the request's `rpc`."""
        where = request.request_line_range or line.range(*tokens[0])
        if len(words) < 2:
            self.problem(
                "an MCP request line is `URL OPERATION [NAME]`, e.g. `http://127.0.0.1:8000/mcp tools/call "
                f"get_forecast`; operations: {', '.join(f'`{o}`' for o in MCP_OPERATIONS)}",
                where,
                code="bad-request-line",
            )
            return
        last = tokens[min(len(tokens), 3) - 1]
        request.rpc = line.span(tokens[1][0], last[1])
        operation = words[1]
        if "{{" in operation:
            return
        if operation not in MCP_OPERATIONS:
            close = difflib.get_close_matches(operation, list(MCP_OPERATIONS), n=1)
            hint = f"; did you mean `{close[0]}`?" if close else f": {', '.join(f'`{o}`' for o in MCP_OPERATIONS)}"
            self.problem(f"unknown MCP operation `{operation}`{hint}", line.range(*tokens[1]), code="bad-rpc")
            return
        needs = MCP_OPERATIONS[operation]
        if needs and len(words) < 3:
            self.problem(f"`{operation}` needs the {needs}: `{operation} NAME`", line.range(*tokens[1]), code="bad-rpc")
        elif not needs and len(words) > 2:
            self.problem(f"`{operation}` takes no name", line.range(*tokens[2]), code="bad-rpc")

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

    def _query_continuation(self, request: Request, lines: list[Line], i: int) -> int:
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

    def _header(self, request: Request, line: Line) -> None:
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


#: MCP operation -> what its name is ("" when it takes none).
MCP_OPERATIONS = {
    "tools/list": "",
    "tools/call": "tool's name",
    "resources/list": "",
    "resources/templates/list": "",
    "resources/read": "resource's URI",
    "prompts/list": "",
    "prompts/get": "prompt's name",
    "ping": "",
}

_REQUEST_LINE_HINT = {
    "mcp": "a line such as `http://127.0.0.1:8000/mcp tools/call get_forecast`",
    "http": "a request line such as `GET https://api.example.com/users`",
    "sse": "a URL such as `GET http://127.0.0.1:8080/events`",
    "ws": "a URL such as `ws://127.0.0.1:8765/chat`",
    "socketio": "a URL such as `http://127.0.0.1:3000`",
    "grpc": "a line such as `grpc://127.0.0.1:50051 routeguide.RouteGuide/GetFeature`",
    "graphql": "a URL such as `POST https://api.example.com/graphql` (or `ws://...` for subscriptions)",
}
