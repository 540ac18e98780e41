"""What every transport is: a resolved request in, (kind, fields) events out."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from http.cookiejar import CookieJar
from typing import Any

from voiden_lsp.errors import TransportError
from voiden_lsp.templating import ResolvedRequest, Response

Emitted = tuple[str, dict[str, Any]]


class Transport:
    """One run of one request. `events()` drives it; a live transport also takes `send()` and `close()`.

    `response` holds, once the run has produced one, the answer that `{{NAME.response...}}` refers to.
    """

    live = False

    def __init__(self, request: ResolvedRequest) -> None:
        self.request = request
        self.response: Response | None = None
        self.ready = asyncio.Event()
        """Set once `send()` may be called (a live transport's connection or call exists)."""
        self.cookies: CookieJar | None = None
        """The run's (or the editor session's) cookie jar, for the HTTP-based transports; set by the runner."""

    def events(self) -> AsyncIterator[Emitted]:
        raise NotImplementedError

    async def send(self, message: str | bytes, *, event: str | None = None) -> None:
        """Send one message on the open connection (bytes: a binary frame)."""
        raise TransportError(f"`{self.request.name}` is a {self.request.protocol} request: it takes no messages")

    async def end_input(self) -> None:
        """The client has nothing more to send (`voiden run` after the last message block): a gRPC call
        half-closes; a WebSocket stays open until its limits or the server end it."""

    async def close(self) -> None:
        """Ask the peer to end the exchange (half-close or close handshake); default: nothing to do."""


def pretty(text: str) -> str:
    """Indented JSON when `text` is JSON, else `text` unchanged."""
    stripped = text.strip()
    if stripped[:1] in ("{", "[") or stripped in ("true", "false", "null"):
        try:
            return json.dumps(json.loads(stripped), indent=2, ensure_ascii=False)
        except ValueError:
            pass
    return text
