"""Markdown and YAML as the readers of documents use them: block structure only, and YAML with its nesting
bounded before PyYAML (recursive) reads it."""

from __future__ import annotations

import re
from functools import cache
from typing import Any


@cache
def markdown_parser() -> Any:
    """Block structure is all the parser needs: inline parsing (links, emphasis) would triple the cost.
    Imported on first use, so that the language server starts fast."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark").disable("inline")


_YAML_DEPTH = 100
"""YAML nested deeper than this is refused before PyYAML (recursive) reads it."""


def _nesting_beyond(text: str, limit: int) -> int | None:
    """The offset where `[`/`{` nesting first passes `limit`, ignoring quoted text; None when it never does."""
    depth = 0
    quote = ""
    for offset, ch in enumerate(text):
        if quote:
            if ch == quote or ch == "\n":
                quote = ""
        elif ch in "\"'":
            quote = ch
        elif ch in "[{":
            depth += 1
            if depth > limit:
                return offset
        elif ch in "]}":
            depth = max(0, depth - 1)
    return None


def safe_yaml(text: str) -> Any:
    """`yaml.safe_load`, with flow nesting deeper than _YAML_DEPTH refused first as a YAMLError (PyYAML
    recurses). Its constructors may still raise ValueError (an out-of-range date) for the caller to report."""
    import yaml

    if _nesting_beyond(text, _YAML_DEPTH) is not None:
        raise yaml.YAMLError(f"nested more than {_YAML_DEPTH} deep")
    return yaml.safe_load(text)


def slugify(text: str) -> str:
    return re.sub(r"[^0-9a-z]+", "-", text.lower()).strip("-")
