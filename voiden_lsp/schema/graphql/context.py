"""Where the cursor is in a GraphQL document, read token by token against the schema: the selection, arguments,
input object or list being written, with the variables and fragments seen before it (bounded)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from graphql import (
    GraphQLError,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    TokenKind,
    get_named_type,
)
from graphql.language import Lexer, Source

from voiden_lsp.schema.graphql.loading import MAX_ASSISTED_TOKENS


@dataclass
class Frame:
    kind: str
    """`selection` (of `type`), `args` (of `owner`), `object` (of the input `type`), `list`, `vars`."""
    type: Any = None
    owner: GraphQLField | Any = None
    used: set[str] = field(default_factory=set)
    expect_value: bool = False
    current: str | None = None
    """The argument or input field whose value is being written."""


@dataclass
class Context:
    stack: list[Frame]
    previous: list[Any]
    """The last tokens before the cursor (up to 3), newest last."""
    variables: dict[str, str]
    fragments: list[tuple[str, str]]


SCALAR_VALUES = {"Boolean": ("true", "false")}
_TYPE_TOKENS = (TokenKind.NAME, TokenKind.BRACKET_L, TokenKind.BRACKET_R, TokenKind.BANG)


def walk(schema: GraphQLSchema, text: str) -> Context | None:
    """Reads the tokens before the cursor into the frames open at the cursor, or None past
    MAX_ASSISTED_TOKENS. Tolerant: unknown names open frames of unknown type, and a lexer error ends the walk
    where it stands."""
    stack: list[Frame] = []
    previous: list[Any] = []
    variables: dict[str, str] = {}
    fragments: list[tuple[str, str]] = []
    last_name: str | None = None
    pending_type: Any = None  # the type the next `{` opens (an operation's root, a fragment's condition)
    operation: str | None = None
    lexer = Lexer(Source(text))
    read = 0
    try:
        token = lexer.advance()
        while token.kind != TokenKind.EOF:
            read += 1
            if read > MAX_ASSISTED_TOKENS:
                return None
            kind = token.kind
            top = stack[-1] if stack else None
            if top is None:
                if kind == TokenKind.NAME and token.value in ("query", "mutation", "subscription"):
                    operation = token.value
                    pending_type = root_type(schema, token.value)
                    variables = {}
                elif kind == TokenKind.NAME and previous and is_token(previous[-1], TokenKind.NAME, "on"):
                    pending_type = schema.get_type(str(token.value))
                    if len(previous) >= 2 and previous[-2].kind == TokenKind.NAME:
                        fragments.append((str(previous[-2].value), str(token.value)))
                elif kind == TokenKind.PAREN_L:
                    stack.append(Frame("vars"))
                elif kind == TokenKind.BRACE_L:
                    stack.append(Frame("selection", pending_type or root_type(schema, operation or "query")))
                    pending_type = None
            elif top.kind == "vars":
                if kind == TokenKind.NAME and previous and previous[-1].kind == TokenKind.DOLLAR:
                    top.current = token.value
                    top.expect_value = False
                elif kind == TokenKind.COLON and top.current:
                    top.expect_value = True
                    variables[top.current] = ""
                elif kind == TokenKind.EQUALS:
                    top.expect_value = False
                elif top.expect_value and top.current and kind in _TYPE_TOKENS:
                    variables[top.current] += str(token.value or token.kind.value)
                elif kind == TokenKind.PAREN_R:
                    stack.pop()
            elif top.kind == "selection":
                if kind == TokenKind.NAME:
                    if previous and is_token(previous[-1], TokenKind.NAME, "on") and spread(previous[:-1]):
                        pending_type = schema.get_type(str(token.value))
                    elif not (previous and previous[-1].kind in (TokenKind.AT, TokenKind.SPREAD)):
                        last_name = token.value
                        top.current = token.value
                    elif previous[-1].kind == TokenKind.AT:
                        top.current = f"@{token.value}"
                elif kind == TokenKind.PAREN_L:
                    stack.append(Frame("args", owner=owner_of(schema, top.type, top.current)))
                elif kind == TokenKind.BRACE_L:
                    if pending_type is not None:
                        inner = pending_type
                        pending_type = None
                    else:
                        definition = field_of(top.type, last_name)
                        inner = get_named_type(definition.type) if definition is not None else None
                    stack.append(Frame("selection", inner))
                elif kind == TokenKind.BRACE_R:
                    stack.pop()
                    last_name = None
            elif top.kind in ("args", "object", "list"):
                if kind in (TokenKind.PAREN_R, TokenKind.BRACE_R, TokenKind.BRACKET_R):
                    stack.pop()
                    if stack and stack[-1].kind in ("args", "object", "list"):
                        stack[-1].expect_value = stack[-1].kind == "list"
                elif kind == TokenKind.COLON:
                    top.expect_value = True
                elif kind == TokenKind.NAME and not top.expect_value and top.kind != "list":
                    top.current = token.value
                    top.used.add(str(token.value))
                elif kind == TokenKind.BRACE_L and top.expect_value:
                    stack.append(Frame("object", type=get_named_type(value_type(top))))
                elif kind == TokenKind.BRACKET_L and top.expect_value:
                    inner = value_type(top)
                    while isinstance(inner, GraphQLNonNull):
                        inner = inner.of_type
                    stack.append(Frame("list", type=inner.of_type if isinstance(inner, GraphQLList) else inner))
                    stack[-1].expect_value = True
                elif top.expect_value and kind != TokenKind.DOLLAR and top.kind != "list":
                    top.expect_value = False  # a value ended: the next name is an argument or field
            previous = [*previous[-2:], token]
            token = lexer.advance()
    except GraphQLError:
        pass
    return Context(stack, previous, variables, fragments)


def is_token(token: Any, kind: TokenKind, value: str | None = None) -> bool:
    return bool(token.kind == kind and (value is None or token.value == value))


def spread(previous: list[Any]) -> bool:
    return bool(previous) and previous[-1].kind == TokenKind.SPREAD


def root_type(schema: GraphQLSchema, operation: str) -> Any:
    return {
        "query": schema.query_type,
        "mutation": schema.mutation_type,
        "subscription": schema.subscription_type,
    }.get(operation)


def field_of(parent: Any, name: str | None) -> GraphQLField | None:
    if name is None or not isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
        return None
    found: GraphQLField | None = parent.fields.get(name)
    return found


def owner_of(schema: GraphQLSchema, parent: Any, name: str | None) -> Any:
    if name and name.startswith("@"):
        return schema.get_directive(name[1:])
    return field_of(parent, name)


def value_type(frame: Frame) -> Any:
    """The type of the value being written in an argument list, input object or list."""
    if frame.kind == "list":
        return frame.type
    if frame.kind == "args" and frame.owner is not None and frame.current:
        argument = frame.owner.args.get(frame.current)
        return argument.type if argument is not None else None
    if frame.kind == "object" and isinstance(frame.type, GraphQLInputObjectType) and frame.current:
        input_field = frame.type.fields.get(frame.current)
        return input_field.type if input_field is not None else None
    return None
