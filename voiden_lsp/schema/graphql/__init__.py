"""GraphQL schemas and what the editor asks of them: a schema from an introspection result or SDL, the
suggestions at a place in a GraphQL document (fields with their types, arguments, enum values, input object
fields, fragments, directives, `$variables`, types), the description of what is under the cursor, and
graphql-core's validation. Pure: text and schemas in, answers out; no sockets, no LSP types."""

from voiden_lsp.schema.graphql.assist import Suggestion, describe, suggestions
from voiden_lsp.schema.graphql.checks import Invalid, InvalidValue, check, check_variables
from voiden_lsp.schema.graphql.loading import (
    INTROSPECTION_QUERY,
    MAX_ASSISTED,
    MAX_ASSISTED_TOKENS,
    MAX_SCHEMA_TEXT,
    from_introspection,
    from_sdl,
    load_file,
    type_text,
)

__all__ = [
    "INTROSPECTION_QUERY",
    "MAX_ASSISTED",
    "MAX_ASSISTED_TOKENS",
    "MAX_SCHEMA_TEXT",
    "Invalid",
    "InvalidValue",
    "Suggestion",
    "check",
    "check_variables",
    "describe",
    "from_introspection",
    "from_sdl",
    "load_file",
    "suggestions",
    "type_text",
]
