"""The code action "Fill with sample data": a complete message for a gRPC method's input type, with a Faker
template in every field chosen by its type and name."""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from voiden_lsp.document import Position, Range, Request, Span
from voiden_lsp.errors import VoidenError
from voiden_lsp.server.features.exports import convert_actions, copy_actions
from voiden_lsp.server.features.grpc_support import int_types, resolve_address
from voiden_lsp.server.features.history import actions as history_actions
from voiden_lsp.server.features.schemas import fetch_schema_with_progress
from voiden_lsp.server.features.sessions import command_actions
from voiden_lsp.server.server import VoidenServer, range_of
from voiden_lsp.templating.samples import BOOLEAN, INTEGER, NUMBER, Bare, render, string_template

if TYPE_CHECKING:
    from google.protobuf.descriptor import Descriptor, FieldDescriptor

    from voiden_lsp.schema import Schema

log = logging.getLogger(__name__)
TITLE = "Fill with sample data"
MAX_DEPTH = 4


def sample(message: Descriptor, depth: int = 0) -> dict[str, Any]:
    result: dict[str, Any] = {}
    filled_oneofs: set[str] = set()
    for field in message.fields:
        oneof = field.containing_oneof
        if oneof is not None:
            if oneof.name in filled_oneofs:
                continue
            filled_oneofs.add(oneof.name)
        value = _value(field, depth)
        if value is not None:
            result[field.json_name] = value
    return result


def _value(field: FieldDescriptor, depth: int) -> Any:
    single = _single(field, depth)
    if single is None:
        return None
    message = field.message_type
    if message is not None and message.GetOptions().map_entry:
        return {"key": _single(message.fields_by_name["value"], depth + 1)}
    return [single] if field.is_repeated else single


def _single(field: FieldDescriptor, depth: int) -> Any:
    message = field.message_type
    if message is not None:
        name = message.full_name
        if message.GetOptions().map_entry:
            return _single(message.fields_by_name["value"], depth + 1)
        if name == "google.protobuf.Timestamp":
            return "{{$isoTimestamp}}"
        if name == "google.protobuf.Duration":
            return "1.5s"
        if name in ("google.protobuf.Struct", "google.protobuf.Value", "google.protobuf.Any"):
            return {}
        if name.startswith("google.protobuf.") and name.endswith("Value"):
            return _single(message.fields_by_name["value"], depth + 1)
        if depth >= MAX_DEPTH:
            return None
        return sample(message, depth + 1)
    if field.enum_type is not None:
        values = [v.name for v in field.enum_type.values]
        return values[1] if len(values) > 1 else values[0]
    from google.protobuf.descriptor import FieldDescriptor

    kind = field.type
    if kind == FieldDescriptor.TYPE_BOOL:
        return Bare(BOOLEAN)
    if kind in int_types():
        return Bare(INTEGER)
    if kind in (FieldDescriptor.TYPE_DOUBLE, FieldDescriptor.TYPE_FLOAT):
        return Bare(NUMBER)
    if kind == FieldDescriptor.TYPE_BYTES:
        return "dm9pZGVu"
    lowered = field.name.lower()
    return string_template(lowered)


def _target_span(request: Request, pos: Position) -> tuple[Span | None, bool]:
    """The body or message block at `pos` (True: it is the request's body)."""
    for message in request.messages:
        if message.range.contains(pos):
            return message.body, False
    return request.body, True


async def actions(ls: VoidenServer, uri: str, where: types.Range) -> list[types.CodeAction]:
    doc = ls.document(uri)
    pos = Position(where.start.line, where.start.character)
    request = doc.request_at(pos)
    if request is None:
        owner = next((m.request for m in doc.messages if m.range.contains(pos)), None)
        request = doc.request(owner) if owner else None
    if request is not None and request.protocol == "graphql":
        return await _graphql_actions(ls, uri, request)
    if request is not None and request.protocol == "mcp":
        return await _mcp_actions(ls, uri, request, pos)
    if request is None or request.protocol != "grpc" or request.rpc is None:
        return []
    found = resolve_address(request, ls.scope(uri, request))
    if found is None:
        return []
    try:
        schema: Schema = await fetch_schema_with_progress(ls, *found)
        method = schema.method(request.rpc.text)
    except VoidenError as exc:
        log.info("no sample data: %s", exc.message)
        return []
    text = render(sample(method.input))
    span, is_body = _target_span(request, pos)
    if span is not None and span.text:
        edit_range = range_of(span.range)
        new_text = text
    elif is_body:
        end = request.range.end.line  # the closing fence: insert a blank line and the body before it
        edit_range = range_of(Range.of(end, 0))
        new_text = "\n" + text + "\n"
    else:
        edit_range = range_of(span.range) if span is not None else range_of(Range.of(pos.line, 0))
        new_text = text + "\n"
    edit = types.WorkspaceEdit(changes={uri: [types.TextEdit(range=edit_range, new_text=new_text)]})
    return [
        types.CodeAction(title=f"{TITLE} ({method.input.name})", kind=types.CodeActionKind.RefactorRewrite, edit=edit)
    ]


async def _mcp_actions(ls: VoidenServer, uri: str, request: Request, pos: Position) -> list[types.CodeAction]:
    """The arguments of a tool (or prompt) from its schema in the server's catalog."""
    from voiden_lsp.server.features import mcp_support

    operation, name = mcp_support.operation_of(request)
    if not name or not ls.settings.trusted:
        return []
    try:
        catalog = await mcp_support.fetch_catalog(ls, request, uri)
    except VoidenError as exc:
        log.info("no sample arguments: %s", exc.message)
        return []
    schema = catalog.input_schema(operation, name)
    if schema is None:
        return []
    text = render(mcp_support.sample_arguments(schema, string_template))
    span = request.body
    if span is not None and span.text:
        edit = types.TextEdit(range=range_of(span.range), new_text=text)
    else:
        edit = types.TextEdit(range=range_of(Range.of(request.range.end.line, 0)), new_text="\n" + text + "\n")
    return [
        types.CodeAction(
            title=f"{TITLE} (arguments of {name})",
            kind=types.CodeActionKind.RefactorRewrite,
            edit=types.WorkspaceEdit(changes={uri: [edit]}),
        )
    ]


_GRAPHQL_SCALARS = {
    "Int": Bare(INTEGER),
    "Float": Bare(NUMBER),
    "Boolean": Bare(BOOLEAN),
}


def graphql_sample(schema: Any, written: str, name: str, depth: int = 0) -> Any:
    """A value for a GraphQL input type written as `[ID!]!`: Faker by type and name (as for gRPC fields),
    enum values and input objects from the schema when there is one."""
    written = written.strip().rstrip("!")
    if written.startswith("[") and written.endswith("]"):
        one = name[:-1] if name.endswith("s") and len(name) > 1 else name  # `names` holds a name each
        return [graphql_sample(schema, written[1:-1], one, depth)]
    if written in _GRAPHQL_SCALARS:
        return _GRAPHQL_SCALARS[written]
    kind = schema.get_type(written) if schema is not None else None
    from graphql import GraphQLEnumType, GraphQLInputObjectType

    if isinstance(kind, GraphQLEnumType):
        return next(iter(kind.values), "")
    if isinstance(kind, GraphQLInputObjectType):
        if depth >= MAX_DEPTH:
            return {}
        from voiden_lsp.schema.graphql import type_text

        return {key: graphql_sample(schema, type_text(f.type), key, depth + 1) for key, f in kind.fields.items()}
    lowered = name.lower()
    if written == "ID" and not re.search(r"code|key|slug", lowered):
        return "{{$uuid}}"
    if re.search(r"date|time", written.lower()):
        return "{{$isoTimestamp}}"
    return string_template(lowered)


async def _graphql_actions(ls: VoidenServer, uri: str, request: Request) -> list[types.CodeAction]:
    """The `variables` block for the operation's variables, written or rewritten."""
    operation = request.graphql.operation(request.meta("operation")) if request.graphql else None
    if operation is None or not operation.variables:
        return []
    schema = None
    if ls.settings.trusted:
        from voiden_lsp.server.features.graphql_support import fetch_graphql_schema

        try:
            schema = await fetch_graphql_schema(ls, request, uri)
        except VoidenError as exc:
            log.info("sample variables without a schema: %s", exc.message)
    text = render({v.name: graphql_sample(schema, v.type, v.name) for v in operation.variables})
    if request.variables is not None:
        edit = types.TextEdit(range=range_of(request.variables.range), new_text=text)
    else:
        fence = request.range.end.line  # the request's closing fence: the block goes below it
        line = ls.document(uri).text.splitlines()[fence] if fence < len(ls.document(uri).text.splitlines()) else ""
        edit = types.TextEdit(range=range_of(Range.of(fence, len(line))), new_text=f"\n\n```variables\n{text}\n```")
    title = f"{TITLE} (variables of {operation.name or 'the ' + operation.kind})"
    return [
        types.CodeAction(
            title=title,
            kind=types.CodeActionKind.RefactorRewrite,
            edit=types.WorkspaceEdit(changes={uri: [edit]}),
        )
    ]


def register(server: VoidenServer) -> None:
    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.RefactorRewrite]),
    )
    async def code_action(ls: VoidenServer, params: types.CodeActionParams) -> list[types.Command | types.CodeAction]:
        try:
            await ls.document_async(params.text_document.uri)
            uri = params.text_document.uri
            return [
                *command_actions(ls, uri, params.range),
                *await actions(ls, uri, params.range),
                *copy_actions(ls, uri, params.range),
                *history_actions(ls, uri, params.range),
                *convert_actions(ls, uri, params.range),
            ]
        except Exception:
            log.exception("code action failed")
            return []
