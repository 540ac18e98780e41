"""Completion: protocol words, metadata keys, methods, headers, variables, Faker providers, and from the live
gRPC schema services, methods, JSON fields and enum values."""

from __future__ import annotations

import asyncio
import logging
import re
from typing import TYPE_CHECKING

from lsprotocol import types
from pygls.capabilities import get_capability

from voiden_lsp.document import METADATA_KEYS, Document, Position, Request, Span
from voiden_lsp.document.jsonpos import cursor_context
from voiden_lsp.document.reading import MCP_OPERATIONS
from voiden_lsp.errors import VoidenError
from voiden_lsp.server.features import expect_assist, mcp_support
from voiden_lsp.server.features.graphql_support import completion_items, fetch_graphql_schema
from voiden_lsp.server.features.grpc_support import resolve_address
from voiden_lsp.server.features.schemas import fetch_schema_with_progress
from voiden_lsp.server.server import VoidenServer
from voiden_lsp.templating import mask_secrets, to_text
from voiden_lsp.templating.fakes import FAKERJS, POSTMAN, dynamic_value, fake_value, python_providers

if TYPE_CHECKING:
    from google.protobuf.descriptor import Descriptor

    from voiden_lsp.schema import Schema
    from voiden_lsp.transports.mcp_catalog import Catalog

log = logging.getLogger(__name__)
SCHEMA_WAIT_SECONDS = 5.0
PROTOCOL_WORDS = {
    "http": "an HTTP request",
    "sse": "a Server-Sent Events stream",
    "ws": "a WebSocket session",
    "grpc": "a gRPC call",
    "socketio": "a Socket.IO session",
    "graphql": "a GraphQL query, mutation or subscription",
    "variables": "the variables of the graphql request above",
    "message": "a message to send on the request above",
    "expect": "what the request above must do, a line each (`status == 200`): its tests",
}
HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
HEADERS = {
    "Accept": ["application/json", "text/plain", "*/*", "text/event-stream"],
    "Authorization": ["Bearer {{token}}", "Basic {{credentials}}"],
    "Cache-Control": ["no-cache", "no-store", "max-age=0"],
    "Content-Type": [
        "application/json",
        "application/x-www-form-urlencoded",
        "text/plain",
        "application/xml",
        "multipart/form-data",
        "application/octet-stream",
    ],
    "Cookie": [],
    "If-None-Match": [],
    "Origin": [],
    "User-Agent": ["voiden"],
    "X-Request-Id": ["{{$uuid}}"],
}


def _items(labels: list[tuple[str, str]], kind: types.CompletionItemKind) -> list[types.CompletionItem]:
    return [types.CompletionItem(label=label, detail=detail, kind=kind) for label, detail in labels]


async def complete(ls: VoidenServer, uri: str, position: types.Position) -> list[types.CompletionItem]:
    doc = ls.document(uri)
    line_text = doc.text.splitlines()[position.line] if position.line < len(doc.text.splitlines()) else ""
    before = line_text[: position.character]
    pos = Position(position.line, position.character)
    if re.match(r"^\s*(```|~~~)\w*$", before):
        return _protocol_items(ls)
    block = expect_assist.block_at(doc, pos)
    if block is not None and not uri.endswith(".void"):
        return expect_assist.complete(ls, uri, doc, block, before)
    request = doc.request_at(pos) or _owner_of_message(doc, pos)
    variables_of = next((r for r in doc.requests if r.variables is not None and r.variables.range.contains(pos)), None)
    request = request or variables_of
    opened = before.rfind("{{")
    typed = before[opened + 2 :] if opened != -1 else ""
    if opened != -1 and "{" not in typed and "}" not in typed:  # inside an open `{{`
        return _template_items(ls, uri, request, typed.lstrip())
    if request is None:
        return []
    if variables_of is not None:
        typed_key = re.search(r'"?[_A-Za-z0-9]*$', before)
        start = typed_key.start() if typed_key else position.character
        where = types.Range(types.Position(position.line, start), position)
        return _variable_names(variables_of, where)
    if before.lstrip().startswith("@") and (request.body is None or pos.line < request.body.range.start.line):
        return _items(
            [
                (f"@{k}", f"{kind} value") if before.lstrip() == "@" else (k, f"{kind} value")
                for k, (protocols, kind) in METADATA_KEYS.items()
                if request.protocol in protocols
            ],
            types.CompletionItemKind.Property,
        )
    body_span = _body_at(doc, request, pos)
    if body_span is not None:
        if request.protocol == "grpc":
            return await _json_items(ls, uri, request, body_span, pos)
        if request.protocol == "graphql" and not any(m.body is body_span for m in request.messages):
            return await _graphql_items(ls, uri, request, body_span, pos)
        if request.protocol == "mcp":
            return await _mcp_argument_items(ls, uri, request, body_span, pos)
        return []
    request_line = request.request_line_range.start.line if request.request_line_range else None
    if request_line is None or pos.line == request_line:
        if (
            request.protocol == "grpc"
            and request.target is not None
            and pos.character > request.target.range.end.character
        ):
            return await _rpc_items(ls, uri, request, _word_range(line_text, position))
        if (
            request.protocol == "mcp"
            and request.target is not None
            and pos.character > request.target.range.end.character
        ):
            return await _mcp_line_items(ls, uri, request, before, _word_range(line_text, position))
        if request.protocol in ("http", "sse") and re.fullmatch(r"\s*[A-Z]*", before):
            return _items([(m, "HTTP method") for m in HTTP_METHODS], types.CompletionItemKind.Keyword)
        return []
    if pos.line > request_line:
        name, colon, _ = before.partition(":")
        if not colon:
            return _items([(h, "header") for h in HEADERS], types.CompletionItemKind.Field)
        values = HEADERS.get(name.strip(), [])
        return _items([(v, f"{name.strip()} value") for v in values], types.CompletionItemKind.Value)
    return []


#: What a protocol word's snippet writes below the fence (clients with snippet support).
SNIPPETS = {
    "http": "http name=${1:request}\n${2|GET,POST,PUT,PATCH,DELETE|} ${3:{{base_url\\}\\}/path}\n$0",
    "sse": "sse name=${1:events}\n${2:{{base_url\\}\\}/events}\n$0",
    "ws": "ws name=${1:session}\n${2:ws://127.0.0.1:8765/path}\n\n$0",
    "grpc": "grpc name=${1:call}\n${2:grpc://127.0.0.1:50051} ${3:package.Service/Method}\n\n{$0}",
    "socketio": "socketio name=${1:session}\n${2:http://127.0.0.1:3000}\n$0",
    "graphql": "graphql name=${1:query}\nPOST ${2:{{base_url\\}\\}/graphql}\n\n${3:query} {\n  $0\n}",
    "variables": "variables\n{$0}",
    "message": "message\n$0",
    "expect": "expect\n${1:status == 200}\n$0",
}


def _protocol_items(ls: VoidenServer) -> list[types.CompletionItem]:
    snippets = get_capability(ls.client_capabilities, "text_document.completion.completion_item.snippet_support", False)
    items = []
    for word, detail in PROTOCOL_WORDS.items():
        item = types.CompletionItem(label=word, detail=detail, kind=types.CompletionItemKind.Keyword)
        if snippets:
            item.insert_text, item.insert_text_format = SNIPPETS[word], types.InsertTextFormat.Snippet
        items.append(item)
    return items


def _owner_of_message(doc: Document, pos: Position) -> Request | None:
    for message in doc.messages:
        if message.range.contains(pos) and message.request is not None:
            return doc.request(message.request)
    return None


def _body_at(doc: Document, request: Request, pos: Position) -> Span | None:
    for message in request.messages:
        if message.range.start.line < pos.line < message.range.end.line:
            return message.body
    if request.body is not None and request.body.range.start.line <= pos.line <= request.body.range.end.line:
        return request.body
    if request.body is None and request.request_line_range is not None:
        # an empty body being started right under the headers
        last_header = max([h.range.end.line for h in request.headers], default=request.request_line_range.end.line)
        if pos.line > last_header + 1 and pos.line < request.range.end.line:
            return Span("", request.range)
    return None


def _template_items(ls: VoidenServer, uri: str, request: Request | None, typed: str) -> list[types.CompletionItem]:
    scope = ls.scope(uri, request)
    items: list[types.CompletionItem] = []
    if typed.startswith("$faker."):
        for name in sorted(python_providers()):
            items.append(
                types.CompletionItem(
                    label=f"$faker.{name}",
                    kind=types.CompletionItemKind.Function,
                    detail="Faker provider",
                    insert_text=f"$faker.{name}",
                    data=f"fake:{name}",
                )
            )
        for name in sorted(FAKERJS):
            items.append(
                types.CompletionItem(
                    label=f"$faker.{name}()",
                    kind=types.CompletionItemKind.Function,
                    detail="faker.js spelling",
                    insert_text=f"$faker.{name}()",
                    data=f"fake:{name}",
                )
            )
        return items
    for name, (layer, value) in sorted(scope.names().items()):
        if layer == "process environment":
            continue
        shown = mask_secrets(to_text(value), scope.secrets)
        items.append(
            types.CompletionItem(label=name, kind=types.CompletionItemKind.Variable, detail=f"{layer}: {shown[:60]}")
        )
    for name in sorted(POSTMAN):
        items.append(
            types.CompletionItem(
                label=f"${name}",
                kind=types.CompletionItemKind.Constant,
                detail="dynamic variable",
                data=f"dynamic:{name}",
            )
        )
    items.append(
        types.CompletionItem(
            label="$faker.",
            kind=types.CompletionItemKind.Module,
            detail="Faker provider",
            command=types.Command("", "editor.action.triggerSuggest"),
        )
    )
    items.append(
        types.CompletionItem(label="$env.", kind=types.CompletionItemKind.Module, detail="process environment")
    )
    return items


async def _schema(ls: VoidenServer, uri: str, request: Request) -> Schema | None:
    found = resolve_address(request, ls.scope(uri, request))
    if found is None or not ls.settings.trusted:
        return None
    try:
        return await asyncio.wait_for(fetch_schema_with_progress(ls, *found), SCHEMA_WAIT_SECONDS)
    except (VoidenError, TimeoutError) as exc:
        log.info("no schema for completion: %s", getattr(exc, "message", exc))
        return None


async def _graphql_items(
    ls: VoidenServer, uri: str, request: Request, body: Span, pos: Position
) -> list[types.CompletionItem]:
    schema = None
    if ls.settings.trusted and request.target is not None:
        try:
            schema = await asyncio.wait_for(fetch_graphql_schema(ls, request, uri), SCHEMA_WAIT_SECONDS)
        except (VoidenError, TimeoutError) as exc:
            log.info("no GraphQL schema for completion: %s", getattr(exc, "message", exc))
    return completion_items(schema, body.text, body.offset_at(pos) if body.text else 0)


def _variable_names(request: Request, where: types.Range) -> list[types.CompletionItem]:
    """In a variables block: the operation's variables not given yet, as JSON keys, with their types."""
    operation = request.graphql.operation(request.meta("operation")) if request.graphql else None
    if operation is None or request.variables is None:
        return []
    given = set(re.findall(r'"([^"\\]+)"\s*:', request.variables.text))
    return [
        types.CompletionItem(
            label=variable.name,
            kind=types.CompletionItemKind.Variable,
            detail=variable.type,
            filter_text=f'"{variable.name}"',
            text_edit=types.TextEdit(where, f'"{variable.name}": '),
        )
        for variable in operation.variables
        if variable.name not in given
    ]


def _word_range(line_text: str, position: types.Position) -> types.Range:
    """The run of non-blank characters around the cursor: what a method completion replaces. A client's own
    idea of a word stops at `.` or `/` (Emacs, Helix), and would filter `pkg.Service/Method` by `Service/`."""
    start = position.character
    while start > 0 and not line_text[start - 1].isspace():
        start -= 1
    end = position.character
    while end < len(line_text) and not line_text[end].isspace():
        end += 1
    return types.Range(types.Position(position.line, start), types.Position(position.line, end))


async def _rpc_items(ls: VoidenServer, uri: str, request: Request, word: types.Range) -> list[types.CompletionItem]:
    schema = await _schema(ls, uri, request)
    if schema is None:
        return []
    items = []
    for service in schema.services():
        for method in schema.methods(service):
            signature = f"{method.kind}: {method.input.name} → {method.output.name}"
            label = f"{service}/{method.name}"
            items.append(
                types.CompletionItem(
                    label=label,
                    kind=types.CompletionItemKind.Method,
                    detail=signature,
                    text_edit=types.TextEdit(word, label),
                )
            )
    return items


async def _mcp_catalog(ls: VoidenServer, uri: str, request: Request) -> Catalog | None:
    try:
        return await asyncio.wait_for(mcp_support.fetch_catalog(ls, request, uri), SCHEMA_WAIT_SECONDS)
    except (VoidenError, TimeoutError) as exc:
        log.info("no MCP catalog for completion: %s", getattr(exc, "message", exc))
        return None


async def _mcp_line_items(
    ls: VoidenServer, uri: str, request: Request, before: str, word: types.Range
) -> list[types.CompletionItem]:
    """After the URL: the operations; after an operation that takes one, the server's names."""
    assert request.target is not None
    words = before[request.target.range.end.character :].split()
    typing = bool(words) and not before.endswith((" ", "\t"))
    done = words[:-1] if typing else words
    if not done:
        return _items([(o, "MCP operation") for o in MCP_OPERATIONS], types.CompletionItemKind.Method)
    if len(done) == 1 and MCP_OPERATIONS.get(done[0]):
        catalog = await _mcp_catalog(ls, uri, request)
        return mcp_support.name_items(catalog, done[0], word) if catalog is not None else []
    return []


async def _mcp_argument_items(
    ls: VoidenServer, uri: str, request: Request, span: Span, pos: Position
) -> list[types.CompletionItem]:
    operation, name = mcp_support.operation_of(request)
    if not name:
        return []
    catalog = await _mcp_catalog(ls, uri, request)
    schema = catalog.input_schema(operation, name) if catalog is not None else None
    if schema is None:
        return []
    context = cursor_context(span.text, span.offset_at(pos)) if span.text else None
    if context is None:
        return []
    return mcp_support.argument_items(schema, list(context.path), context.in_key, context.key)


async def _json_items(
    ls: VoidenServer, uri: str, request: Request, span: Span, pos: Position
) -> list[types.CompletionItem]:
    schema = await _schema(ls, uri, request)
    if schema is None or request.rpc is None:
        return []
    try:
        method = schema.method(request.rpc.text)
    except VoidenError:
        return []
    offset = span.offset_at(pos)
    context = cursor_context(span.text, offset) if span.text else None
    message: Descriptor | None = method.input
    if context is None:
        snippet = get_capability(
            ls.client_capabilities, "text_document.completion.completion_item.snippet_support", False
        )
        skeleton = "{" + ", ".join(f'"{f.json_name}": ' for f in schema.fields(method.input)[:1]) + "}"
        return [
            types.CompletionItem(
                label="{…}",
                detail=schema.describe(method.input),
                insert_text=skeleton if not snippet else skeleton.replace(": }", ": $1}"),
                insert_text_format=types.InsertTextFormat.Snippet if snippet else None,
                kind=types.CompletionItemKind.Struct,
            )
        ]
    for key in context.path:
        if message is None or not isinstance(key, str):
            continue
        field = schema.field(message, key)
        message = field.descriptor.message_type if field is not None else None
    if message is None:
        return []
    if context.in_key:
        return [
            types.CompletionItem(
                label=f.json_name,
                kind=types.CompletionItemKind.Field,
                detail=f"{'repeated ' if f.repeated and not f.map else ''}{f.type_name}"
                + (f" (oneof {f.oneof})" if f.oneof else ""),
            )
            for f in schema.fields(message)
        ]
    if context.key is not None:
        field = schema.field(message, context.key)
        if field is not None and field.descriptor.enum_type is not None:
            return [
                types.CompletionItem(
                    label=v.name, kind=types.CompletionItemKind.EnumMember, detail=field.descriptor.enum_type.full_name
                )
                for v in field.descriptor.enum_type.values
            ]
    return []


def resolve(item: types.CompletionItem) -> types.CompletionItem:
    """A fresh sample for a fake-data item, made only when the editor shows the item's details."""
    kind, _, name = str(item.data or "").partition(":")
    try:
        if kind == "fake":
            value = fake_value(name, [], {}, None)
        elif kind == "dynamic":
            value = dynamic_value(name, [], None)
        else:
            return item
        item.documentation = types.MarkupContent(
            kind=types.MarkupKind.Markdown, value=f"A sample: `{to_text(value)}` (fresh at every send)"
        )
    except VoidenError as exc:  # providers that need arguments
        item.documentation = exc.message
    return item


def register(server: VoidenServer) -> None:
    @server.feature(types.COMPLETION_ITEM_RESOLVE)
    def on_resolve(ls: VoidenServer, item: types.CompletionItem) -> types.CompletionItem:
        try:
            return resolve(item)
        except Exception:
            log.exception("completion resolve failed")
            return item

    @server.feature(
        types.TEXT_DOCUMENT_COMPLETION,
        types.CompletionOptions(trigger_characters=["{", "$", ".", "@", '"', "/", " ", "`"], resolve_provider=True),
    )
    async def completion(ls: VoidenServer, params: types.CompletionParams) -> types.CompletionList:
        try:
            await ls.document_async(params.text_document.uri)
            items = await complete(ls, params.text_document.uri, params.position)
        except Exception:
            log.exception("completion failed")
            items = []
        return types.CompletionList(is_incomplete=False, items=items)
