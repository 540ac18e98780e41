"""What every transport is: a resolved request in, (kind, fields) events out."""

from __future__ import annotations

import asyncio
import base64
import json
import math
import re
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any

import orjson

from voiden_lsp.errors import TransportError
from voiden_lsp.events import BASE64, JSON, TEXT
from voiden_lsp.templating import ResolvedRequest, Response

if TYPE_CHECKING:
    from http.cookiejar import CookieJar

Emitted = tuple[str, dict[str, Any]]
Deliver = Callable[[str, dict[str, Any]], object]
_END: Any = object()


class Transport:
    """One run of one request. `events()` drives it; a live transport also takes `send()` and `close()`.

    `response` holds, once the run has produced one, the answer that `{{NAME.response...}}` refers to.
    """

    live = False

    @property
    def streams(self) -> bool:
        """Whether the peer may send more than one message (a run judged on its expectations is kept open
        while they wait): a live transport does; so do SSE and gRPC server streams."""
        return self.live

    def __init__(self, request: ResolvedRequest) -> None:
        self.request = request
        self.response: Response | None = None
        self.ready = asyncio.Event()
        """Set once `send()` may be called (a live transport's connection or call exists)."""
        self.cookies: CookieJar | None = None
        """The run's (or the editor session's) cookie jar, for the HTTP-based transports; set by the runner."""
        self.deliver: Deliver | None = None
        """Set by the session before `events()` starts: what a transport's own tasks emit goes straight to it,
        in the turn of the event loop that read it from the socket (no queue, no second turn per message)."""
        self._out: asyncio.Queue[Emitted] | None = None

    def events(self) -> AsyncIterator[Emitted]:
        raise NotImplementedError

    def _emit(self, kind: str, fields: dict[str, Any]) -> None:
        """An event from a task of the transport's own (a reader): to `deliver`, else queued for `_drain()`."""
        if self.deliver is not None:
            self.deliver(kind, fields)
        else:
            self._queue().put_nowait((kind, fields))

    def _end(self) -> None:
        """The transport's tasks are done: `_drain()` returns."""
        self._queue().put_nowait(_END)

    async def _drain(self) -> AsyncIterator[Emitted]:
        """What `_emit` queued, until `_end()` (with `deliver` set, nothing but the end comes this way)."""
        queue = self._queue()
        while (item := await queue.get()) is not _END:
            yield item

    def _queue(self) -> asyncio.Queue[Emitted]:
        if self._out is None:
            self._out = asyncio.Queue()
        return self._out

    async def send(self, message: str | bytes, *, event: str | None = None) -> None:
        """Send one message on the open connection (bytes: a binary frame)."""
        raise TransportError(f"`{self.request.name}` is a {self.request.protocol} request: it takes no messages")

    async def end_input(self) -> None:
        """The client has nothing more to send (`voiden run` after the last message block): a gRPC call
        half-closes; a WebSocket stays open until its limits or the server end it."""

    async def close(self) -> None:
        """Ask the peer to end the exchange (half-close or close handshake); default: nothing to do."""

    async def stop(self, reason: str) -> bool:
        """End the exchange now with a close handshake that says `reason`; False when the protocol has none
        (the session then cancels the run)."""
        return False


def text_payload(text: str, *, size: int | None = None) -> dict[str, Any]:
    """`data`, `encoding` and `size` of a text payload (DESIGN.md, the event model): JSON text travels as its
    value (`encoding: "json"`), any other text as itself (`"text"`). `size` defaults to its UTF-8 length."""
    size = len(text.encode("utf-8", errors="surrogatepass")) if size is None else size
    value = json_value(text)
    return plain_text_payload(text, size) if value is NOT_JSON else value_payload(value, size)


def plain_text_payload(text: str, size: int) -> dict[str, Any]:
    """Text as itself, never read as JSON (a chunk of a long body, a file body by name, a ping's text)."""
    return {"data": text, "encoding": TEXT, "size": size}


def bytes_payload(data: bytes) -> dict[str, Any]:
    """A binary payload: base64, its size the bytes'."""
    return {"data": base64.b64encode(data).decode("ascii"), "encoding": BASE64, "size": len(data)}


def value_payload(value: Any, size: int) -> dict[str, Any]:
    """A decoded JSON value (a protobuf message in the JSON mapping, Socket.IO arguments)."""
    return {"data": value, "encoding": JSON, "size": size}


NOT_JSON: Any = object()


def _finite(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise ValueError("not a finite number")
    return number


def _no_constants(text: str) -> Any:
    raise ValueError(f"{text} is not JSON")


_EXACT = json.JSONDecoder(parse_float=_finite, parse_constant=_no_constants)
_LONG_NUMBER = re.compile(r"\d{16}")


def json_value(text: str) -> Any:
    """The value of `text` when it is a JSON object, array, `true`, `false` or `null`, else `NOT_JSON`. Only
    what survives a round trip to any JSON parser: no NaN or Infinity, no number too large for a double.
    orjson reads it (five times faster than json), except text with a run of 16 digits or more, which
    orjson would round to a double: json keeps such an integer exact."""
    stripped = text.strip()
    if not (stripped[:1] in ("{", "[") or stripped in ("true", "false", "null")):
        return NOT_JSON
    try:
        if _LONG_NUMBER.search(stripped) is None:
            return orjson.loads(stripped)
        return _EXACT.decode(stripped)
    except (ValueError, RecursionError):
        return NOT_JSON
