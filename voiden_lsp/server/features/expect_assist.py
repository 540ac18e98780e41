"""Completion and hover inside `expect` blocks: subjects for the request's protocol, operators for the
subject, paths from the last response (or the last message received, or the gRPC output message's schema),
header names from the last response, and type names, gRPC status codes and booleans as values."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from voiden_lsp.document import Document, ExpectBlock, Position, Request, split_lines
from voiden_lsp.document.expect_values import parse_path
from voiden_lsp.document.expect_words import OPERATORS, TYPES, UNARY
from voiden_lsp.errors import VoidenError
from voiden_lsp.events import RECEIVED
from voiden_lsp.judge import json_type
from voiden_lsp.server.features.grpc_support import cached_schema
from voiden_lsp.server.server import VoidenServer

if TYPE_CHECKING:
    from google.protobuf.descriptor import Descriptor

Kind = types.CompletionItemKind
MAX_ITEMS = 200

#: subject -> (what it is, the protocols it applies to; None: all)
STREAMING = frozenset({"ws", "socketio", "sse", "grpc"})
SUBJECTS: dict[str, tuple[str, frozenset[str] | None]] = {
    "status": ("the HTTP status number, or the gRPC code name (`OK`, `NOT_FOUND`)", frozenset({"http", "grpc", "sse"})),
    "header": ("`header NAME`: a response header (gRPC: initial metadata)", None),
    "trailer": ("`trailer NAME`: a gRPC trailer", frozenset({"grpc"})),
    "body": ("the response body, as JSON if it is (`body.PATH`); a unary gRPC answer", frozenset({"http", "grpc"})),
    "time": ("milliseconds to the end of the exchange (`time < 500ms`)", None),
    "size": ("bytes received (`size < 1KB`)", None),
    "error": ("the transport's error text (a failed gRPC call's status message); absent when none", None),
    "messages": ("the number of messages received (`messages >= 3 within 2s`)", STREAMING),
    "message[0]": ("the Nth message received, from 0; `-1` is the last (`message[0].PATH`)", STREAMING),
    "any": ("`any message.PATH`: met once a message matches (waits for it)", STREAMING),
    "every": ("`every message.PATH`: every message received matches (judged at the close)", STREAMING),
    "closed.code": ("the close code (WebSocket)", frozenset({"ws", "socketio"})),
    "closed.reason": ("why the session closed", STREAMING),
    "closed.by": ("`client` or `server`: who closed the session", STREAMING),
}  # fmt: skip
OPERATOR_HELP = {
    "equals": "equal (a number written as text equals the number)",
    "not-equals": "not equal",
    "less-than": "less than (numbers, durations, sizes)",
    "less-equal": "less than or equal",
    "greater-than": "greater than",
    "greater-equal": "greater than or equal",
    "contains": "a text contains it, an array holds it, an object has the key",
    "not-contains": "does not contain it",
    "starts-with": "text starting with it",
    "ends-with": "text ending with it",
    "matches": "matches the regular expression (`/.../i` or a string), with a time limit",
    "exists": "is there and not null",
    "not-exists": "is absent or null",
    "is-empty": "an empty text, array or object",
    "not-empty": "a text, array or object that is not empty",
    "is-truthy": "true, a non-zero number, a non-empty text",
    "is-falsy": "false, 0, empty, null or absent",
    "type-is": "of the JSON type: " + ", ".join(TYPES),
}
GRPC_CODES = (
    "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS",
    "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED",
    "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED",
)  # fmt: skip
_TWO_WORDS = ("header", "trailer", "any", "every")


def block_at(doc: Document, pos: Position) -> ExpectBlock | None:
    return next((b for b in doc.expects if b.range.start.line < pos.line < b.range.end.line), None)


def complete(ls: VoidenServer, uri: str, doc: Document, block: ExpectBlock, before: str) -> list[types.CompletionItem]:
    request = doc.request(block.request) if block.request else None
    protocol = request.protocol if request else ""
    if "#" in before:
        return []
    words = before.split()
    typing = bool(words) and not before[-1:].isspace()
    done = words[:-1] if typing else words
    partial = words[-1] if typing else ""
    two = bool(done) and done[0].lower() in _TWO_WORDS
    if not done:  # the subject's first word
        if "." in partial or "[" in partial:
            return _paths(ls, uri, request, partial)
        return [
            types.CompletionItem(label=name, kind=Kind.Field, detail=detail)
            for name, (detail, protocols) in SUBJECTS.items()
            if protocols is None or not protocol or protocol in protocols
        ]
    if two and len(done) == 1:  # the second word of `header NAME` / `any message.PATH`
        head = done[0].lower()
        if head in ("any", "every"):
            if "." in partial:
                return _paths(ls, uri, request, partial)
            return [types.CompletionItem(label="message.", kind=Kind.Field, detail="a path in each message")]
        return _headers(ls, uri, request, trailer=head == "trailer")
    subject_words = 2 if two else 1
    if len(done) == subject_words:  # the operator
        return [
            types.CompletionItem(
                label=symbol or name,
                kind=Kind.Operator,
                detail=name if symbol else None,
                documentation=OPERATOR_HELP.get(name),
                filter_text=f"{symbol} {name}" if symbol else name,
                sort_text=f"{i:02d}",
            )
            for i, (name, symbol) in enumerate(OPERATORS.items())
        ] + [
            types.CompletionItem(
                label=name, kind=Kind.Operator, documentation=OPERATOR_HELP.get(name), sort_text=f"5{i:02d}"
            )
            for i, (name, symbol) in enumerate(OPERATORS.items())
            if symbol
        ]
    if len(done) == subject_words + 1:  # the expected value
        operator = done[-1].lower()
        if operator in ("type-is", "typeof"):
            return [types.CompletionItem(label=t, kind=Kind.EnumMember) for t in TYPES]
        if operator in UNARY:
            return [types.CompletionItem(label="within", kind=Kind.Keyword, detail="within DURATION")]
        if operator == "matches" and done[0].lower().startswith(("body", "message")):
            return [
                types.CompletionItem(
                    label="snapshot",
                    kind=Kind.Keyword,
                    detail="the value stored in __snapshots__/ (written on the first run)",
                    documentation="`matches snapshot [ignoring PATH, ...]`: `voiden test --update-snapshots` stores "
                    "this run's value",
                )
            ]
        if done[0].lower() == "status" and protocol == "grpc":
            return [types.CompletionItem(label=c, kind=Kind.EnumMember, detail="gRPC status") for c in GRPC_CODES]
        return [types.CompletionItem(label=v, kind=Kind.Value) for v in ("true", "false", "null")]
    if len(done) == subject_words + 2 and done[-1].lower() == "snapshot":
        return [types.CompletionItem(label="ignoring", kind=Kind.Keyword, detail="ignoring PATH, ... (left out)")]
    if len(done) >= subject_words + 2 and "snapshot" in (w.lower() for w in done):
        return []
    if len(done) >= subject_words + 2 and "within" not in (w.lower() for w in done):
        return [types.CompletionItem(label="within", kind=Kind.Keyword, detail="within DURATION (`within 2s`)")]
    return []


def _paths(ls: VoidenServer, uri: str, request: Request | None, partial: str) -> list[types.CompletionItem]:
    """Keys at the path typed so far: `body.items.0.` offers the keys of the first item."""
    if request is None:
        return []
    head, _, _ = partial.rpartition(".")
    root, _, rest = head.partition(".")
    message = re.fullmatch(r"(?:message|message\[(-?\d+)\])", root)
    try:
        path = parse_path("." + rest) if rest else ()
    except ValueError:
        return []
    if root == "body":
        value = _last_body(ls, uri, request)
    elif message is not None:
        value = _last_message(ls, uri, request, int(message.group(1) or -1))
    else:
        return []
    for step in path:
        if isinstance(value, dict):
            value = value.get(str(step))
        elif isinstance(value, list) and isinstance(step, int) and -len(value) <= step < len(value):
            value = value[step]
        else:
            value = None
    keys: list[tuple[str, str]] = []
    if isinstance(value, dict):
        keys = [(str(k), _type_name(v)) for k, v in list(value.items())[:MAX_ITEMS]]
    elif isinstance(value, list) and value:
        keys = [("0", f"first of {len(value)}")]
    if not keys and request.protocol == "grpc":
        keys = _schema_fields(ls, uri, request, path)
    return [types.CompletionItem(label=k, kind=Kind.Field, detail=d) for k, d in keys]


def _last_body(ls: VoidenServer, uri: str, request: Request) -> Any:
    response = ls.responses.get(uri, {}).get(request.name)
    return response.json() if response is not None else None


def _last_message(ls: VoidenServer, uri: str, request: Request, index: int) -> Any:
    for live in reversed(list(ls.sessions.values())):
        if live.uri == uri and live.request == request.name:
            received = [e.fields.get("data") for e in live.session.log if e.kind == RECEIVED]
            if received and -len(received) <= index < len(received):
                return received[index]
    return None


def _schema_fields(ls: VoidenServer, uri: str, request: Request, path: tuple[str | int, ...]) -> list[tuple[str, str]]:
    schema = cached_schema(request, ls.scope(uri, request))
    if schema is None or request.rpc is None:
        return []
    try:
        descriptor: Descriptor | None = schema.method(request.rpc.text).output
    except VoidenError:
        return []
    for step in path:
        if descriptor is None:
            return []
        if isinstance(step, int):
            continue  # an index into a repeated field: the same message type
        field = descriptor.fields_by_camelcase_name.get(str(step)) or descriptor.fields_by_name.get(str(step))
        descriptor = field.message_type if field is not None else None
    if descriptor is None:
        return []
    return [(f.json_name, f"{f.message_type.name if f.message_type else _scalar(f)} field") for f in descriptor.fields]


def _scalar(field: Any) -> str:
    from google.protobuf.descriptor import FieldDescriptor

    names = {v: k.removeprefix("TYPE_").lower() for k, v in vars(FieldDescriptor).items() if k.startswith("TYPE_")}
    return str(names.get(field.type, "value"))


def _headers(ls: VoidenServer, uri: str, request: Request | None, *, trailer: bool) -> list[types.CompletionItem]:
    if request is None:
        return []
    response = ls.responses.get(uri, {}).get(request.name)
    names = list(response.headers) if response is not None and not trailer else []
    if not names:
        names = ["content-type", "content-length", "location", "cache-control", "etag"] if not trailer else []
    return [types.CompletionItem(label=n, kind=Kind.Field, detail="header") for n in names[:MAX_ITEMS]]


def _type_name(value: Any) -> str:
    kind = json_type(value)
    return f"{kind}: {str(value)[:40]}" if kind in ("number", "string") else kind


def hover(ls: VoidenServer, uri: str, doc: Document, pos: Position) -> str | None:
    """What the subject or operator under the cursor means; elsewhere on a line, its last verdict."""
    block = block_at(doc, pos)
    if block is None:
        return None
    for expectation in block.expectations:
        if not expectation.range.contains(pos):
            continue
        if expectation.subject_range.contains(pos):
            word = expectation.subject.kind
            key = {"message": "message[0]", "closed": f"closed.{expectation.subject.name or 'reason'}"}.get(word, word)
            detail = SUBJECTS.get(key, ("", None))[0]
            return f"**{expectation.subject_text}**: {detail}" if detail else None
        if expectation.operator_range.contains(pos):
            symbol = OPERATORS.get(expectation.operator)
            spelled = f"`{expectation.operator}`" + (f" (`{symbol}`)" if symbol else "")
            return f"{spelled}: {OPERATOR_HELP.get(expectation.operator, '')}"
        return _last_verdict(ls, uri, doc, block, expectation.range.start.line)
    return None


def _last_verdict(ls: VoidenServer, uri: str, doc: Document, block: ExpectBlock, line: int) -> str | None:
    from voiden_lsp.server.features import expectations

    request = doc.request(block.request) if block.request else None
    if request is None:
        return None
    outcome = expectations.current(ls, uri, split_lines(doc.text), request)
    index = next((i for i, e in enumerate(request.expectations) if e.range.start.line == line), None)
    if outcome is None or outcome.running or index is None:
        return None
    check = next((c for i, c in expectations.verdicts(outcome, request) if i == index), None)
    if check is None:
        return None
    return ("last run: ✔ " if check.get("passed") else "last run: ✘ ") + str(check.get("message"))
