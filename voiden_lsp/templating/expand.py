"""`expand(text, scope)`: every `{{ ... }}` replaced by its value, JSON-aware where the text is JSON."""

from __future__ import annotations

import base64
import difflib
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any
from uuid import UUID

from voiden_lsp.document import Span
from voiden_lsp.errors import TemplateError
from voiden_lsp.templating.collection import EXAMPLE_DOTENV_FILE
from voiden_lsp.templating.fakes import POSTMAN, dynamic_maker, dynamic_value, fake_value, known_fake
from voiden_lsp.templating.scan import Template, iter_templates, split_call
from voiden_lsp.templating.scope import Scope, follow_path

_REFERENCE = re.compile(
    r"^(?P<request>[A-Za-z0-9_][\w-]*)\.response\.(?P<part>body|headers|status)"
    r"(?:\.(?P<path>.+))?$"
)
_VARIABLE = re.compile(r"^[A-Za-z_][\w.-]*$")
_JSON_SCALAR = re.compile(r"^(?:-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)$")
_MAX_DEPTH = 8


def expand(text: str, scope: Scope, *, json_mode: bool = False, origin: Span | None = None) -> str:
    """Expand the templates of `text`. In `json_mode` a template that is a whole JSON value becomes a JSON
    value (`"id": {{$faker.pyint}}` -> `"id": 42`, a string is quoted) and one inside a JSON string is
    escaped for it. Raises TemplateError carrying the template's document range when `origin` is given."""
    return _expand(text, scope, json_mode, origin, 0)


MAX_EXPANDED = 16 * 1024 * 1024
"""No text expands past this (variables that name each other twice over would grow it exponentially)."""


def _expand(text: str, scope: Scope, json_mode: bool, origin: Span | None, depth: int) -> str:
    out: list[str] = []
    size = len(text)
    for literal, template, placement in _placed(text, json_mode):
        if template is None:
            out.append(literal)
            break
        if size > MAX_EXPANDED:
            where = origin.range_at(template.start, template.end) if origin is not None else None
            raise TemplateError(f"this text expands to more than {MAX_EXPANDED // (1024 * 1024)} MB", where)
        out += [literal, _formatted(_value_of(template, scope, origin, depth), placement)]
        size += len(out[-1])
    return "".join(out)


def _placed(text: str, json_mode: bool) -> Iterator[tuple[str, Template | None, str]]:
    """The text cut at its templates: (the literal before, the template, where its value goes), then the
    literal after the last one with no template."""
    position = 0
    in_string = False
    for template in iter_templates(text):
        literal = text[position : template.start]
        in_string = _string_state(literal, in_string) if json_mode else False
        yield literal, template, _placement(text, template, json_mode, in_string)
        position = template.end
    yield text[position:], None, TEXT


STRING, WHOLE, TEXT = "string", "whole", "text"
"""Where a template's value goes: inside a JSON string (escaped for it), as a whole JSON value, or in text."""


def _placement(text: str, template: Template, json_mode: bool, in_string: bool) -> str:
    if json_mode and in_string:
        return STRING
    if json_mode and _whole_json_value(text, template):
        return WHOLE
    return TEXT


def _formatted(value: Any, placement: str) -> str:
    if placement == STRING:
        return json.dumps(to_text(value), ensure_ascii=False)[1:-1]
    if placement == WHOLE:
        return to_json(value)
    return to_text(value)


def _value_of(template: Template, scope: Scope, origin: Span | None, depth: int = 0) -> Any:
    try:
        if not template.closed:
            raise TemplateError(f"`{{{{{template.expr}` is never closed: end it with `}}}}`")
        return evaluate(template.expr, scope, depth)
    except TemplateError as exc:
        raise _placed_at(exc, template, origin) from None


def _placed_at(error: TemplateError, template: Template, origin: Span | None) -> TemplateError:
    """The error at the template's range in the document (when the text has an `origin`)."""
    where = origin.range_at(template.start, template.end) if origin is not None else error.range
    return TemplateError(error.message, where)


@dataclass(frozen=True)
class Compiled:
    """A text read once for many expansions (a load run sends one request thousands of times): the templates
    whose value is the same at every send (variables without templates in them, `$env.`) are expanded at once,
    the others (fake data, built-ins, response references, variables that hold templates) at each `render`,
    placed as `expand` places them; a built-in is read once into what makes its value."""

    parts: tuple[str | tuple[Callable[[Scope], Any], Template, str], ...]
    origin: Span | None = None
    fresh: bool = field(init=False)
    """Some part is made at each render (else `parts` is the whole text, or nothing)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "fresh", any(not isinstance(part, str) for part in self.parts))

    def render(self, scope: Scope) -> str:
        out: list[str] = []
        for part in self.parts:
            if isinstance(part, str):
                out.append(part)
                continue
            make, template, placement = part
            try:
                out.append(_formatted(make(scope), placement))
            except TemplateError as exc:
                raise _placed_at(exc, template, self.origin) from None
        text = "".join(out)
        if len(text) > MAX_EXPANDED:
            raise TemplateError(f"this text expands to more than {MAX_EXPANDED // (1024 * 1024)} MB")
        return text


def compile_text(text: str, scope: Scope, *, json_mode: bool = False, origin: Span | None = None) -> Compiled:
    """`text` read for `Compiled.render`; raises TemplateError as `expand` would on a fixed template."""
    parts: list[str | tuple[Callable[[Scope], Any], Template, str]] = []
    fixed: list[str] = []
    for literal, template, placement in _placed(text, json_mode):
        fixed.append(literal)
        if template is None:
            break
        if _changes(template, scope):
            parts += ["".join(fixed), (_made(template, scope, origin), template, placement)]
            fixed = []
        else:
            fixed.append(_formatted(_value_of(template, scope, origin), placement))
    parts.append("".join(fixed))
    return Compiled(tuple(part for part in parts if part != ""), origin)


def _made(template: Template, scope: Scope, origin: Span | None) -> Callable[[Scope], Any]:
    """How a changing template's value is made at each render: a built-in read once, else evaluated."""
    expr = template.expr
    if expr.startswith("$"):
        try:
            make = _maker(expr[1:], scope.locale)
        except TemplateError as exc:
            raise _placed_at(exc, template, origin) from None
        return lambda _scope: make()
    return lambda scope: evaluate(expr, scope)


def _changes(template: Template, scope: Scope) -> bool:
    """The template's value may differ from one expansion to the next."""
    expr = template.expr
    if not template.closed or expr.startswith("$env."):
        return False
    if expr.startswith("$") or _REFERENCE.match(expr):
        return True
    hit = scope.lookup(expr) if _VARIABLE.match(expr) else None
    return hit is not None and isinstance(hit[1], str) and "{{" in hit[1]


def evaluate(expr: str, scope: Scope, depth: int = 0) -> Any:
    """The value of one template expression (the text between the braces)."""
    if depth > _MAX_DEPTH:
        raise TemplateError(f"`{expr}` refers to itself through other variables")
    if expr.startswith("$"):
        return _builtin(expr[1:], scope)
    reference = _REFERENCE.match(expr)
    if reference:
        return _reference(reference, scope)
    if not _VARIABLE.match(expr):
        raise TemplateError(
            f"`{{{{{expr}}}}}` is neither a variable name, `$faker.PROVIDER`, a `$` built-in nor "
            "`REQUEST.response.body.PATH`"
        )
    hit = scope.lookup(expr)
    if hit is None:
        raise TemplateError(_unknown_variable(expr, scope))
    value = hit[1]
    if isinstance(value, str) and "{{" in value:
        return _expand(value, scope, False, None, depth + 1)
    return value


def problem_of(expr: str, scope: Scope) -> str | None:
    """Why `expr` cannot be expanded, without producing any value (no fake data is made); None if fine.
    Response references are not checked: they depend on what has run."""
    try:
        if expr.startswith("$faker."):
            call = split_call(expr[len("$faker.") :])
            if call is None:
                return f"`{expr}` is not a provider call: write `$faker.email` or `$faker.pyint(min_value=1)`"
            if not known_fake(call[0]):
                fake_value(call[0], call[1], call[2], scope.locale)  # raises the unknown-provider message
            return None
        if expr.startswith("$env."):
            name = expr[len("$env.") :]
            return None if name in scope.process_env else f"`{name}` is not set in the process environment"
        if expr.startswith("$"):
            name = expr[1:].split()[0].split("(")[0] if expr[1:].strip() else ""
            if name not in POSTMAN:
                dynamic_value(name, [], scope.locale)  # raises with suggestions
            return None
        if _REFERENCE.match(expr):
            return None
        if not _VARIABLE.match(expr):
            evaluate(expr, scope)
        if scope.lookup(expr) is None:
            return _unknown_variable(expr, scope)
    except TemplateError as exc:
        return exc.message
    return None


def _builtin(body: str, scope: Scope) -> Any:
    if body.startswith("env."):
        name = body[len("env.") :]
        if name not in scope.process_env:
            raise TemplateError(f"`$env.{name}`: `{name}` is not set in the process environment")
        return scope.process_env[name]
    return _maker(body, scope.locale)()


def _maker(body: str, locale: str | None) -> Callable[[], Any]:
    """A fake-data or dynamic built-in (`faker.email`, `randomInt 1 9`) read once: what makes a value of it."""
    if body.startswith("faker."):
        call = split_call(body[len("faker.") :])
        if call is None:
            raise TemplateError(
                f"`$faker.{body[6:]}` is not a provider call: write `$faker.email` or "
                "`$faker.pyint(min_value=1, max_value=9)`"
            )
        path, args, kwargs = call
        return lambda: fake_value(path, args, kwargs, locale)
    words = body.split()
    if not words:
        raise TemplateError("`{{$}}` names nothing: write a built-in such as `$uuid` or `$randomEmail`")
    if len(words) > 1 or "(" not in body:
        numbers: list[Any] = []
        for word in words[1:]:
            try:
                numbers.append(int(word))
            except ValueError:
                raise TemplateError(f"`${words[0]}`: `{word}` is not a whole number") from None
        return dynamic_maker(words[0], numbers, locale)
    call = split_call(body)
    if call is None:
        raise TemplateError(f"`${body}` is not a built-in call")
    return dynamic_maker(call[0], call[1], locale)


def _reference(match: re.Match[str], scope: Scope) -> Any:
    name, part, path = match.group("request"), match.group("part"), match.group("path")
    response = scope.responses.get(name)
    if response is None:
        if name in scope.failed:
            raise TemplateError(f"`{name}` failed ({scope.failed[name]}), so there is no response of it to use here")
        raise TemplateError(
            f"`{name}` has no response yet: send it before this request (`voiden run FILE` sends every request "
            f"in document order; `voiden run FILE {name} ...` sends the ones named, in that order)"
        )
    if part == "status":
        return response.status
    if part == "headers":
        if not path:
            return response.headers
        value = response.header(path)
        if value is None:
            raise TemplateError(f"the response of `{name}` has no header `{path}`")
        return value
    if not path:
        return response.body
    data = response.json()
    if data is None:
        raise TemplateError(f"the response body of `{name}` is not JSON, so it has no `{path}`")
    try:
        return follow_path(data, path)
    except TemplateError as exc:
        raise TemplateError(f"`{name}.response.body.{path}`: {exc.message}") from None


def _unknown_variable(name: str, scope: Scope) -> str:
    candidates = [n for n in scope.names() if not n.isupper() or name.isupper()]
    scored = ((difflib.SequenceMatcher(None, name, c).ratio(), c) for c in candidates)
    # a close name that starts like the typed one, or a very close one: `ws_url` is not a typo of `base_url`
    likely = [c for ratio, c in sorted(scored, reverse=True) if ratio >= 0.85 or (ratio >= 0.75 and c[:1] == name[:1])]
    close = likely[:3]
    hint = f"; did you mean {', '.join(f'`{c}`' for c in close)}?" if close else ""
    if name in scope.example_names and scope.root is not None:
        example = scope.root / EXAMPLE_DOTENV_FILE
        return f"undefined variable `{name}`: {example} defines it, copy it to .env beside it (or pass --var)"
    return f"undefined variable `{name}`{hint} (define it in the front matter `vars`, voiden.toml, .env, or pass --var)"


def to_text(value: Any) -> str:
    """How a value reads inside text: booleans and null as JSON spells them, dates in ISO 8601."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if isinstance(value, Decimal | UUID | int | float):
        return str(value)
    return json.dumps(value, default=str, ensure_ascii=False)


def to_json(value: Any) -> str:
    """How a value reads as a whole JSON value: numbers and booleans bare, other text quoted."""
    if isinstance(value, str):
        stripped = value.strip()
        if _JSON_SCALAR.match(stripped):
            return stripped
        if stripped[:1] in ("{", "[") and _is_json(stripped):
            return stripped
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool | int | float) or value is None:
        return json.dumps(value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | dict | tuple):
        return json.dumps(value, default=to_text, ensure_ascii=False)
    return json.dumps(to_text(value), ensure_ascii=False)


def looks_like_json(text: str) -> bool:
    """Starts like a JSON object or array (a leading `{{` is a template, not an object)."""
    stripped = text.lstrip()
    return stripped[:1] == "[" or (stripped[:1] == "{" and not stripped.startswith("{{"))


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def _string_state(literal: str, in_string: bool) -> bool:
    """Whether a JSON string is open after `literal`, given whether one was open before it."""
    escaped = False
    for ch in literal:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
    return in_string


def _whole_json_value(text: str, template: Template) -> bool:
    before = text[: template.start].rstrip()
    after = text[template.end :].lstrip()
    return (not before or before[-1] in ":[,") and (not after or after[0] in ",}]")
