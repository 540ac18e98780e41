"""GraphQL schemas and what the editor asks of them: a schema from an introspection result or SDL, the
suggestions at a place in a GraphQL document (fields with their types, arguments, enum values, input object
fields, fragments, directives, `$variables`, types), the description of what is under the cursor, and
graphql-core's validation. Pure: text and schemas in, answers out; no sockets, no LSP types."""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graphql import (
    GraphQLArgument,
    GraphQLEnumType,
    GraphQLError,
    GraphQLField,
    GraphQLInputField,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    TokenKind,
    build_client_schema,
    build_schema,
    get_introspection_query,
    get_named_type,
    is_input_type,
    parse,
    type_from_ast,
    validate,
)
from graphql.language import Lexer, Source, parse_type
from graphql.utilities.validate_input_value import validate_input_value

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


@dataclass(frozen=True)
class Suggestion:
    label: str
    kind: str
    """`field`, `argument`, `enum`, `input-field`, `fragment`, `directive`, `variable`, `type`, `keyword`."""
    detail: str = ""
    documentation: str = ""
    insert: str | None = None
    deprecated: bool = False


@dataclass
class _Frame:
    kind: str
    """`selection` (of `type`), `args` (of `owner`), `object` (of the input `type`), `list`, `vars`."""
    type: Any = None
    owner: GraphQLField | Any = None
    used: set[str] = field(default_factory=set)
    expect_value: bool = False
    current: str | None = None
    """The argument or input field whose value is being written."""


@dataclass
class _Context:
    stack: list[_Frame]
    previous: list[Any]
    """The last tokens before the cursor (up to 3), newest last."""
    variables: dict[str, str]
    fragments: list[tuple[str, str]]


_SCALAR_VALUES = {"Boolean": ("true", "false")}
_TYPE_TOKENS = (TokenKind.NAME, TokenKind.BRACKET_L, TokenKind.BRACKET_R, TokenKind.BANG)


def _walk(schema: GraphQLSchema, text: str) -> _Context | None:
    """Reads the tokens before the cursor into the frames open at the cursor, or None past
    MAX_ASSISTED_TOKENS. Tolerant: unknown names open frames of unknown type, and a lexer error ends the walk
    where it stands."""
    stack: list[_Frame] = []
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
                    pending_type = _root(schema, token.value)
                    variables = {}
                elif kind == TokenKind.NAME and previous and _is(previous[-1], TokenKind.NAME, "on"):
                    pending_type = schema.get_type(str(token.value))
                    if len(previous) >= 2 and previous[-2].kind == TokenKind.NAME:
                        fragments.append((str(previous[-2].value), str(token.value)))
                elif kind == TokenKind.PAREN_L:
                    stack.append(_Frame("vars"))
                elif kind == TokenKind.BRACE_L:
                    stack.append(_Frame("selection", pending_type or _root(schema, operation or "query")))
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
                    if previous and _is(previous[-1], TokenKind.NAME, "on") and _spread(previous[:-1]):
                        pending_type = schema.get_type(str(token.value))
                    elif not (previous and previous[-1].kind in (TokenKind.AT, TokenKind.SPREAD)):
                        last_name = token.value
                        top.current = token.value
                    elif previous[-1].kind == TokenKind.AT:
                        top.current = f"@{token.value}"
                elif kind == TokenKind.PAREN_L:
                    stack.append(_Frame("args", owner=_owner(schema, top.type, top.current)))
                elif kind == TokenKind.BRACE_L:
                    if pending_type is not None:
                        inner = pending_type
                        pending_type = None
                    else:
                        definition = _field(top.type, last_name)
                        inner = get_named_type(definition.type) if definition is not None else None
                    stack.append(_Frame("selection", inner))
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
                    stack.append(_Frame("object", type=get_named_type(_value_type(top))))
                elif kind == TokenKind.BRACKET_L and top.expect_value:
                    inner = _value_type(top)
                    while isinstance(inner, GraphQLNonNull):
                        inner = inner.of_type
                    stack.append(_Frame("list", type=inner.of_type if isinstance(inner, GraphQLList) else inner))
                    stack[-1].expect_value = True
                elif top.expect_value and kind != TokenKind.DOLLAR and top.kind != "list":
                    top.expect_value = False  # a value ended: the next name is an argument or field
            previous = [*previous[-2:], token]
            token = lexer.advance()
    except GraphQLError:
        pass
    return _Context(stack, previous, variables, fragments)


def _is(token: Any, kind: TokenKind, value: str | None = None) -> bool:
    return bool(token.kind == kind and (value is None or token.value == value))


def _spread(previous: list[Any]) -> bool:
    return bool(previous) and previous[-1].kind == TokenKind.SPREAD


def _root(schema: GraphQLSchema, operation: str) -> Any:
    return {
        "query": schema.query_type,
        "mutation": schema.mutation_type,
        "subscription": schema.subscription_type,
    }.get(operation)


def _field(parent: Any, name: str | None) -> GraphQLField | None:
    if name is None or not isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
        return None
    found: GraphQLField | None = parent.fields.get(name)
    return found


def _owner(schema: GraphQLSchema, parent: Any, name: str | None) -> Any:
    if name and name.startswith("@"):
        return schema.get_directive(name[1:])
    return _field(parent, name)


def _value_type(frame: _Frame) -> Any:
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


def suggestions(schema: GraphQLSchema, text: str, offset: int) -> list[Suggestion]:
    """What may be written at `offset` in the GraphQL document `text`."""
    if len(text) > MAX_ASSISTED:
        return []
    start = offset
    while start > 0 and (text[start - 1].isalnum() or text[start - 1] == "_"):
        start -= 1
    context = _walk(schema, text[:start])
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
        if last is not None and _is(last, TokenKind.NAME, "on"):
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
        if last is not None and _is(last, TokenKind.NAME, "on") and _spread(context.previous[:-1]):
            return _possible(schema, top.type)
        return _fields(top.type)
    if top.expect_value or top.kind == "list":
        return _values(_value_type(top), context)
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


def _values(kind: Any, context: _Context) -> list[Suggestion]:
    named = get_named_type(kind) if kind is not None else None
    found: list[Suggestion] = []
    if isinstance(named, GraphQLEnumType):
        found += [
            Suggestion(
                name, "enum", named.name, value.description or "", deprecated=value.deprecation_reason is not None
            )
            for name, value in named.values.items()
        ]
    elif named is not None and named.name in _SCALAR_VALUES:
        found += [Suggestion(word, "keyword", "Boolean") for word in _SCALAR_VALUES[named.name]]
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
    context = _walk(schema, text[:start])
    if context is None:
        return None
    top = context.stack[-1] if context.stack else None
    after = text[end:].lstrip()
    last = context.previous[-1] if context.previous else None
    if last is not None and last.kind == TokenKind.DOLLAR:
        return _describe_variable(schema, word, context.variables.get(word), after)
    if last is not None and last.kind == TokenKind.COLON and top is not None and top.kind == "vars":
        top = None  # a variable's type: described as a type below
    elif top is not None and top.kind == "selection" and not (last is not None and _is(last, TokenKind.NAME, "on")):
        if last is not None and last.kind == TokenKind.AT:
            directive = schema.get_directive(word)
            return (
                f"```graphql\ndirective @{word}\n```\n\n{directive.description or ''}".rstrip() if directive else None
            )
        if after.startswith(":"):  # an alias: what it names comes after the colon
            return None
        parent = top.type
        definition = _field(parent, word)
        if definition is None:
            return None
        arguments = ", ".join(f"{n}: {type_text(a.type)}" for n, a in definition.args.items())
        signature = f"{getattr(parent, 'name', '?')}.{word}{f'({arguments})' if arguments else ''}: "
        signature += type_text(definition.type)
        return _markdown(signature, definition.description, definition.deprecation_reason)
    elif top is not None and top.kind in ("args", "object") and not top.expect_value:
        probe = _Frame(top.kind, top.type, top.owner, current=word)
        kind = _value_type(probe)
        if kind is None:
            return None
        owner = top.owner.args.get(word) if top.kind == "args" else top.type.fields.get(word)
        return _markdown(f"{word}: {type_text(kind)}", getattr(owner, "description", None), None)
    elif top is not None and top.kind in ("args", "object", "list"):
        named = get_named_type(_value_type(top)) if _value_type(top) is not None else None
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


@dataclass(frozen=True)
class Invalid:
    message: str
    start: int
    end: int


def check(schema: GraphQLSchema, text: str) -> list[Invalid]:
    """graphql-core's validation of the document against the schema (unknown fields and types, wrong argument
    types, missing required arguments, undefined variables...), each at its offsets into `text`. A document
    graphql-core cannot parse has its syntax problem from the document model already: nothing here."""
    try:
        document = parse(text, max_tokens=100_000)
    except GraphQLError:
        return []
    found = []
    for error in validate(schema, document, max_errors=50):
        nodes = [n for n in error.nodes or () if n.loc is not None]
        if nodes:
            loc = nodes[0].loc
            assert loc is not None
            start, end = loc.start, loc.end
            if end - start > 200:  # a whole operation: mark its first line only
                end = text.find("\n", start) if text.find("\n", start) != -1 else end
        else:
            start, end = 0, min(len(text), 1)
        found.append(Invalid(_with_hint(schema, error.message), start, end))
    return found


@dataclass(frozen=True)
class InvalidValue:
    """A variable's value its declared type refuses: where in the value (keys and indexes) and why."""

    name: str
    path: tuple[str | int, ...]
    message: str


def check_variables(schema: GraphQLSchema, declared: dict[str, str], values: dict[str, Any]) -> list[InvalidValue]:
    """The given variables' values against their declared types (`Int!`, `[ReviewInput!]`), as the server
    coerces them: wrong scalars, unknown enum values, input objects' missing or unknown fields. A type the
    schema does not know is left to the document's validation."""
    found: list[InvalidValue] = []
    for name, value in values.items():
        written = declared.get(name)
        if written is None:
            continue
        try:
            kind = type_from_ast(schema, parse_type(written))
        except GraphQLError:
            continue
        if kind is None or not is_input_type(kind):
            continue
        errors: list[InvalidValue] = []

        def report(error: GraphQLError, path: Any, name: str = name, errors: list[InvalidValue] = errors) -> None:
            if len(errors) < 20:
                errors.append(InvalidValue(name, tuple(path or ()), error.message))

        try:
            validate_input_value(value, kind, report)
        except (TypeError, ValueError, RecursionError):  # a type graphql-core cannot judge: no verdict
            continue
        found.extend(errors)
    return found


_UNKNOWN_FIELD = re.compile(r"Cannot query field '(\w+)' on type '(\w+)'\.")


def _with_hint(schema: GraphQLSchema, message: str) -> str:
    """graphql-core suggests a field only within a small edit distance; a field that begins with what was
    typed (`cap` for `capital`) is the likelier meaning, and is named too."""
    unknown = _UNKNOWN_FIELD.fullmatch(message)
    if unknown is None:
        return message
    parent = schema.get_type(unknown[2])
    if not isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
        return message
    typed = unknown[1].lower()
    close = [name for name in parent.fields if name.lower().startswith(typed)]
    close = close or difflib.get_close_matches(unknown[1], list(parent.fields), n=3, cutoff=0.6)
    if not close:
        return message
    return f"{message} Did you mean {' or '.join(repr(name) for name in close[:3])}?"
