"""The one event model of every protocol and every face (DESIGN.md, "The event model")."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Final

import orjson

CONNECTING: Final = "connecting"
OPEN: Final = "open"
SENT: Final = "sent"
RECEIVED: Final = "received"
STATUS: Final = "status"
TRAILERS: Final = "trailers"
ERROR: Final = "error"
CLOSED: Final = "closed"
CHECK: Final = "check"
"""One expectation judged (FORMAT.md section 8)."""
KINDS: Final = (CONNECTING, OPEN, SENT, RECEIVED, STATUS, TRAILERS, ERROR, CLOSED, CHECK)

JSON: Final = "json"
TEXT: Final = "text"
BASE64: Final = "base64"
"""A payload's `encoding`: `data` is a decoded JSON value, a string, or base64 of the bytes."""


@dataclass(slots=True)
class Event:
    session: str
    request: str
    seq: int
    time: float
    """Milliseconds since the session started."""
    kind: str
    fields: dict[str, Any] = field(default_factory=dict)

    _line: str | None = field(default=None, repr=False, compare=False)

    def to_json(self) -> dict[str, Any]:
        return {
            "session": self.session,
            "request": self.request,
            "seq": self.seq,
            "time": round(self.time, 3),
            "kind": self.kind,
            **self.fields,
        }

    def json_line(self) -> str:
        """The event as one compact JSON text, made once however many faces print or send it."""
        if self._line is None:
            value = self.to_json()
            try:
                self._line = orjson.dumps(value).decode()
            except TypeError:  # what orjson refuses and json takes: an integer beyond 64 bits in a payload
                self._line = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        return self._line


def payload_text(fields: dict[str, Any], *, indent: int | None = 2) -> str:
    """A payload as a person reads it (each face's job, at display time): JSON indented, text as it came,
    binary as its base64."""
    data = fields.get("data")
    if fields.get("encoding") == JSON:
        return json.dumps(data, indent=indent, ensure_ascii=False)
    return "" if data is None else str(data)


def cut_payload(fields: dict[str, Any], limit: int) -> dict[str, Any]:
    """A payload over `limit` bytes cut to its first ones: JSON as the start of its text, text as its start,
    binary as base64 of its first bytes; `truncated` set, `size` (the whole) kept."""
    data, encoding = fields.get("data"), fields.get("encoding")
    if encoding == BASE64 and isinstance(data, str):
        cut = data[: (limit + 2) // 3 * 4]
    else:
        text = json.dumps(data, ensure_ascii=False) if encoding == JSON else str(data or "")
        cut, encoding = text[:limit], TEXT
    return {**fields, "data": cut, "encoding": encoding, "truncated": True}


def session_state(events: list[Event]) -> str:
    """connecting / open / closed / failed, derived from a session's events (no other source of truth)."""
    state = "idle"
    for event in events:
        if event.kind == CONNECTING:
            state = "connecting"
        elif event.kind == OPEN:
            state = "open"
        elif event.kind == ERROR:
            state = "failed"
        elif event.kind == CLOSED and state != "failed":
            state = "closed"
    return state
