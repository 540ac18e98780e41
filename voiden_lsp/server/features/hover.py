"""Hover: a variable's value and where it comes from, fake data with a fresh sample, a gRPC method's
signature with its messages, a JSON field's type."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from lsprotocol import types

from voiden_lsp.document import Position, Request, Span
from voiden_lsp.document.jsonpos import cursor_context
from voiden_lsp.errors import VoidenError
from voiden_lsp.server.features import expect_assist
from voiden_lsp.server.features.graphql_support import cached_graphql_schema
from voiden_lsp.server.features.grpc_support import cached_schema
from voiden_lsp.server.server import VoidenServer, range_of
from voiden_lsp.templating import Scope, evaluate, mask_secrets, template_at, to_text

if TYPE_CHECKING:
    from google.protobuf.descriptor import Descriptor

    from voiden_lsp.schema import Schema

log = logging.getLogger(__name__)


def describe_message(schema: Schema, message: Descriptor) -> str:
    """A message as proto text, one level deep."""
    lines = [f"message {message.name} {{"]
    for field in schema.fields(message):
        label = "repeated " if field.repeated and not field.map else ""
        oneof = f"  // oneof {field.oneof}" if field.oneof else ""
        lines.append(f"  {label}{field.type_name} {field.name} = {field.descriptor.number};{oneof}")
    lines.append("}")
    return "\n".join(lines)


def _template_hover(span: Span, pos: Position, scope: Scope) -> types.Hover | None:
    template = template_at(span, pos)
    if template is not None and len(template.expr) <= 1000:
        where = span.range_at(template.start, template.end)
        expr = template.expr
        if expr.startswith("$"):
            try:
                value = to_text(evaluate(expr, scope))
                sample = mask_secrets(value, scope.secrets)  # masked first, then cut: no half secrets
                sample = sample if len(sample) <= 200 else sample[:199] + "…"
                text = f"`{expr}`: fake or built-in data, fresh at every send.\n\nA sample: `{sample}`"
            except VoidenError as exc:
                text = f"`{expr}`: {exc.message}"
        else:
            hit = scope.lookup(expr)
            if hit is None:
                text = f"`{expr}` is not defined (front matter `vars`, voiden.toml, .env, or --var)"
            else:
                layer, value = hit
                shown = mask_secrets(to_text(value), scope.secrets)
                shown = shown if len(shown) <= 200 else shown[:199] + "…"
                text = f"`{expr}` = `{shown}`\n\nfrom {layer}"
        return types.Hover(
            contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=text), range=range_of(where)
        )
    return None


def _grpc_hover(request: Request, pos: Position, schema: Schema) -> types.Hover | None:
    if request.rpc is None:
        return None
    try:
        method = schema.method(request.rpc.text)
    except VoidenError as exc:
        if request.rpc.range.contains(pos):
            return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=exc.message))
        return None
    if request.rpc.range.contains(pos):
        stream_in = "stream " if method.client_streaming else ""
        stream_out = "stream " if method.server_streaming else ""
        if method.input.full_name == method.output.full_name:
            messages = f"// request and response\n{describe_message(schema, method.input)}"
        else:
            messages = (
                f"// request\n{describe_message(schema, method.input)}\n\n"
                f"// response\n{describe_message(schema, method.output)}"
            )
        text = (
            f"```proto\nrpc {method.name}({stream_in}{method.input.full_name}) returns "
            f"({stream_out}{method.output.full_name});\n```\n{method.kind}\n\n```proto\n{messages}\n```"
        )
        return types.Hover(
            contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=text), range=range_of(request.rpc.range)
        )
    spans = [request.body, *(m.body for m in request.messages)]
    for span in spans:
        if span is None or not (span.range.start <= pos <= span.range.end):
            continue
        line = span.text.split("\n")[pos.line - span.range.start.line] if span.text else ""
        start = span.line_starts[pos.line - span.range.start.line] if span.line_starts else span.range.start
        column = pos.character - start.character
        key = _key_at(line, column)
        if key is None:
            return None
        offset = sum(len(x) + 1 for x in span.text.split("\n")[: pos.line - span.range.start.line]) + line.index(key)
        context = cursor_context(span.text, offset)
        message: Descriptor | None = method.input
        for part in context.path if context else []:
            field = schema.field(message, part) if message is not None and isinstance(part, str) else None
            message = field.descriptor.message_type if field is not None else None
        field = schema.field(message, key) if message is not None else None
        if field is None:
            return None
        detail = f"`{field.json_name}`: {'repeated ' if field.repeated and not field.map else ''}`{field.type_name}`"
        if field.descriptor.enum_type is not None:
            detail += "\n\none of " + ", ".join(f"`{v.name}`" for v in field.descriptor.enum_type.values)
        if field.descriptor.message_type is not None and not field.map:
            detail += f"\n\n```proto\n{describe_message(schema, field.descriptor.message_type)}\n```"
        return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=detail))
    return None


def _key_at(line: str, column: int) -> str | None:
    """The quoted key under the cursor, if any."""
    for start in range(len(line)):
        if line[start] != '"':
            continue
        end = line.find('"', start + 1)
        if end == -1:
            return None
        if start <= column <= end and line[end + 1 :].lstrip().startswith(":"):
            return line[start + 1 : end]
    return None


def hover(ls: VoidenServer, uri: str, position: types.Position) -> types.Hover | None:
    doc = ls.document(uri)
    pos = Position(position.line, position.character)
    if expect_assist.block_at(doc, pos) is not None:
        text = expect_assist.hover(ls, uri, doc, pos)
        return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=text)) if text else None
    request = doc.request_at(pos)
    if request is None:
        owner = next((m.request for m in doc.messages if m.range.contains(pos)), None)
        request = doc.request(owner) if owner else None
    if request is None:
        return None
    scope = ls.scope(uri, request)
    spans = [request.target, request.rpc, request.body, *(h.value for h in request.headers)]
    spans += [m.body for m in request.messages]
    for span in spans:
        if span is not None:
            found = _template_hover(span, pos, scope)
            if found is not None:
                return found
    if request.protocol == "grpc":
        schema = cached_schema(request, scope)
        if schema is not None:
            return _grpc_hover(request, pos, schema)
    if request.protocol == "graphql" and request.body is not None and request.body.range.contains(pos):
        graphql_schema = cached_graphql_schema(request, scope)
        if graphql_schema is not None:
            from voiden_lsp.schema.graphql import describe

            text = describe(graphql_schema, request.body.text, request.body.offset_at(pos))
            if text:
                return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=text))
    return None


def register(server: VoidenServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_HOVER)
    async def on_hover(ls: VoidenServer, params: types.HoverParams) -> types.Hover | None:
        try:
            await ls.document_async(params.text_document.uri)
            return hover(ls, params.text_document.uri, params.position)
        except Exception:
            log.exception("hover failed")
            return None
