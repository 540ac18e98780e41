"""Values an OpenAPI import writes: a string's fake data by its schema's format (or its name), a file for
`format: binary`, a parameter as URL or header text, and the cap on an example's size (a billion laughs is
counted, never expanded)."""

from __future__ import annotations

import json
from typing import Any

from voiden_lsp.templating.samples import string_template

MAX_EXAMPLE_NODES = 10_000


_FORMATS = {
    "email": "{{$faker.email}}",
    "uuid": "{{$uuid}}",
    "date-time": "{{$isoTimestamp}}",
    "date": "{{$faker.date}}",
    "uri": "{{$faker.url}}",
    "url": "{{$faker.url}}",
    "hostname": "{{$faker.hostname}}",
    "ipv4": "{{$faker.ipv4}}",
    "ipv6": "{{$faker.ipv6}}",
    "password": "{{$faker.password}}",
}


def string_sample(schema: dict[str, Any], name: str) -> Any:
    format_ = str(schema.get("format") or "")
    if format_ in ("binary", "byte") and format_ == "binary":
        return Binary()
    return _FORMATS.get(format_) or string_template(name.lower())


class Binary(str):
    """A file's bytes (`format: binary`): sent from a file."""


def is_binary(value: Any) -> bool:
    return isinstance(value, Binary)


def too_big(value: Any) -> bool:
    """More than MAX_EXAMPLE_NODES values, counted as written out (a YAML alias counts each time it is used):
    a billion laughs stops here after that many steps, never expanded."""
    budget = MAX_EXAMPLE_NODES
    stack = [value]
    while stack:
        budget -= 1
        if budget < 0:
            return True
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def plain(value: Any) -> str:
    """A parameter's value as URL or header text (a template as it is)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list):
        return ",".join(plain(v) for v in value)
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
