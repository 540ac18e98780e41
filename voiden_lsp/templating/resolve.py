"""A request of the document, with every template expanded: what a transport sends."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

from voiden_lsp.document import MessageBlock, Range, Request, parse_duration, parse_size
from voiden_lsp.errors import TemplateError
from voiden_lsp.templating.expand import Compiled, compile_text, expand, looks_like_json
from voiden_lsp.templating.scan import iter_templates
from voiden_lsp.templating.scope import Scope


@dataclass
class ResolvedRequest:
    name: str
    protocol: str
    target: str
    """URL, or the gRPC address."""
    method: str = ""
    rpc: str = ""
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: str | None = None
    body_parts: list[str | Path] | None = None
    """A body with files, sent streamed (never read whole): a `< ./file` body is `[path]`; a multipart body
    with `< ./file` lines is its text (CRLF line breaks) and files, in order."""
    timeout: float | None = None
    insecure: bool = False
    metadata: dict[str, list[str]] = field(default_factory=dict)
    range: Range | None = None
    base_dir: Path | None = None
    """The document's folder: relative paths in the request (`< file`, `@proto`, `@ca`) start here."""
    root: Path | None = None
    """The collection's root (see Scope.root)."""
    external_files: frozenset[str] = frozenset()
    """`< path` values that may lie outside the collection (see Request.external_files)."""
    graphql_kind: str = ""
    """A `graphql` request's operation: `query`, `mutation` or `subscription`."""
    fresh_headers: frozenset[str] = frozenset()
    """Names (lower-cased) of the headers whose value is made afresh at every expansion (`{{$uuid}}`, fake
    data): they go out, but are no part of what identifies the request's schema."""

    def meta(self, key: str) -> str | None:
        values = self.metadata.get(key)
        return values[-1] if values else None

    def meta_int(self, key: str) -> int | None:
        value = self.meta(key)
        return int(value) if value is not None and value.isdigit() else None

    def meta_duration(self, key: str) -> float | None:
        value = self.meta(key)
        return parse_duration(value) if value is not None else None

    def meta_size(self, key: str) -> int | None:
        value = self.meta(key)
        return parse_size(value) if value is not None else None

    def path(self, value: str) -> Path:
        """A path written in the request, resolved from the document's folder."""
        return ((self.base_dir or Path.cwd()) / value).resolve()

    def body_file(self, value: str) -> Path:
        """A file the request sends (`< path`): resolved with its symlinks, it must lie inside the collection
        (or the document's folder), so a cloned collection cannot post `~/.ssh/id_rsa` or `/etc/passwd`."""
        path = self.path(value)
        if path.exists() and not path.is_file():
            raise TemplateError(f"the body file `{value}` is not a regular file")
        if value in self.external_files:
            return path
        allowed = [folder.resolve() for folder in (self.root, self.base_dir) if folder is not None] or [Path.cwd()]
        if not any(path.is_relative_to(folder) for folder in allowed):
            raise TemplateError(
                f"the body file `{value}` is outside the collection ({allowed[0]}): only files inside it are sent; "
                "copy the file into the collection"
            )
        return path

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        return next((v for k, v in self.headers if k.lower() == lowered), None)

    def implied_content_type(self) -> str | None:
        """The Content-Type an HTTP request is sent with beyond its own headers: JSON for a body that reads as
        JSON when none is set (the transport adds it; an exported command must say it)."""
        if self.body is not None and self.header("content-type") is None and looks_like_json(self.body):
            return "application/json"
        return None


def render_request(request: Request, scope: Scope) -> ResolvedRequest:
    """Expand the request's templates. Raises TemplateError with the range of the failing template."""
    if request.target is None:
        raise TemplateError(f"`{request.name}` has no request line", request.info_range)
    target = expand(request.target.text, scope, origin=request.target)
    target = _join_query(target)
    resolved = ResolvedRequest(
        name=request.name,
        protocol=request.protocol,
        target=target.strip(),
        method=request.method,
        range=request.range,
        base_dir=scope.base_dir,
        root=scope.root,
        external_files=request.external_files,
        fresh_headers=fresh_headers(request),
    )
    if request.rpc is not None:
        resolved.rpc = expand(request.rpc.text, scope, origin=request.rpc).strip()
    for header in request.headers:
        name = expand(header.name, scope)
        resolved.headers.append((name, _header_value(name, expand(header.value.text, scope, origin=header.value))))
    for item in request.metadata:
        resolved.metadata.setdefault(item.key, []).append(expand(item.value, scope))
    timeout = resolved.meta("timeout")
    resolved.timeout = parse_duration(timeout) if timeout else None
    resolved.insecure = "insecure" in resolved.metadata
    if request.protocol == "graphql":
        _graphql(resolved, request, scope)
    elif request.body is not None:
        text = request.body.text
        if text.lstrip().startswith("< "):
            path = expand(text.strip()[2:].strip(), scope, origin=request.body)
            resolved.body_parts = [resolved.body_file(path)]
        else:
            json_mode = request.protocol in ("grpc", "mcp") or _is_json_body(resolved, text)
            resolved.body = expand(text, scope, json_mode=json_mode, origin=request.body)
            if (resolved.header("content-type") or "").lower().startswith("multipart/"):
                _multipart(resolved)
    return resolved


@dataclass(frozen=True)
class CompiledRequest:
    """A request read once for many sends (a load run): `render` gives what `render_request` would, with only
    the templates that change between sends expanded again (see `Compiled`)."""

    base: ResolvedRequest
    target: Compiled
    headers: tuple[tuple[str, Compiled], ...]
    body: Compiled | None

    def render(self, scope: Scope) -> ResolvedRequest:
        target = self.base.target
        if self.target.fresh:
            text = self.target.render(scope)
            target = _join_query(text).strip() if "\n" in text else text.strip()  # one line: _join_query strips
        headers = [
            (name, _header_value(name, value.render(scope)) if value.fresh else given)
            for (name, value), given in zip(self.headers, (v for _, v in self.base.headers), strict=True)
        ]
        resolved = ResolvedRequest.__new__(ResolvedRequest)  # a shallow copy (copy and replace are slower)
        resolved.__dict__.update(self.base.__dict__)
        resolved.target, resolved.headers = target, headers
        if self.body is not None and self.body.fresh:
            resolved.body = self.body.render(scope)
        return resolved


def compile_request(request: Request, scope: Scope) -> CompiledRequest | None:
    """`request` read for `CompiledRequest.render`, or None when it is one that must be rendered whole at every
    send (GraphQL, a file body, multipart, templates that change in a header's name, the rpc or a `@` line).
    Raises TemplateError as `render_request` does."""
    base = render_request(request, scope)
    if request.target is None or request.protocol == "graphql" or base.body_parts is not None:
        return None
    if (base.header("content-type") or "").lower().startswith("multipart/"):
        return None
    fixed = [h.name for h in request.headers] + [m.value for m in request.metadata]
    fixed += [request.rpc.text] if request.rpc is not None else []
    if any(compile_text(text, scope).fresh for text in fixed):
        return None
    headers = tuple(
        (name, compile_text(header.value.text, scope, origin=header.value))
        for (name, _), header in zip(base.headers, request.headers, strict=True)
    )
    body: Compiled | None = None
    if request.body is not None:
        json_mode = request.protocol in ("grpc", "mcp") or _is_json_body(base, request.body.text)
        body = compile_text(request.body.text, scope, json_mode=json_mode, origin=request.body)
    return CompiledRequest(base, compile_text(request.target.text, scope, origin=request.target), headers, body)


def _header_value(name: str, value: str) -> str:
    return _basic_credentials(value) if name.lower() == "authorization" else value


GRAPHQL_ACCEPT = "application/graphql-response+json, application/json;q=0.9"
"""What the GraphQL-over-HTTP spec has a client accept: its own media type first, JSON for older servers."""


def _graphql(resolved: ResolvedRequest, request: Request, scope: Scope) -> None:
    """The GraphQL request as it goes out: over HTTP, a POST of `{"query", "variables", "operationName"}` as
    JSON, or a GET with them in the query string; over WebSocket the same object is the `subscribe` payload,
    kept in `body`."""
    if request.body is None:
        raise TemplateError(f"`{request.name}` has no GraphQL document", request.info_range)
    query = expand(request.body.text, scope, origin=request.body)
    payload: dict[str, object] = {"query": query}
    if request.variables is not None:
        text = expand(request.variables.text, scope, json_mode=True, origin=request.variables)
        try:
            variables = json.loads(text)
        except ValueError as exc:
            raise TemplateError(f"the variables are not JSON: {exc}", request.variables.range) from None
        if not isinstance(variables, dict):
            raise TemplateError('the variables are a JSON object: `{"name": value}`', request.variables.range)
        payload["variables"] = variables
    chosen = request.graphql.operation(request.meta("operation")) if request.graphql else None
    operation = resolved.meta("operation") or (chosen.name if chosen else "")
    if operation:
        payload["operationName"] = operation
    resolved.graphql_kind = chosen.kind if chosen else "query"
    scheme = urlsplit(resolved.target).scheme.lower()
    if resolved.graphql_kind == "subscription" and scheme in ("http", "https"):
        if not request.subscribe_over_websocket:
            raise TemplateError(
                f"a subscription streams over GraphQL over WebSocket: give it a ws:// or wss:// URL "
                f"(this one is {resolved.target})",
                request.target.range if request.target else request.info_range,
            )
        resolved.target = "ws" + resolved.target[4:]
    body = json.dumps(payload, ensure_ascii=False)
    if urlsplit(resolved.target).scheme.lower() not in ("http", "https"):
        resolved.body = body
        return
    if resolved.header("accept") is None:
        resolved.headers.append(("Accept", GRAPHQL_ACCEPT))
    if resolved.method == "GET":
        parts = urlsplit(resolved.target)
        params = {k: v if isinstance(v, str) else json.dumps(v, ensure_ascii=False) for k, v in payload.items()}
        query_string = "&".join(filter(None, [parts.query, urlencode(params)]))
        resolved.target = urlunsplit(parts._replace(query=query_string))
        return
    if resolved.header("content-type") is None:
        resolved.headers.append(("Content-Type", "application/json"))
    resolved.body = body


def _multipart(request: ResolvedRequest) -> None:
    """Multipart bodies go out with CRLF line breaks; a `< ./file` line in one is that file's bytes (streamed),
    as REST Client and httpyac read it. A Content-Type without `boundary=` gets the body's first one."""
    assert request.body is not None
    lines = request.body.replace("\r\n", "\n").split("\n")
    content_type = request.header("content-type") or ""
    if "boundary=" not in content_type.lower():
        first = next((line for line in lines if line.startswith("--") and len(line) > 2), None)
        if first is None:
            raise TemplateError("a multipart body needs boundary lines (`--BOUNDARY` before each part)")
        boundary = first[2:].strip()
        request.headers = [
            (k, f"{v}; boundary={boundary}" if k.lower() == "content-type" else v) for k, v in request.headers
        ]
    if not any(line.startswith("< ") for line in lines):
        request.body = "\r\n".join(lines)
        return
    parts: list[str | Path] = []
    text: list[str] = []
    for line in lines:
        if line.startswith("< "):
            parts.append("\r\n".join(text) + "\r\n")
            parts.append(request.body_file(line[2:].strip()))
            text = [""]  # the line break after the file
        else:
            text.append(line)
    parts.append("\r\n".join(text))
    request.body, request.body_parts = None, parts


def render_message(block: MessageBlock, scope: Scope, protocol: str) -> str | bytes:
    """A message block with fresh template values (called at each send): text, or the bytes of a
    `message binary` block (base64, or hex with the `hex` attribute)."""
    text = block.body.text
    if block.binary:
        return decode_binary(expand(text, scope, origin=block.body), "hex" in block.attributes, block)
    json_mode = protocol == "grpc" or looks_like_json(text)
    return expand(text, scope, json_mode=json_mode, origin=block.body)


def decode_binary(text: str, hex_encoded: bool, block: MessageBlock | None = None) -> bytes:
    compact = "".join(text.split())
    try:
        return bytes.fromhex(compact) if hex_encoded else base64.b64decode(compact, validate=True)
    except (ValueError, binascii.Error):
        kind = "hex" if hex_encoded else "base64"
        raise TemplateError(
            f"a binary message holds {kind}, and this is not valid {kind}",
            block.body.range if block else None,
        ) from None


def _is_json_body(request: ResolvedRequest, text: str) -> bool:
    content_type = request.header("content-type")
    if content_type is not None:
        return "json" in content_type.lower()
    return looks_like_json(text)


def _basic_credentials(value: str) -> str:
    """`Basic user:password` is encoded as the scheme needs (base64 has no `:`, so an encoded value stays)."""
    scheme, _, credentials = value.partition(" ")
    if scheme.lower() != "basic" or ":" not in credentials:
        return value
    return f"{scheme} {base64.b64encode(credentials.strip().encode()).decode()}"


def fresh_headers(request: Request) -> frozenset[str]:
    """The headers holding a built-in or fake-data template (any `{{$...}}` but `$env.`), lower-cased."""
    return frozenset(
        header.name.strip().lower()
        for header in request.headers
        if any(t.expr.startswith("$") and not t.expr.startswith("$env.") for t in iter_templates(header.value.text))
    )


def _join_query(target: str) -> str:
    """Join `?`/`&` continuation lines onto the URL."""
    lines = [line.strip() for line in target.split("\n")]
    url = lines[0]
    for line in lines[1:]:
        if line.startswith("&") and "?" not in url:
            line = "?" + line[1:]
        elif line.startswith("?") and "?" in url:
            line = "&" + line[1:]
        url += line
    return url
