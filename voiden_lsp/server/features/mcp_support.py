"""The MCP-aware features (FORMAT.md section 11): a request's server without rendering its body, the server's
catalog (cached, or read with progress from a trusted workspace), completion of tool, prompt and resource
names and of argument keys and values from a tool's `inputSchema`, the arguments checked against that schema
by a JSON Schema validator, and sample arguments for "Fill with sample data"."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from voiden_lsp.document import Problem, Request
from voiden_lsp.document.jsonpos import JsonPositionError, blank_templates, parse_with_positions
from voiden_lsp.document.scanning import template_spans
from voiden_lsp.errors import SchemaError, VoidenError
from voiden_lsp.server.features.grpc_support import resolved_head
from voiden_lsp.server.features.schemas import read_schema_with_progress
from voiden_lsp.templating import ResolvedRequest, Scope

if TYPE_CHECKING:
    from voiden_lsp.server.server import VoidenServer
    from voiden_lsp.transports.mcp_catalog import Catalog

UNTRUSTED = "this workspace is not trusted: voiden asks no MCP server for its tools here (trust the folder first)"
MAX_PROBLEMS = 20
FORMATS = {"email": "{{$faker.email}}", "uri": "{{$faker.url}}", "date-time": "{{$isoTimestamp}}", "uuid": "{{$uuid}}"}


def resolve_server(request: Request, scope: Scope) -> ResolvedRequest | None:
    """The request's URL, header lines and `@` lines expanded (not its body: no fake data)."""
    return resolved_head(request, scope, "mcp")


def operation_of(request: Request) -> tuple[str, str]:
    """(`tools/call`, `forecast`) from the request line, as written."""
    if request.rpc is None:
        return "", ""
    operation, _, name = request.rpc.text.strip().partition(" ")
    return operation, name.strip()


def cached_catalog(request: Request, scope: Scope) -> Catalog | None:
    """The catalog already read for the request's server, if any (imports nothing: safe from any thread)."""
    module = sys.modules.get("voiden_lsp.transports.mcp")
    catalogs = getattr(module, "CATALOGS", None)
    if catalogs is None:
        return None
    resolved = resolve_server(request, scope)
    found: Catalog | None = catalogs.cached(resolved) if resolved is not None else None
    return found


def generation() -> int:
    module = sys.modules.get("voiden_lsp.transports.mcp")
    catalogs = getattr(module, "CATALOGS", None)
    return int(catalogs.generation) if catalogs is not None else 0


async def fetch_catalog(ls: VoidenServer, request: Request, uri: str) -> Catalog:
    """The server's catalog, read now if it is not cached, with work-done progress; never from an untrusted
    workspace (listing tools connects to the server)."""
    if not ls.settings.trusted:
        raise SchemaError(UNTRUSTED)
    resolved = resolve_server(request, ls.scope(uri, request))
    if resolved is None:
        raise SchemaError(f"`{request.name}` has no usable URL to ask for its tools")
    from voiden_lsp.transports.mcp import CATALOGS

    cached = CATALOGS.cached(resolved)
    if cached is not None:
        return cached
    try:
        return await read_schema_with_progress(ls, resolved.target, CATALOGS.catalog(resolved))
    except VoidenError as exc:
        raise SchemaError(exc.message) from None


def name_items(catalog: Catalog, operation: str, word: types.Range) -> list[types.CompletionItem]:
    kind = types.CompletionItemKind.Function if operation == "tools/call" else types.CompletionItemKind.Reference
    return [
        types.CompletionItem(label=name, kind=kind, detail=detail[:120] or None, text_edit=types.TextEdit(word, name))
        for name, detail in catalog.names(operation).items()
    ]


def argument_items(
    schema: dict[str, Any], path: list[str | int], in_key: bool, key: str | None
) -> list[types.CompletionItem]:
    """Keys of the object at `path` in the arguments, or the enum values of `key` there."""
    node: Any = schema
    for step in path:
        node = _child(node, step)
        if node is None:
            return []
    if in_key:
        required = set(node.get("required") or []) if isinstance(node, dict) else set()
        return [
            types.CompletionItem(
                label=name,
                kind=types.CompletionItemKind.Field,
                detail=_type_text(sub) + (" (required)" if name in required else ""),
                documentation=str(sub.get("description")) if isinstance(sub, dict) and sub.get("description") else None,
                sort_text=("0" if name in required else "1") + name,
            )
            for name, sub in (_properties(node)).items()
        ]
    sub = _child(node, key) if key is not None else None
    if isinstance(sub, dict):
        values = sub.get("enum") or ([sub["const"]] if "const" in sub else [])
        if sub.get("type") == "boolean":
            values = [True, False]
        import json

        return [
            types.CompletionItem(label=json.dumps(v, ensure_ascii=False), kind=types.CompletionItemKind.EnumMember)
            for v in values
        ]
    return []


def problems(request: Request, scope: Scope) -> list[Problem]:
    """The arguments against the cached catalog: an unknown tool or prompt, and what the JSON Schema validator
    says of the arguments (templates stand in as valid placeholders)."""
    catalog = cached_catalog(request, scope)
    operation, name = operation_of(request)
    if catalog is None or not name or "{{" in name or request.rpc is None:
        return []
    known = catalog.names(operation)
    if operation in ("tools/call", "prompts/get") and name not in known:
        what = "tool" if operation == "tools/call" else "prompt"
        listed = ", ".join(f"`{n}`" for n in list(known)[:12]) or "none"
        return [Problem(f"the server has no {what} `{name}` ({what}s: {listed})", request.rpc.range, code="mcp-name")]
    schema = catalog.input_schema(operation, name)
    body = request.body
    if schema is None:
        return []
    text = body.text if body is not None else "{}"
    if body is not None and not text.strip():
        text = "{}"
    try:
        tree = parse_with_positions(blank_templates(text))
    except JsonPositionError:
        return []  # the JSON check says what is wrong with it
    from jsonschema import Draft202012Validator  # type: ignore[import-untyped]
    from jsonschema.exceptions import SchemaError as BadSchema  # type: ignore[import-untyped]

    try:
        validator = Draft202012Validator(schema)
        errors = sorted(validator.iter_errors(tree.value), key=lambda e: list(e.absolute_path))
    except BadSchema:
        return []
    spans = template_spans(text)
    found: list[Problem] = []
    for error in errors[:MAX_PROBLEMS]:
        node = tree.at(list(error.absolute_path))
        if any(start <= node.start < end for start, end in spans):
            continue  # a template's value is known only when it is sent
        where = request.rpc.range if body is None else body.range_at(node.start, node.end)
        found.append(
            Problem(f"`{name}`: {_message(error)}", where, "warning" if body is None else "error", code="mcp-arguments")
        )
    return found


def sample_arguments(schema: dict[str, Any], text: Callable[[str], Any], name: str = "", depth: int = 0) -> Any:
    """Arguments that satisfy `schema`'s shape: every required property (or all, when none is required), an
    enum's first value, a default, and for text what `text(name)` makes (fake data by the property's name)."""
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "string")
    if schema.get("enum"):
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    if "default" in schema:
        return schema["default"]
    if kind == "object" or "properties" in schema:
        if depth > 4:
            return {}
        properties = _properties(schema)
        required = [n for n in schema.get("required") or [] if n in properties] or list(properties)
        return {n: sample_arguments(properties[n], text, n, depth + 1) for n in required}
    if kind == "array":
        items = schema.get("items")
        one = name[:-1] if name.endswith("s") and len(name) > 1 else name
        return [sample_arguments(items, text, one, depth + 1)] if isinstance(items, dict) and depth <= 4 else []
    if kind == "integer":
        return int(schema.get("minimum", 1))
    if kind == "number":
        return float(schema.get("minimum", 1.5))
    if kind == "boolean":
        return True
    formats = {
        "email": "{{$faker.email}}",
        "uri": "{{$faker.url}}",
        "date-time": "{{$isoTimestamp}}",
        "uuid": "{{$uuid}}",
    }
    return formats.get(str(schema.get("format"))) or text(name.lower())


def _properties(node: Any) -> dict[str, Any]:
    found = node.get("properties") if isinstance(node, dict) else None
    return {str(k): v for k, v in found.items() if isinstance(v, dict)} if isinstance(found, dict) else {}


def _child(node: Any, step: str | int | None) -> Any:
    if not isinstance(node, dict):
        return None
    if isinstance(step, int):
        items = node.get("items")
        return items if isinstance(items, dict) else None
    return _properties(node).get(str(step))


def _type_text(node: Any) -> str:
    if not isinstance(node, dict):
        return ""
    kind = node.get("type")
    text = "|".join(kind) if isinstance(kind, list) else str(kind or "")
    if "enum" in node:
        text = " | ".join(str(v) for v in node["enum"][:6])
    return text


def _message(error: Any) -> str:
    where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path).lstrip(".")
    return f"{where}: {error.message}" if where else str(error.message)
