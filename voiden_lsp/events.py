"""The one event model of every protocol and every face (DESIGN.md, "The event model")."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

CONNECTING: Final = "connecting"
OPEN: Final = "open"
SENT: Final = "sent"
RECEIVED: Final = "received"
STATUS: Final = "status"
TRAILERS: Final = "trailers"
ERROR: Final = "error"
CLOSED: Final = "closed"
KINDS: Final = (CONNECTING, OPEN, SENT, RECEIVED, STATUS, TRAILERS, ERROR, CLOSED)


@dataclass
class Event:
    session: str
    request: str
    seq: int
    time: float
    """Milliseconds since the session started."""
    kind: str
    fields: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "session": self.session,
            "request": self.request,
            "seq": self.seq,
            "time": round(self.time, 3),
            "kind": self.kind,
            **self.fields,
        }


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
