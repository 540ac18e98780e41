"""Sizes in a template's arguments, capped: no document can make a hover or a send build 200 MB."""

from __future__ import annotations

import inspect
import re
from typing import Any

from voiden_lsp.errors import TemplateError
from voiden_lsp.templating.fakes.python import Args, Kwargs

# -- argument helpers for the faker.js spelling -----------------------------------------------------------


def option(args: Args, kwargs: Kwargs, key: str, default: Any = None) -> Any:
    """faker.js passes either a number (count, length or max) or an options object."""
    if key in kwargs:
        return kwargs[key]
    if args and isinstance(args[0], dict):
        return args[0].get(key, default)
    return default


MAX_FAKE_SIZE = 100_000
"""The largest length or count a fake takes: a document cannot make a hover or a send build 200 MB."""
SIZE_NAME = re.compile(r"char|nb|length|count|size|elements|words|sentences|paragraphs|digits|rows|len|num")


def capped(value: int, what: str) -> int:
    if value > MAX_FAKE_SIZE:
        raise TemplateError(f"{what} is {value}: fake data is at most {MAX_FAKE_SIZE} long (or many)")
    return value


def size_count(args: Args, kwargs: Kwargs, default: int, key: str = "length") -> int:
    if args and isinstance(args[0], int | float) and not isinstance(args[0], bool):
        return capped(int(args[0]), "the count")
    value = option(args, kwargs, key, None)
    if isinstance(value, dict):  # {min, max} ranges
        low, high = capped(int(value.get("min", default)), key), capped(int(value.get("max", default)), key)
        return int((low + high) // 2)
    return capped(int(value), key) if isinstance(value, int | float) else default


def check_sizes(provider: Any, name: str, args: Args, kwargs: Kwargs) -> None:
    """A Python provider's length and count parameters (`max_chars`, `nb_elements`, `digits`...) are capped."""
    try:
        bound = inspect.signature(provider).bind_partial(*args, **kwargs)
    except (TypeError, ValueError):
        return  # Faker itself says what is wrong with the arguments
    for param, value in bound.arguments.items():
        if isinstance(value, int) and not isinstance(value, bool) and SIZE_NAME.search(param):
            capped(value, f"$faker.{name}'s `{param}`")
