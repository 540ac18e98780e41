"""Finding `{{ ... }}` templates in text, and reading their call arguments as literals only."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from voiden_lsp.document.model import Position, Span
from voiden_lsp.errors import TemplateError


@dataclass(frozen=True)
class Template:
    expr: str
    """The text between the braces, stripped."""
    start: int
    end: int
    """Offsets of `{{` and just past `}}` in the scanned text."""
    closed: bool = True


def find_templates(text: str) -> list[Template]:
    """Every template in `text` (see `iter_templates`)."""
    return list(iter_templates(text))


def iter_templates(text: str) -> Iterator[Template]:
    """The templates in `text`, in order. Braces, brackets and quotes inside a template nest, so
    `{{$faker.number.int({"min": 1})}}` is one template; an unclosed `{{` runs to the next `{{` at its own
    depth or to the end of its line. Each character is read once: a line of `{` costs what its length does."""
    i = text.find("{{")
    while i != -1:
        j = i + 2
        depth = 0
        quote = ""
        end = -1
        while j < len(text):
            ch = text[j]
            if quote:
                if ch == "\\":
                    j += 1
                elif ch == quote:
                    quote = ""
                elif ch == "\n":
                    break  # a quote never spans lines
            elif ch in "\"'`":
                quote = ch
            elif ch in "([{":
                if ch == "{" and depth == 0 and text.startswith("{{", j):
                    break  # a new template starts: this one was never closed
                depth += 1
            elif ch in ")]":
                depth = max(0, depth - 1)
            elif ch == "}":
                if depth == 0 and text.startswith("}}", j):
                    end = j + 2
                    break
                depth = max(0, depth - 1)
            elif ch == "\n":
                break
            j += 1
        if end == -1:
            stop = min(j, len(text))
            yield Template(text[i + 2 : stop].strip(), i, stop, closed=False)
            i = text.find("{{", stop)
            continue
        yield Template(text[i + 2 : end - 2].strip(), i, end)
        i = text.find("{{", end)


def template_at(span: Span, pos: Position) -> Template | None:
    """The template of `span` under a document position (either edge counts), if any."""
    if not span.range.contains(pos):
        return None
    offset = span.offset_at(pos)
    for template in iter_templates(span.text):
        if template.start > offset:
            return None
        if offset <= template.end:
            return template
    return None


_CALL = re.compile(r"^(?P<path>[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*)\s*(?:\((?P<args>.*)\))?\s*$", re.DOTALL)

_JS_CONSTANTS: dict[str, Any] = {
    "true": True,
    "false": False,
    "null": None,
    "undefined": None,
    "True": True,
    "False": False,
    "None": None,
}


def split_call(expr: str) -> tuple[str, list[Any], dict[str, Any]] | None:
    """`ns.method(args)` -> (path, positional, keyword); None when `expr` is not of that shape.

    Arguments are Python literals, JSON, or relaxed JS object literals (`{min: 1}`), read from the syntax
    tree without evaluating anything: a document can never run code.
    """
    match = _CALL.match(expr)
    if not match:
        return None
    args_text = match.group("args")
    if args_text is None or not args_text.strip():
        return match.group("path"), [], {}
    try:
        tree = ast.parse(f"f({args_text})", mode="eval")
    except SyntaxError as exc:
        shown = args_text if len(args_text) <= 80 else args_text[:79] + "…"
        raise TemplateError(
            f"cannot read the arguments `({shown})`: {exc.msg}; arguments are "
            'literals such as 1, "text", [1, 2] or {"min": 1}'
        ) from None
    call = tree.body
    assert isinstance(call, ast.Call)
    positional = [_literal(node) for node in call.args]
    keywords: dict[str, Any] = {}
    for keyword in call.keywords:
        if keyword.arg is None:
            raise TemplateError("`**` arguments are not allowed: write each argument as name=value")
        keywords[keyword.arg] = _literal(keyword.value)
    return match.group("path"), positional, keywords


def _literal(node: ast.expr) -> Any:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name) and node.id in _JS_CONSTANTS:
        return _JS_CONSTANTS[node.id]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        value = _literal(node.operand)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.List | ast.Tuple | ast.Set):
        return [_literal(item) for item in node.elts]
    if isinstance(node, ast.Dict):
        result: dict[Any, Any] = {}
        for key, value in zip(node.keys, node.values, strict=True):
            if key is None:
                raise TemplateError("`**` inside an object is not allowed")
            result[key.id if isinstance(key, ast.Name) else _literal(key)] = _literal(value)
        return result
    raise TemplateError(
        f"`{ast.unparse(node)}` is not a literal: arguments are numbers, strings, booleans, "
        "lists or objects, never expressions"
    )
