"""graphql-core's validation of a document against a schema, with a hint where it suggests nothing, and the
values of a variables block checked against their variables' types."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Any

from graphql import (
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    is_input_type,
    parse,
    type_from_ast,
    validate,
)
from graphql.language import parse_type
from graphql.utilities.validate_input_value import validate_input_value


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
