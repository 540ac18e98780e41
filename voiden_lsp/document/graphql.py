"""A `graphql` request's body: the GraphQL document, read by graphql-core (the reference implementation's
Python port) into its operations with ranges into the request's text. Pure: no schema, no I/O."""

from __future__ import annotations

from typing import TYPE_CHECKING

from voiden_lsp.document.model import GraphQLBody, Operation, Problem, Range, Span, Variable

if TYPE_CHECKING:  # graphql-core loads with the first graphql request: the server must start fast
    from graphql import GraphQLError
    from graphql.language import Node

MAX_GRAPHQL = 1024 * 1024
"""A body longer than this is not parsed (graphql-core is linear, but the editor re-reads it on each key)."""
MAX_TOKENS = 100_000
"""graphql-core's own bound on the tokens of one document: no text can keep the parser busy."""


def read(body: Span) -> GraphQLBody:
    """The operations of a GraphQL document; a syntax error is a problem at its place, never an exception."""
    from graphql import GraphQLError, OperationDefinitionNode, parse, print_ast

    if len(body.text) > MAX_GRAPHQL:
        message = f"the GraphQL document is longer than {MAX_GRAPHQL // 1024} KB: it is sent as it is, unchecked"
        return GraphQLBody(problems=(Problem(message, body.range, "warning", "graphql-too-long"),))
    try:
        document = parse(body.text, no_location=False, max_tokens=MAX_TOKENS)
    except GraphQLError as error:
        return GraphQLBody(problems=(Problem(_message(error), _error_range(body, error), "error", "graphql-syntax"),))
    operations = []
    fragments = []
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            variables = tuple(
                Variable(v.variable.name.value, print_ast(v.type), _range(body, v), v.default_value is not None)
                for v in definition.variable_definitions or ()
            )
            operations.append(
                Operation(
                    definition.operation.value,
                    definition.name.value if definition.name else "",
                    _range(body, definition),
                    _range(body, definition.name) if definition.name else None,
                    variables,
                )
            )
        elif definition.kind == "fragment_definition":
            fragments.append(definition.name.value)  # type: ignore[attr-defined]
    problems = []
    if not operations:
        problems.append(
            Problem(
                "the GraphQL document has no operation to send (`query`, `mutation` or `subscription`)",
                body.range,
                "error",
                "graphql-no-operation",
            )
        )
    return GraphQLBody(tuple(operations), tuple(fragments), True, tuple(problems))


def _range(body: Span, node: Node) -> Range:
    loc = node.loc
    if loc is None:
        return body.range
    return body.range_at(loc.start, loc.end)


def _message(error: GraphQLError) -> str:
    text = error.message
    return text[len("Syntax Error: ") :] if text.startswith("Syntax Error: ") else text


def _error_range(body: Span, error: GraphQLError) -> Range:
    """graphql-core gives the place as an offset (`positions`); the problem covers the token there."""
    if not error.positions:
        return body.range
    start = min(next(iter(error.positions)), len(body.text))
    end = start
    while end < len(body.text) and not body.text[end].isspace() and end - start < 80:
        end += 1
    return body.range_at(start, max(end, start + 1) if start < len(body.text) else start)
