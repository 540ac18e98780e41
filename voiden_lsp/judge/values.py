"""The values an expectation is judged on: a message's or a body's value at a path, the operators that hold
between an actual and an expected value, and each value as a verdict shows it (cut)."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from typing import Any

from voiden_lsp.events import JSON

#: An `actual` longer than this (as JSON text) is shown cut.
ACTUAL_LIMIT = 2000


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()
"""What a subject is when it is not there (no such header, no `id` in the body, no message[5])."""

Search = Callable[[re.Pattern[str], str], bool]
"""How `matches` runs a pattern: the run passes one that cannot hang on a hostile pattern."""


class SearchAborted(Exception):
    """A `matches` pattern could not be run to its end (it ran past the time limit): the check fails."""


def plain_search(pattern: re.Pattern[str], text: str) -> bool:
    return pattern.search(text) is not None


# -- values --------------------------------------------------------------------------------------


def message_value(fields: dict[str, Any], path: tuple[str | int, ...]) -> tuple[Any, str]:
    """A received message's value at `path`; `event` first names the SSE / Socket.IO event name."""
    if path[:1] == ("event",) and "event" in fields and len(path) == 1:
        return fields["event"], ""
    data, encoding = fields.get("data"), fields.get("encoding")
    if encoding != JSON and path and isinstance(data, str):
        try:  # a text message that is JSON after all (a number, or cut at the payload limit it is not)
            data = json.loads(data)
        except ValueError:
            return MISSING, f"the message is not JSON, so it has no `{path_text(path).lstrip('.')}`"
    return walk(data, path)


def walk(value: Any, path: tuple[str | int, ...]) -> tuple[Any, str]:
    """`value` at `path` (keys and indexes; a digit key indexes a list), or MISSING and where it failed."""
    current = value
    walked = ""
    for part in path:
        step = f"[{part}]" if isinstance(part, int) else f".{part}"
        if isinstance(current, list):
            index = part if isinstance(part, int) else int(part) if part.lstrip("-").isdigit() else None
            if index is not None and -len(current) <= index < len(current):
                current = current[index]
                walked += f"[{index}]"
                continue
            return MISSING, f"`{(walked + step).lstrip('.')}` is not there (a list of {len(current)})"
        if isinstance(current, dict):
            key = str(part)
            if key in current:
                current = current[key]
                walked += step
                continue
            return MISSING, f"there is no `{(walked + step).lstrip('.')}`" + among(current)
        return (
            MISSING,
            f"there is no `{(walked + step).lstrip('.')}` ({json_type(current)} `{brief(current)}` has no parts)",
        )
    return current, ""


def holds(operator: str, actual: Any, expected: Any = None, search: Search = plain_search) -> bool:
    """Whether `actual OPERATOR expected` holds (FORMAT.md section 8's operators, the app's meanings)."""
    present = actual is not MISSING
    if operator == "exists":
        return present and actual is not None
    if operator == "not-exists":
        return not present or actual is None
    if operator == "is-empty":
        return not present or actual in (None, "") or (isinstance(actual, list | dict) and not actual)
    if operator == "not-empty":
        return not holds("is-empty", actual, expected)
    if operator == "is-truthy":  # as JavaScript, the app's language: [] and {} are truthy
        if not present or actual is None or actual is False or actual == "":
            return False
        return isinstance(actual, list | dict) or actual != 0
    if operator == "is-falsy":
        return not holds("is-truthy", actual, expected)
    if not present:
        return False
    if operator == "equals":
        return equal(actual, expected)
    if operator == "not-equals":
        return not equal(actual, expected)
    if operator in ("less-than", "less-equal", "greater-than", "greater-equal"):
        number = _number(actual)
        if number is None or not isinstance(expected, int | float):
            return False
        return {
            "less-than": number < expected,
            "less-equal": number <= expected,
            "greater-than": number > expected,
            "greater-equal": number >= expected,
        }[operator]
    if operator in ("contains", "not-contains"):
        found = _contains(actual, expected)
        return found if operator == "contains" else not found
    if operator == "starts-with":
        return _as_text(actual).startswith(_as_text(expected))
    if operator == "ends-with":
        return _as_text(actual).endswith(_as_text(expected))
    if operator == "matches":
        return isinstance(expected, re.Pattern) and search(expected, _as_text(actual))
    if operator == "type-is":
        return json_type(actual) == str(expected)
    return False


def equal(actual: Any, expected: Any) -> bool:
    """JSON equality (`true` is not `1`), except that a text that reads as a number equals that number
    (a header, a text message `42`) and a number equals its own text (`status == "200"`)."""
    if isinstance(actual, bool) or isinstance(expected, bool):
        return isinstance(actual, bool) and isinstance(expected, bool) and actual == expected
    if isinstance(actual, int | float) and isinstance(expected, int | float):
        return actual == expected
    if isinstance(actual, str) and isinstance(expected, int | float):
        return _number(actual) == expected
    if isinstance(actual, int | float) and isinstance(expected, str):
        return _number(expected) == actual
    if isinstance(actual, list) and isinstance(expected, list):
        return len(actual) == len(expected) and all(equal(a, e) for a, e in zip(actual, expected, strict=True))
    if isinstance(actual, dict) and isinstance(expected, dict):
        return actual.keys() == expected.keys() and all(equal(actual[k], expected[k]) for k in actual)
    return type(actual) is type(expected) and bool(actual == expected)


def _contains(actual: Any, expected: Any) -> bool:
    if isinstance(actual, list):
        return any(equal(item, expected) for item in actual)
    if isinstance(actual, dict):
        return isinstance(expected, str) and expected in actual
    return _as_text(expected) in _as_text(actual)


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None
        return number if math.isfinite(number) else None
    return None


def _as_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def json_type(value: Any) -> str:
    """The JSON type name of a value, as `type-is` names it."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def brief(value: Any, limit: int = 120) -> str:
    text = _as_text(value) if not isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def shown(value: Any) -> Any:
    """`actual` for a `check` event: the value, or the start of its text when it is long."""
    if value is MISSING:
        return None
    text = json.dumps(value, ensure_ascii=False)
    return value if len(text) <= ACTUAL_LIMIT else text[: ACTUAL_LIMIT - 1] + "…"


def expected_shown(value: Any) -> Any:
    if isinstance(value, re.Pattern):
        return f"/{value.pattern}/"
    return value


def among(mapping: dict[str, Any]) -> str:
    if not mapping:
        return ""
    names = list(mapping)
    more = f", … {len(names) - 8} more" if len(names) > 8 else ""
    return f" (there is: {', '.join(names[:8])}{more})"


def path_text(path: tuple[str | int, ...]) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path)
