"""What the editor asks at a place in a GraphQL document: the suggestions there (fields with their types,
arguments, enum values, input object fields, fragments, directives, `$variables`, types) and the description
of what is under the cursor."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from graphql import (
    GraphQLArgument,
    GraphQLEnumType,
    GraphQLInputField,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    TokenKind,
    get_named_type,
    is_input_type,
)

from voiden_lsp.schema.graphql.context import (
    SCALAR_VALUES,
    Context,
    Frame,
    field_of,
    is_token,
    spread,
    value_type,
    walk,
)
from voiden_lsp.schema.graphql.loading import MAX_ASSISTED, type_text


@dataclass(frozen=True)
class Suggestion:
    label: str
    kind: str
    """`field`, `argument`, `enum`, `input-field`, `fragment`, `directive`, `variable`, `type`, `keyword`."""
    detail: str = ""
    documentation: str = ""
    insert: str | None = None
    deprecated: bool = False


def suggestions(schema: GraphQLSchema, text: str, offset: int) -> list[Suggestion]:
    """What may be written at `offset` in the GraphQL document `text`."""
    if len(text) > MAX_ASSISTED:
        return []
    start = offset
    while start > 0 and (text[start - 1].isalnum() or text[start - 1] == "_"):
        start -= 1
    context = walk(schema, text[:start])
    if context is None:
        return []
    last = context.previous[-1] if context.previous else None
    top = context.stack[-1] if context.stack else None
    if last is not None and last.kind == TokenKind.DOLLAR and (top is None or top.kind != "vars"):
        return [Suggestion(name, "variable", kind) for name, kind in context.variables.items()]
    if last is not None and last.kind == TokenKind.AT:
        return [
            Suggestion(
                d.name, "directive", ", ".join(str(loc.name).lower() for loc in d.locations), d.description or ""
            )
            for d in schema.directives
        ]
    if top is None:
        if last is not None and is_token(last, TokenKind.NAME, "on"):
            return _types(schema, composite=True)
        return [Suggestion(word, "keyword") for word in ("query", "mutation", "subscription", "fragment")]
    if top.kind == "vars":
        if last is not None and last.kind == TokenKind.COLON:
            return _types(schema, composite=False)
        return []
    if top.kind == "selection":
        if last is not None and last.kind == TokenKind.SPREAD:
            return [Suggestion("on", "keyword", "an inline fragment: `... on Type { }`")] + [
                Suggestion(name, "fragment", f"fragment on {on}") for name, on in context.fragments
            ]
        if last is not None and is_token(last, TokenKind.NAME, "on") and spread(context.previous[:-1]):
            return _possible(schema, top.type)
        return _fields(top.type)
    if top.expect_value or top.kind == "list":
        return _values(value_type(top), context)
    if top.kind == "args" and top.owner is not None:
        return [
            _argument(name, argument)
            for name, argument in top.owner.args.items()
            if name not in top.used or name == top.current
        ]
    if top.kind == "object" and isinstance(top.type, GraphQLInputObjectType):
        return [
            _argument(name, input_field, kind="input-field")
            for name, input_field in top.type.fields.items()
            if name not in top.used or name == top.current
        ]
    return []


def _fields(parent: Any) -> list[Suggestion]:
    if not isinstance(parent, GraphQLObjectType | GraphQLInterfaceType | GraphQLUnionType):
        return []
    found = [Suggestion("__typename", "field", "String!", "The name of the object's type.")]
    if isinstance(parent, GraphQLUnionType):
        return found
    for name, definition in parent.fields.items():
        arguments = ", ".join(f"{n}: {type_text(a.type)}" for n, a in definition.args.items())
        found.append(
            Suggestion(
                name,
                "field",
                f"({arguments}): {type_text(definition.type)}" if arguments else type_text(definition.type),
                definition.description or "",
                deprecated=definition.deprecation_reason is not None,
            )
        )
    return found


def _argument(name: str, argument: GraphQLArgument | GraphQLInputField, kind: str = "argument") -> Suggestion:
    return Suggestion(name, kind, type_text(argument.type), argument.description or "", insert=f"{name}: ")


def _values(kind: Any, context: Context) -> list[Suggestion]:
    named = get_named_type(kind) if kind is not None else None
    found: list[Suggestion] = []
    if isinstance(named, GraphQLEnumType):
        found += [
            Suggestion(
                name, "enum", named.name, value.description or "", deprecated=value.deprecation_reason is not None
            )
            for name, value in named.values.items()
        ]
    elif named is not None and named.name in SCALAR_VALUES:
        found += [Suggestion(word, "keyword", "Boolean") for word in SCALAR_VALUES[named.name]]
    elif isinstance(named, GraphQLInputObjectType):
        found.append(Suggestion("{ }", "keyword", f"a {named.name}", insert="{ $0 }"))
    wanted = named.name if named is not None else None
    found += [
        Suggestion(f"${name}", "variable", written)
        for name, written in context.variables.items()
        if wanted is None or written.strip("[]!") == wanted
    ]
    return found


def _types(schema: GraphQLSchema, *, composite: bool) -> list[Suggestion]:
    found = []
    for name, kind in sorted(schema.type_map.items()):
        if name.startswith("__"):
            continue
        wanted = isinstance(kind, GraphQLObjectType | GraphQLInterfaceType | GraphQLUnionType)
        if composite == wanted and (composite or is_input_type(kind)):
            found.append(Suggestion(name, "type", type(kind).__name__[len("GraphQL") :], kind.description or ""))
    return found


def _possible(schema: GraphQLSchema, parent: Any) -> list[Suggestion]:
    if isinstance(parent, GraphQLUnionType | GraphQLInterfaceType):
        kinds: list[Any] = list(schema.get_possible_types(parent))
        if isinstance(parent, GraphQLInterfaceType):
            kinds.append(parent)
    elif parent is not None:
        kinds = [parent]
    else:
        return _types(schema, composite=True)
    return [Suggestion(k.name, "type", type(k).__name__[len("GraphQL") :], k.description or "") for k in kinds]


def describe(schema: GraphQLSchema, text: str, offset: int) -> str | None:
    """Markdown for the field, argument, type or enum value under the cursor, or None."""
    if len(text) > MAX_ASSISTED:
        return None
    start = offset
    while start > 0 and (text[start - 1].isalnum() or text[start - 1] == "_"):
        start -= 1
    end = offset
    while end < len(text) and (text[end].isalnum() or text[end] == "_"):
        end += 1
    word = text[start:end]
    if not word:
        return None
    context = walk(schema, text[:start])
    if context is None:
        return None
    top = context.stack[-1] if context.stack else None
    after = text[end:].lstrip()
    last = context.previous[-1] if context.previous else None
    if last is not None and last.kind == TokenKind.DOLLAR:
        return _describe_variable(schema, word, context.variables.get(word), after)
    if last is not None and last.kind == TokenKind.COLON and top is not None and top.kind == "vars":
        top = None  # a variable's type: described as a type below
    elif (
        top is not None and top.kind == "selection" and not (last is not None and is_token(last, TokenKind.NAME, "on"))
    ):
        if last is not None and last.kind == TokenKind.AT:
            directive = schema.get_directive(word)
            return (
                f"```graphql\ndirective @{word}\n```\n\n{directive.description or ''}".rstrip() if directive else None
            )
        if after.startswith(":"):  # an alias: what it names comes after the colon
            return None
        parent = top.type
        definition = field_of(parent, word)
        if definition is None:
            return None
        arguments = ", ".join(f"{n}: {type_text(a.type)}" for n, a in definition.args.items())
        signature = f"{getattr(parent, 'name', '?')}.{word}{f'({arguments})' if arguments else ''}: "
        signature += type_text(definition.type)
        return _markdown(signature, definition.description, definition.deprecation_reason)
    elif top is not None and top.kind in ("args", "object") and not top.expect_value:
        probe = Frame(top.kind, top.type, top.owner, current=word)
        kind = value_type(probe)
        if kind is None:
            return None
        owner = top.owner.args.get(word) if top.kind == "args" else top.type.fields.get(word)
        return _markdown(f"{word}: {type_text(kind)}", getattr(owner, "description", None), None)
    elif top is not None and top.kind in ("args", "object", "list"):
        named = get_named_type(value_type(top)) if value_type(top) is not None else None
        if isinstance(named, GraphQLEnumType) and word in named.values:
            value = named.values[word]
            return _markdown(f"{named.name}.{word}", value.description, value.deprecation_reason)
        return None
    named_type = schema.get_type(word)
    if named_type is None:
        return None
    return _markdown(f"{type(named_type).__name__[len('GraphQL') :].lower()} {word}", named_type.description, None)


_DECLARED_TYPE = re.compile(r":\s*([\w\[\]!\s]{1,200}?)\s*(?=[=,)$]|$)")


def _describe_variable(schema: GraphQLSchema, name: str, declared: str | None, after: str) -> str | None:
    """A `$variable`: its declared type (read ahead where the cursor is on the declaration itself), and what
    that type is."""
    if declared is None:
        match = _DECLARED_TYPE.match(after[:300])
        if match is None:
            return None
        declared = re.sub(r"\s+", "", match.group(1))
    named = schema.get_type(declared.strip("[]!"))
    return _markdown(f"${name}: {declared}", named.description if named is not None else None, None)


def _markdown(signature: str, description: str | None, deprecated: str | None) -> str:
    parts = [f"```graphql\n{signature}\n```"]
    if description:
        parts.append(description)
    if deprecated:
        parts.append(f"**Deprecated**: {deprecated}")
    return "\n\n".join(parts)
