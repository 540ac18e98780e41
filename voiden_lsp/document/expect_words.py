"""The words of `expect` lines: operators with their symbols and the Voiden app's aliases, the subjects a
line starts with, and the JSON types `is` names."""

from __future__ import annotations

#: canonical name -> the symbol written for it (or "" when it has none)
OPERATORS: dict[str, str] = {
    "equals": "==",
    "not-equals": "!=",
    "less-than": "<",
    "less-equal": "<=",
    "greater-than": ">",
    "greater-equal": ">=",
    "contains": "",
    "not-contains": "",
    "starts-with": "",
    "ends-with": "",
    "matches": "",
    "exists": "",
    "not-exists": "",
    "is-empty": "",
    "not-empty": "",
    "is-truthy": "",
    "is-falsy": "",
    "type-is": "",
}
#: every spelling accepted (the symbols, and the Voiden app's aliases) -> canonical name
OPERATOR_ALIASES: dict[str, str] = {
    **{name: name for name in OPERATORS},
    **{symbol: name for name, symbol in OPERATORS.items() if symbol},
    "===": "equals",
    "eq": "equals",
    "equal": "equals",
    "!==": "not-equals",
    "ne": "not-equals",
    "neq": "not-equals",
    "lt": "less-than",
    "lte": "less-equal",
    "gt": "greater-than",
    "gte": "greater-equal",
    "includes": "contains",
    "not-includes": "not-contains",
    "regex": "matches",
    "is-defined": "exists",
    "is-null": "not-exists",
    "is-undefined": "not-exists",
    "empty": "is-empty",
    "truthy": "is-truthy",
    "falsy": "is-falsy",
    "typeof": "type-is",
}
#: operators that take no expected value
UNARY = frozenset({"exists", "not-exists", "is-empty", "not-empty", "is-truthy", "is-falsy"})
ORDERING = frozenset({"less-than", "less-equal", "greater-than", "greater-equal"})
TYPES = ("number", "string", "boolean", "object", "array", "null")
#: the subjects a line starts with, as written, for completion and hints
SUBJECT_WORDS = (
    "status",
    "header",
    "trailer",
    "body",
    "time",
    "size",
    "error",
    "messages",
    "message[0]",
    "message[-1]",
    "any message",
    "every message",
    "closed.code",
    "closed.reason",
    "closed.by",
)
CLOSED_FIELDS = ("code", "reason", "by")
