"""What the gRPC-aware features share: a request's address and schema key without rendering its body, and
JSON bodies checked against message types."""

from __future__ import annotations

import difflib
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from voiden_lsp.document import Request
from voiden_lsp.document.jsonpos import JsonNode, JsonPositionError, blank_templates, parse_with_positions
from voiden_lsp.errors import VoidenError
from voiden_lsp.templating import ResolvedRequest, Scope, expand, find_templates, fresh_headers

if TYPE_CHECKING:  # grpc and protobuf load on first use: the server must start fast
    from google.protobuf.descriptor import Descriptor, FieldDescriptor

    from voiden_lsp.schema import Schema
    from voiden_lsp.templating.targets import Target

_STRING_LIKE = {"google.protobuf.Timestamp", "google.protobuf.Duration", "google.protobuf.FieldMask"}
_ANY_VALUE = {"google.protobuf.Value", "google.protobuf.Struct", "google.protobuf.Any", "google.protobuf.ListValue"}


@cache
def int_types() -> frozenset[int]:
    from google.protobuf.descriptor import FieldDescriptor as F

    return frozenset(
        {
            F.TYPE_INT32,
            F.TYPE_INT64,
            F.TYPE_UINT32,
            F.TYPE_UINT64,
            F.TYPE_SINT32,
            F.TYPE_SINT64,
            F.TYPE_FIXED32,
            F.TYPE_FIXED64,
            F.TYPE_SFIXED32,
            F.TYPE_SFIXED64,
        }
    )


def resolve_address(request: Request, scope: Scope) -> tuple[ResolvedRequest, Target] | None:
    """The request's address, method and headers expanded (not its body: no fake data is made)."""
    if request.protocol != "grpc" or request.target is None:
        return None
    from voiden_lsp.templating.targets import parse_target

    try:
        resolved = expanded_head(request, scope)
        resolved.rpc = expand(request.rpc.text, scope).strip() if request.rpc else ""
        return resolved, parse_target(resolved)
    except VoidenError:
        return None


def expanded_head(request: Request, scope: Scope) -> ResolvedRequest:
    """The request's target, header lines and `@` lines expanded, for the features that read its schema.
    Raises VoidenError when a template there cannot be expanded."""
    assert request.target is not None
    resolved = ResolvedRequest(
        name=request.name,
        protocol=request.protocol,
        target=expand(request.target.text, scope).strip(),
        headers=[(expand(h.name, scope), expand(h.value.text, scope)) for h in request.headers],
        base_dir=scope.base_dir,
        root=scope.root,
        fresh_headers=fresh_headers(request),
    )
    for item in request.metadata:
        resolved.metadata.setdefault(item.key, []).append(expand(item.value, scope))
    return resolved


def resolved_head(request: Request, scope: Scope, protocol: str) -> ResolvedRequest | None:
    """A `protocol` request's URL, header lines and `@` lines expanded, `@insecure` applied (not its body: no
    fake data is made); None when it is not one or a template there cannot be expanded."""
    if request.protocol != protocol or request.target is None:
        return None
    try:
        resolved = expanded_head(request, scope)
    except VoidenError:
        return None
    resolved.insecure = "insecure" in resolved.metadata
    return resolved


def cached_schema(request: Request, scope: Scope) -> Schema | None:
    """The schema already fetched for the request's address, if any. Diagnostics call this in a worker
    thread: it never imports the gRPC modules (the event loop's thread may be importing them at that
    moment, and a second importer sees a partially initialised module); before they are loaded no schema
    can have been fetched anyway."""
    module = sys.modules.get("voiden_lsp.transports.grpc_reflection")
    schemas = getattr(module, "SCHEMAS", None)  # absent while the module is still being initialised
    if schemas is None:
        return None
    found = resolve_address(request, scope)
    return schemas.cached(*found) if found is not None else None


@dataclass
class JsonProblem:
    message: str
    start: int
    end: int
    severity: str = "error"


def check_json(text: str, schema: Schema | None = None, message: Descriptor | None = None) -> list[JsonProblem]:
    """Syntax, then (with a message type) unknown fields, wrong value types and bad enum values."""
    try:
        node = parse_with_positions(blank_templates(text))
    except JsonPositionError as exc:
        at = min(exc.offset, max(len(text) - 1, 0))
        return [JsonProblem(f"invalid JSON: {exc}", at, min(at + 1, len(text)))]
    if schema is None or message is None:
        return []
    templates = [(t.start, t.end) for t in find_templates(text)]
    return list(_check_message(node, message, schema, templates))


def _check_message(
    node: JsonNode, message: Descriptor, schema: Schema, templates: list[tuple[int, int]]
) -> Iterator[JsonProblem]:
    if message.full_name in _ANY_VALUE or (node.templated(templates) and not node.members):
        return
    if not isinstance(node.value, dict):
        yield JsonProblem(f"`{message.name}` is a message: write a JSON object", node.start, node.end)
        return
    for key, (key_start, key_end, value) in node.members.items():
        field = schema.field(message, key)
        if field is None:
            names = [f.json_name for f in message.fields]
            candidates = list(dict.fromkeys([*names, *(f.name for f in message.fields)]))  # json = proto names often
            close = difflib.get_close_matches(key, candidates, n=3, cutoff=0.6)
            hint = (
                f"; did you mean {', '.join(f'`{c}`' for c in close)}?" if close else f" (fields: {', '.join(names)})"
            )
            yield JsonProblem(f"`{message.name}` has no field `{key}`{hint}", key_start, key_end)
            continue
        yield from _check_value(value, field.descriptor, schema, templates, repeated=field.repeated and not field.map)


def _check_value(
    node: JsonNode, field: FieldDescriptor, schema: Schema, templates: list[tuple[int, int]], *, repeated: bool
) -> Iterator[JsonProblem]:
    from google.protobuf.descriptor import FieldDescriptor

    if node.value is None or (node.templated(templates) and not node.members and not node.items):
        return
    if repeated:
        if not isinstance(node.value, list):
            yield JsonProblem(f"`{field.json_name}` is repeated: write a JSON list", node.start, node.end)
            return
        for item in node.items:
            yield from _check_value(item, field, schema, templates, repeated=False)
        return
    message = field.message_type
    if message is not None:
        if message.GetOptions().map_entry:
            if not isinstance(node.value, dict):
                yield JsonProblem(f"`{field.json_name}` is a map: write a JSON object", node.start, node.end)
            return
        if message.full_name in _STRING_LIKE:
            if not isinstance(node.value, str):
                yield JsonProblem(
                    f"`{field.json_name}` is a {message.name}: write it as a string", node.start, node.end
                )
            return
        if message.full_name.startswith("google.protobuf.") and message.name.endswith("Value"):
            return  # wrappers take the bare value
        yield from _check_message(node, message, schema, templates)
        return
    if field.enum_type is not None:
        names = [v.name for v in field.enum_type.values]
        if (isinstance(node.value, str) and node.value not in names) or not isinstance(node.value, str | int):
            yield JsonProblem(
                f"`{field.json_name}` is the enum {field.enum_type.name}: one of {', '.join(names)}",
                node.start,
                node.end,
            )
        return
    value = node.value
    kind = field.type
    if kind == FieldDescriptor.TYPE_BOOL:
        ok = isinstance(value, bool)
    elif kind in (FieldDescriptor.TYPE_STRING, FieldDescriptor.TYPE_BYTES):
        ok = isinstance(value, str)
    elif kind in int_types():
        ok = (isinstance(value, int) and not isinstance(value, bool)) or (
            isinstance(value, str) and value.lstrip("-").isdigit()
        )
    else:
        ok = (isinstance(value, int | float) and not isinstance(value, bool)) or value in (
            "NaN",
            "Infinity",
            "-Infinity",
        )
    if not ok:
        expected = {
            FieldDescriptor.TYPE_BOOL: "true or false",
            FieldDescriptor.TYPE_STRING: "a string",
            FieldDescriptor.TYPE_BYTES: "base64 text",
        }.get(kind, "a whole number" if kind in int_types() else "a number")
        yield JsonProblem(f"`{field.json_name}` expects {expected}", node.start, node.end)
