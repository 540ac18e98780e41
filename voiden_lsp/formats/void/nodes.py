"""The YAML nodes of the app's ```void fences, read in both shapes it writes (simplified and raw ProseMirror):
text, children, table rows and cells, file links; and an assertion row as an expect line."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import quote

from voiden_lsp.document.expect_words import OPERATOR_ALIASES, OPERATORS, UNARY
from voiden_lsp.document.markup import safe_yaml
from voiden_lsp.document.model import (
    Header,
    Range,
    Request,
    Span,
)

_KEEP = "{}$:/@!,;=+'()*[].-_~"


def void_nodes(text: str) -> list[dict[str, Any]]:
    """The YAML nodes of every ```void fence of a file (the unreadable ones skipped)."""
    import yaml

    nodes = []
    for match in re.finditer(r"^```void\n(.*?)^```", text, re.DOTALL | re.MULTILINE):
        try:
            node = normalized(safe_yaml(match.group(1).strip().removeprefix("---").removesuffix("---")))
        except (yaml.YAMLError, ValueError, RecursionError, OverflowError):
            continue
        if isinstance(node, dict):
            nodes.append(node)
    return nodes


def normalized(node: Any) -> Any:
    """The shapes the reader relies on, whatever a truncated or hand-edited file holds: `attrs` is a mapping
    and a `content` list holds nodes (mappings)."""
    if isinstance(node, dict):
        for key, value in list(node.items()):
            if key == "attrs" and not isinstance(value, dict):
                node[key] = {}
            elif key == "content" and isinstance(value, list):
                node[key] = [normalized(item) for item in value if isinstance(item, dict)]
            else:
                node[key] = normalized(value)
    elif isinstance(node, list):
        return [normalized(item) for item in node]
    return node


def inheritable_auth(node: dict[str, Any]) -> bool:
    return node.get("type") == "auth" and str((node.get("attrs") or {}).get("authType") or "") in ("inherit", "none")


def with_query(url: str, pairs: list[tuple[str, str]]) -> str:
    """`url` with `pairs` appended to its query, encoded as a URL needs them (spaces and the like), templates
    left intact."""
    if not pairs:
        return url
    joined = "&".join(f"{quote(k, safe=_KEEP)}={quote(v, safe=_KEEP)}" for k, v in pairs)
    return f"{url}{'&' if '?' in url else '?'}{joined}"


_APP_FIELDS = {"status": "status", "statuscode": "status", "responsetime": "time", "duration": "time", "body": "body"}
_NOT_THERE = ("n/a", "null", "")


def assertion_line(field_text: str, operator: str, expected: str) -> str:
    """An app assertion row as an expect line; a ValueError says what cannot be checked."""
    words = field_text.split()
    if not operator.strip() and len(words) > 1 and words[-1].lower() in OPERATOR_ALIASES:
        operator, words = words[-1], words[:-1]  # `status equals`
    written = " ".join(words)
    op = OPERATOR_ALIASES.get(operator.strip().lower())
    if op is None:
        raise ValueError(f"unknown operator `{operator}`: use one of {', '.join(sorted(OPERATORS))}")
    subject = app_subject(written)
    if op in UNARY:
        return f"{subject} {op}"
    value = expected.strip()
    if value.lower() in _NOT_THERE and op != "equals":
        raise ValueError(f"`{operator}` needs an expected value")
    if subject == "time" and re.fullmatch(r"\d+(\.\d+)?", value):
        value += "ms"
    elif op != "matches" and not is_literal(value):
        value = json.dumps(value, ensure_ascii=False)  # the app's cells are plain text: `Hello world`
    return f"{subject} {op} {value}"


def app_subject(written: str) -> str:
    lowered = written.lower()
    if lowered.startswith("response."):
        written, lowered = written[len("response.") :], lowered[len("response.") :]
    if lowered in _APP_FIELDS:
        return _APP_FIELDS[lowered]
    for prefix in ("headers.", "header."):
        if lowered.startswith(prefix):
            name = written[len(prefix) :]
            if name.lower().startswith("set-cookie."):
                raise ValueError(
                    "a cookie's assertion (`header.set-cookie.NAME`) is not checked yet: "
                    "use `header set-cookie contains NAME=`"
                )
            return f"header {name}"
    if lowered == "statustext":
        raise ValueError("HTTP/2 and gRPC have no status text: assert on `status`")
    if lowered.startswith("requestheader."):
        raise ValueError("a request header is what was sent, not an answer: assert on the response")
    if lowered.startswith("body.") or lowered.startswith("body["):
        return written
    return "body" + (written if written.startswith("[") else "." + written)  # a bare path is the body's


def is_literal(value: str) -> bool:
    if value.startswith("{{") and value.endswith("}}"):
        return True
    try:
        json.loads(value)
    except ValueError:
        return False
    return True


def table_rows(node: dict[str, Any]) -> list[list[Any]]:
    """The cells of every enabled row of a table block, as written: the simplified shape's values, or the
    raw ProseMirror shape's cell nodes."""
    rows: list[list[Any]] = []
    for table in child_nodes(node):
        for row in table.get("rows") or []:  # simplified shape
            if (
                isinstance(row, dict)
                and isinstance(row.get("row"), list)
                and not (row.get("attrs") or {}).get("disabled")
            ):
                rows.append(row["row"])
        for row in table.get("content") or []:  # raw ProseMirror shape
            if isinstance(row, dict) and row.get("type") == "tableRow" and not (row.get("attrs") or {}).get("disabled"):
                rows.append([cell for cell in row.get("content") or [] if isinstance(cell, dict)])
    return rows


def cell(value: Any) -> str:
    """A table cell as text (YAML reads `true` or `10` unquoted as a boolean or a number)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).strip()


def value_text(value: Any) -> str:
    """A table cell's text, from a plain value (simplified shape) or a cell node (raw shape)."""
    if isinstance(value, dict):
        return node_text(value).strip()
    if isinstance(value, list):
        return "".join(node_text(item) for item in value if not is_file_link(item)).strip()
    return cell(value)


def file_links(value: Any) -> list[dict[str, Any]]:
    """The attrs of every `fileLink` node in a cell or block, in order."""
    if is_file_link(value):
        return [value.get("attrs") or {}]
    if isinstance(value, dict):
        return file_links(value.get("content"))
    if isinstance(value, list):
        return [link for item in value for link in file_links(item)]
    return []


def is_file_link(value: Any) -> bool:
    return isinstance(value, dict) and value.get("type") == "fileLink"


def default_content_type(request: Request, content_type: str, where: Range) -> None:
    """The body's Content-Type, unless the section's headers set one."""
    if not any(h.name.lower() == "content-type" for h in request.headers):
        request.headers.append(Header("Content-Type", Span(content_type, where), where, where))


def file_name(link: dict[str, Any]) -> str:
    return str(link.get("filename") or link.get("filePath") or "file").rsplit("/", 1)[-1]


def media_type(filename: str) -> str:
    import mimetypes

    return mimetypes.guess_type(filename)[0] or "application/octet-stream"


def child_nodes(node: Any) -> list[dict[str, Any]]:
    content = node.get("content") if isinstance(node, dict) else None
    return [c for c in content if isinstance(c, dict)] if isinstance(content, list) else []


def node_text(node: Any) -> str:
    """The text of a node in either shape: `content: "GET"` or `content: [{type: text, text: GET}]`."""
    if node is None:
        return ""
    if isinstance(node, str):
        return node
    if not isinstance(node, dict):
        return str(node)
    if node.get("type") == "text":
        return str(node.get("text") or "")
    content = node.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(node_text(child) for child in content)
    attrs = node.get("attrs") or {}
    return str(attrs.get("method") or attrs.get("value") or "")
