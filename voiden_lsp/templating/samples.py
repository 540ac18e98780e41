"""Sample values made of templates: what "Fill with sample data" writes for a gRPC message or GraphQL
variables, and what the OpenAPI importer writes for a schema without an example. A string is chosen by
its field's name (`email` -> `{{$faker.email}}`); numbers and booleans are templates written bare."""

from __future__ import annotations

import json
import re
from typing import Any


class Bare(str):
    """A template written without quotes: it expands to a JSON number or boolean."""


BOOLEAN = "{{$faker.pybool}}"
INTEGER = "{{$faker.pyint(min_value=1, max_value=100)}}"
NUMBER = "{{$faker.pyfloat(right_digits=2, min_value=0, max_value=1000)}}"

#: (pattern on the field name, template) for string fields, first match wins.
BY_NAME = [
    (r"e_?mail", "{{$faker.email}}"),
    (r"first_?name|given_?name", "{{$faker.first_name}}"),
    (r"last_?name|family_?name|surname", "{{$faker.last_name}}"),
    (r"user_?name|login|handle", "{{$faker.user_name}}"),
    (r"^name$|full_?name|display_?name", "{{$faker.name}}"),
    (r"phone|mobile", "{{$faker.phone_number}}"),
    (r"city", "{{$faker.city}}"),
    (r"country", "{{$faker.country}}"),
    (r"street|address", "{{$faker.street_address}}"),
    (r"zip|postal|postcode", "{{$faker.postcode}}"),
    (r"url|link|website|href", "{{$faker.url}}"),
    (r"uuid|guid|^id$|_id$|request_?id", "{{$uuid}}"),
    (r"company|organi[sz]ation", "{{$faker.company}}"),
    (r"password|secret", "{{$faker.password}}"),
    (r"currency", "{{$faker.currency_code}}"),
    (r"color|colour", "{{$faker.color_name}}"),
    (r"ip(_?address)?$", "{{$faker.ipv4}}"),
    (r"title|subject|headline", "{{$faker.catch_phrase}}"),
    (r"date|time|_at$", "{{$isoTimestamp}}"),
    (r"description|text|message|comment|body|note|reason|summary", "{{$faker.sentence}}"),
    (r"symbol|code|tag|label|kind|type", "{{$faker.word}}"),
]


def string_template(name: str) -> str:
    """The fake-data template for a string field named `name` (lower-cased), `{{$faker.word}}` by default."""
    return next((template for pattern, template in BY_NAME if re.search(pattern, name)), "{{$faker.word}}")


def render(value: Any, indent: int = 0) -> str:
    """`value` as indented JSON text, Bare templates unquoted."""
    pad, inner = "  " * indent, "  " * (indent + 1)
    if isinstance(value, Bare):
        return str(value)
    if isinstance(value, dict):
        if not value:
            return "{}"
        members = [f"{inner}{json.dumps(k)}: {render(v, indent + 1)}" for k, v in value.items()]
        return "{\n" + ",\n".join(members) + f"\n{pad}}}"
    if isinstance(value, list):
        return "[" + ", ".join(render(v, indent) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)
