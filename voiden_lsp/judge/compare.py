"""Values compared by meaning (history diffs and snapshots): paths left out, JSON with its keys sorted, and a
unified diff of what differs. Pure."""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable
from typing import Any

MAX_DIFF_LINES = 60
"""A diff shown in a failure message is cut here (the whole diff is a `voiden diff` away)."""


def steps(path: str) -> list[str]:
    """`items[*].id` -> ["items", "*", "id"]; a leading `body.` is optional."""
    text = path[len("body.") :] if path.startswith("body.") else path
    return [s for s in re.split(r"\.|\[|\]", text.strip()) if s]


def without(value: Any, paths: Iterable[str]) -> Any:
    """`value` with each path left out (`*` for every key or item)."""
    for path in paths:
        value = _without(value, steps(path))
    return value


def _without(value: Any, path: list[str]) -> Any:
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        if not rest:
            return {k: v for k, v in value.items() if k != head and head != "*"}
        return {k: (_without(v, rest) if k == head or head == "*" else v) for k, v in value.items()}
    if isinstance(value, list) and (head == "*" or head.isdigit()):
        index = None if head == "*" else int(head)
        if not rest:
            return [v for i, v in enumerate(value) if index is not None and i != index]
        return [_without(v, rest) if index is None or i == index else v for i, v in enumerate(value)]
    return value


def lines(value: Any) -> list[str]:
    """A value as lines that compare by meaning: JSON indented with sorted keys, text as its lines."""
    if isinstance(value, (dict, list)):
        return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False).splitlines()
    if isinstance(value, str):
        return value.splitlines()
    return [json.dumps(value, ensure_ascii=False)]


def unified(before: list[str], after: list[str], before_name: str, after_name: str, limit: int = 0) -> list[str]:
    """A unified diff (no lines when they are the same), cut at `limit` lines when one is given."""
    found = list(difflib.unified_diff(before, after, before_name, after_name, lineterm=""))
    if limit and len(found) > limit:
        return [*found[:limit], f"... {len(found) - limit} more lines"]
    return found
