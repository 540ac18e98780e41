"""The GraphQL-aware features: a request's endpoint without rendering its body, its schema (cached, or
fetched with progress from a trusted workspace), completion, hover and the checks against the schema and of
the `variables` block."""

from __future__ import annotations

import logging
import sys
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from voiden_lsp.document import Problem, Request
from voiden_lsp.document.jsonpos import JsonNode, JsonPositionError, blank_templates, parse_with_positions
from voiden_lsp.errors import SchemaError
from voiden_lsp.server.features.grpc_support import resolved_head
from voiden_lsp.server.features.schemas import read_schema_with_progress
from voiden_lsp.templating import ResolvedRequest, Scope, find_templates

if TYPE_CHECKING:
    from graphql import GraphQLSchema

    from voiden_lsp.server.server import VoidenServer

log = logging.getLogger(__name__)

UNTRUSTED = "this workspace is not trusted: voiden asks no server for its schema here (trust the folder first)"
_KINDS = {
    "field": types.CompletionItemKind.Field,
    "argument": types.CompletionItemKind.Property,
    "input-field": types.CompletionItemKind.Property,
    "enum": types.CompletionItemKind.EnumMember,
    "fragment": types.CompletionItemKind.Reference,
    "directive": types.CompletionItemKind.Function,
    "variable": types.CompletionItemKind.Variable,
    "type": types.CompletionItemKind.Class,
    "keyword": types.CompletionItemKind.Keyword,
}


def resolve_endpoint(request: Request, scope: Scope) -> ResolvedRequest | None:
    """The request's URL, header lines and `@` lines expanded (not its body or variables: no fake data)."""
    return resolved_head(request, scope, "graphql")


def cached_graphql_schema(request: Request, scope: Scope) -> GraphQLSchema | None:
    """The schema already read for the request's endpoint, if any (safe from the diagnostics thread: it
    imports nothing)."""
    module = sys.modules.get("voiden_lsp.transports.graphql_schema")
    schemas = getattr(module, "SCHEMAS", None)
    if schemas is None:
        return None
    resolved = resolve_endpoint(request, scope)
    return schemas.cached(resolved) if resolved is not None else None


def generation() -> int:
    module = sys.modules.get("voiden_lsp.transports.graphql_schema")
    schemas = getattr(module, "SCHEMAS", None)
    return int(schemas.generation) if schemas is not None else 0


async def fetch_graphql_schema(ls: VoidenServer, request: Request, uri: str) -> GraphQLSchema:
    """The request's schema, read now if it is not cached, with work-done progress; never from an untrusted
    workspace (introspection connects; `@schema` reads a file the document names)."""
    if not ls.settings.trusted:
        raise SchemaError(UNTRUSTED)
    resolved = resolve_endpoint(request, ls.scope(uri, request))
    if resolved is None:
        raise SchemaError(f"`{request.name}` has no usable URL to ask for its schema")
    from voiden_lsp.transports.graphql_schema import SCHEMAS

    cached = SCHEMAS.cached(resolved)
    if cached is not None:
        return cached
    return await read_schema_with_progress(ls, resolved.target, SCHEMAS.schema(resolved))


def completion_items(schema: GraphQLSchema | None, text: str, offset: int) -> list[types.CompletionItem]:
    from voiden_lsp.schema.graphql import Suggestion, suggestions

    if schema is None:
        found = [Suggestion(w, "keyword") for w in ("query", "mutation", "subscription", "fragment")]
        before = text[:offset].strip()
        if before and not before.endswith("}"):
            return []
    else:
        found = suggestions(schema, text, offset)
    items = []
    for rank, suggestion in enumerate(found):
        items.append(
            types.CompletionItem(
                label=suggestion.label,
                kind=_KINDS.get(suggestion.kind, types.CompletionItemKind.Text),
                detail=suggestion.detail or None,
                documentation=types.MarkupContent(types.MarkupKind.Markdown, suggestion.documentation)
                if suggestion.documentation
                else None,
                insert_text=suggestion.insert.replace("$0", "") if suggestion.insert else None,
                sort_text=f"{rank:04d}",
                tags=[types.CompletionItemTag.Deprecated] if suggestion.deprecated else None,
            )
        )
    return items


def problems(request: Request, scope: Scope) -> list[Problem]:
    """The variables block's JSON and its names against the operation's variables; with a schema in the cache,
    graphql-core's validation of the document."""
    found: list[Problem] = []
    body = request.graphql
    operation = body.operation(request.meta("operation")) if body is not None else None
    given: JsonNode | None = None
    if request.variables is not None:
        given = _variables_problems(request, operation, found)
    if operation is not None and (request.variables is None or given is not None):
        names = set(given.members) if given is not None else set()
        for variable in operation.variables:
            required = variable.type.endswith("!") and not variable.default
            if required and variable.name not in names:
                where = request.variables.range if request.variables is not None else variable.range
                found.append(
                    Problem(
                        f"the operation needs `${variable.name}` ({variable.type}): give it in the variables block"
                        + ("" if request.variables is not None else " below the request"),
                        where,
                        code="graphql-variables",
                    )
                )
    schema = cached_graphql_schema(request, scope)
    if schema is not None and request.body is not None and body is not None and body.parsed:
        from voiden_lsp.schema.graphql import check

        for invalid in check(schema, request.body.text):
            found.append(Problem(invalid.message, request.body.range_at(invalid.start, invalid.end), code="graphql"))
    if schema is not None and operation is not None and given is not None and request.variables is not None:
        found.extend(_value_problems(schema, operation, given, request.variables))
    return found


def _value_problems(schema: GraphQLSchema, operation: Any, given: JsonNode, span: Any) -> list[Problem]:
    """Each value against its variable's type, as the server will coerce it. A value with a template in it is
    judged once expanded, by the server: not here."""
    from voiden_lsp.schema.graphql import check_variables

    declared = {v.name: v.type for v in operation.variables}
    templates = [(t.start, t.end) for t in find_templates(span.text)]
    values = {key: member.value for key, (_, _, member) in given.members.items() if not member.templated(templates)}
    found = []
    for invalid in check_variables(schema, declared, values):
        node = given.at([invalid.name, *invalid.path])  # the value the message is about
        where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in invalid.path)
        found.append(
            Problem(
                f"`${invalid.name}{where}` ({declared[invalid.name]}): {invalid.message}",
                span.range_at(node.start, node.end),
                code="graphql-variables",
            )
        )
    return found


def _variables_problems(request: Request, operation: Any, found: list[Problem]) -> JsonNode | None:
    assert request.variables is not None
    span = request.variables
    try:
        node = parse_with_positions(blank_templates(span.text))
    except JsonPositionError as exc:
        at = min(exc.offset, max(len(span.text) - 1, 0))
        found.append(Problem(f"invalid JSON: {exc}", span.range_at(at, min(at + 1, len(span.text))), code="json"))
        return None
    if not isinstance(node.value, dict):
        found.append(Problem('the variables are a JSON object: `{"name": value}`', span.range, code="json"))
        return None
    if operation is not None:
        declared = {v.name for v in operation.variables}
        for key, (start, end, _) in node.members.items():
            if key not in declared:
                hint = f" (it declares {', '.join(f'${d}' for d in sorted(declared))})" if declared else ""
                found.append(
                    Problem(
                        f"the operation declares no `${key}`: the server ignores or refuses it{hint}",
                        span.range_at(start, end),
                        "warning",
                        code="graphql-variables",
                    )
                )
    return node
