"""A GraphQL schema from an introspection result or SDL (a file within bounds), and a type as written."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from graphql import (
    GraphQLError,
    GraphQLList,
    GraphQLNonNull,
    GraphQLSchema,
    build_client_schema,
    build_schema,
    get_introspection_query,
)

from voiden_lsp.errors import SchemaError

INTROSPECTION_QUERY = get_introspection_query(descriptions=True)
MAX_ASSISTED = 1024 * 1024
"""Completion and hover read the document up to the cursor at each request: not past this (as the parser)."""
MAX_ASSISTED_TOKENS = 20_000
"""Nor past this many tokens before the cursor: each request reads them again, and a query a person writes has
a few hundred, so a hostile one (`{` two hundred thousand times) costs a bounded time and gets no help."""
MAX_SCHEMA_TEXT = 16 * 1024 * 1024
"""An SDL or introspection file larger than this is refused."""


def from_introspection(value: Any, origin: str) -> GraphQLSchema:
    """A schema from an introspection answer: `{"data": {"__schema": ...}}` or `{"__schema": ...}`."""
    if isinstance(value, dict) and isinstance(value.get("data"), dict):
        value = value["data"]
    if not isinstance(value, dict) or not isinstance(value.get("__schema"), dict):
        raise SchemaError(f"{origin} is not an introspection result (no `__schema`)")
    try:
        return build_client_schema(value)  # type: ignore[arg-type]
    except (TypeError, ValueError, KeyError, AttributeError, RecursionError, GraphQLError) as exc:
        raise SchemaError(f"{origin} is not a usable introspection result: {exc}") from None


def from_sdl(text: str, origin: str) -> GraphQLSchema:
    try:
        return build_schema(text, assume_valid_sdl=False)
    except GraphQLError as exc:
        raise SchemaError(f"{origin} is not GraphQL SDL that builds a schema: {exc.message}") from None
    except (TypeError, ValueError) as exc:
        raise SchemaError(f"{origin} does not build a schema: {exc}") from None


def load_file(path: Path) -> GraphQLSchema:
    """`@schema FILE`: SDL (`.graphql`, `.graphqls`, `.gql`), or an introspection result (`.json`)."""
    if not path.is_file():
        raise SchemaError(f"the schema file {path} does not exist or is not a regular file")
    if path.stat().st_size > MAX_SCHEMA_TEXT:
        raise SchemaError(f"the schema file {path} is larger than {MAX_SCHEMA_TEXT // (1024 * 1024)} MB")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SchemaError(f"cannot read the schema file {path}: {exc}") from None
    if path.suffix.lower() == ".json" or text.lstrip().startswith("{"):
        try:
            value = json.loads(text)
        except (ValueError, RecursionError) as exc:
            raise SchemaError(f"the schema file {path} is not JSON: {exc}") from None
        return from_introspection(value, f"the schema file {path.name}")
    return from_sdl(text, f"the schema file {path.name}")


def type_text(kind: Any) -> str:
    """A type as GraphQL writes it: `[Country!]!`."""
    if isinstance(kind, GraphQLNonNull):
        return f"{type_text(kind.of_type)}!"
    if isinstance(kind, GraphQLList):
        return f"[{type_text(kind.of_type)}]"
    return str(getattr(kind, "name", kind))
