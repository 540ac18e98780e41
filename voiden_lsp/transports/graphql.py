"""GraphQL over HTTP: the HTTP transport with the request the templating layer built (a POST of
`{"query", "variables", "operationName"}`, or a GET), and a response's `errors` reported as an `error` event,
since GraphQL servers answer them with HTTP 200.

GraphQL over WebSocket: `graphql-transport-ws`, the protocol of the `graphql-ws` library
(https://github.com/enisdenjo/graphql-ws/blob/master/PROTOCOL.md), on our WebSocket transport: a live session
whose operations (the request's, then any sent while it is open) each have an id; every `next` is a `received`
event, an operation's `error` an `error` event, and the connection closes once no operation is left."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from typing import Any

import orjson
from websockets.exceptions import ConnectionClosed

from voiden_lsp.errors import TransportError
from voiden_lsp.events import CLOSED, CONNECTING, ERROR, JSON, OPEN, RECEIVED, SENT
from voiden_lsp.templating import ResolvedRequest
from voiden_lsp.transports.base import NOT_JSON, Emitted, Transport, json_value, value_payload
from voiden_lsp.transports.http import HttpTransport
from voiden_lsp.transports.websocket import WebSocketTransport

SUBPROTOCOL = "graphql-transport-ws"
#: The protocol's own close codes (PROTOCOL.md), in words.
CLOSE_MEANINGS = {
    4400: "the server read a message it could not accept",
    4401: "unauthorized: the server wants the connection initialised first",
    4403: "forbidden: the server refused connection_init (check the request's header lines, its payload)",
    4406: "the server does not speak graphql-transport-ws",
    4408: "the server waited too long for connection_init",
    4409: "an operation with that id is already running",
    4429: "too many connection_init messages",
    4499: "the server stopped the operation",
    4500: "the server hit an internal error",
}


def errors_message(value: Any) -> str | None:
    """The words for a GraphQL response's `errors` (None when it has none): the first message, with its path,
    and how many there are."""
    if not isinstance(value, dict):
        return None
    errors = value.get("errors")
    if not isinstance(errors, list) or not errors:
        return None
    first = errors[0] if isinstance(errors[0], dict) else {}
    message = str(first.get("message") or "an error without a message")
    path = first.get("path")
    where = f" at {'.'.join(str(p) for p in path)}" if isinstance(path, list) and path else ""
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"GraphQL error{where}: {message}{more}"


class GraphQLHttpTransport(HttpTransport):
    async def events(self) -> AsyncIterator[Emitted]:
        async for kind, fields in super().events():
            yield kind, fields
            if kind == RECEIVED and fields.get("encoding") == JSON:
                message = errors_message(fields.get("data"))
                if message is not None:
                    yield ERROR, {"message": message, "graphql": True}


class GraphQLWsTransport(WebSocketTransport):
    """`graphql-transport-ws`: `connection_init` (the request's header lines as its payload; they also go with
    the handshake, where servers read cookies and tokens), `connection_ack`, then a `subscribe` per operation.
    `@max-messages` counts `next` messages over all operations; `@duration`, a stop and a close complete the
    running operations before the close frame."""

    def __init__(self, request: ResolvedRequest) -> None:
        super().__init__(request)
        self._ids = 0
        self._active: set[str] = set()
        """The ids of the operations still running."""
        self._closed_reported = False

    def _subprotocols(self) -> list[str]:
        return [SUBPROTOCOL]

    async def _session(self, attempt: int, max_messages: int | None, deadline: float | None) -> bool:
        request = self.request
        self._emit(CONNECTING, {"target": request.target})
        self._before_open = []
        try:
            self._ws = ws = await self._connect()
        except TransportError as exc:
            self._emit(ERROR, {"message": exc.message})
            return False
        try:
            if ws.subprotocol != SUBPROTOCOL:
                await ws.close(1002, "no subprotocol agreed")
                agreed = f"`{ws.subprotocol}`" if ws.subprotocol else "no subprotocol"
                raise TransportError(
                    f"{request.target} does not speak {SUBPROTOCOL} (the `graphql-ws` library's protocol): it "
                    f"agreed to {agreed}. The older subscriptions-transport-ws protocol is not supported"
                )
            self._emit(OPEN, {"headers": dict(ws.response.headers) if ws.response else {}, "subprotocol": SUBPROTOCOL})
            self._before_open = None
            await self._message("connection_init", control=True, payload=dict(request.headers))
            await self._acknowledged(ws)
            if request.body is not None:
                await self._subscribe(orjson.loads(request.body))
            self.ready.set()
            await self._read(ws, max_messages, deadline)
        except TransportError as exc:
            self._emit(ERROR, {"message": exc.message})
            if ws.close_code is None:
                with contextlib.suppress(Exception):
                    await ws.close(1000, "error")
        except ConnectionClosed as closed:
            self._report_graphql_close(closed)
            return False
        if ws.close_code is not None and not self._closed_reported:
            self._closed_reported = True
            self._emit(
                CLOSED,
                {
                    "by": "client",
                    "code": ws.close_code,
                    "reason": ws.close_reason or "",
                    "messages": self._received,
                    "sent": self._sent,
                },
            )
        return False

    async def _acknowledged(self, ws: Any) -> None:
        """Waits for `connection_ack` (within `@timeout`, 10 s by default), answering pings meanwhile."""
        limit = self.request.timeout or 10
        try:
            async with asyncio.timeout(limit):
                while True:
                    message = self._decode(await ws.recv())
                    kind = message.get("type")
                    if kind == "connection_ack":
                        self._control_event(RECEIVED, message)
                        return
                    if kind in ("ping", "pong"):
                        await self._pinged(message)
                        continue
                    raise TransportError(f"the server answered connection_init with `{kind}`, not connection_ack")
        except TimeoutError:
            await ws.close(1000, "no connection_ack")
            raise TransportError(
                f"no connection_ack from {self.request.target} within {limit:g}s: the server did not accept "
                "connection_init; check the header lines, or raise `@timeout`"
            ) from None

    async def _read(self, ws: Any, max_messages: int | None, deadline: float | None) -> None:
        closing: asyncio.Task[None] | None = None
        try:
            while True:
                timeout = None if deadline is None else deadline - time.monotonic()
                if timeout is not None and timeout <= 0:
                    closing = await self._finish(f"@duration {self.request.meta('duration')} reached")
                    deadline = None
                    continue
                try:
                    async with asyncio.timeout(timeout):
                        raw = await ws.recv()
                except TimeoutError:
                    continue
                if self._closing_by_client is not None:
                    continue
                message = self._decode(raw)
                kind, ident = message.get("type"), str(message.get("id", ""))
                if kind == "next":
                    self._received += 1
                    payload = message.get("payload")
                    self._emit(RECEIVED, {**value_payload(payload, _size(raw)), "event": "next", "id": ident})
                    words = errors_message(payload)
                    if words is not None:
                        self._emit(ERROR, {"message": words, "graphql": True, "id": ident})
                    if max_messages is not None and self._received >= max_messages:
                        closing = await self._finish(f"@max-messages {max_messages} reached")
                elif kind == "error":
                    self._active.discard(ident)
                    words = errors_message({"errors": message.get("payload")}) or "GraphQL error"
                    self._emit(ERROR, {"message": words, "graphql": True, "id": ident})
                    if not self._active:
                        closing = await self._finish("every operation ended")
                elif kind == "complete":
                    self._active.discard(ident)
                    self._control_event(RECEIVED, message)
                    if not self._active:
                        closing = await self._finish("every operation completed")
                elif kind in ("ping", "pong"):
                    await self._pinged(message)
                else:
                    self._emit(ERROR, {"message": f"the server sent a message of unknown type `{kind}`"})
        except ConnectionClosed as closed:
            if closing is not None:
                await closing
            self._report_graphql_close(closed)

    def _report_graphql_close(self, closed: ConnectionClosed) -> None:
        frame = closed.rcvd or closed.sent
        if frame is not None and frame.code in CLOSE_MEANINGS and self._closing_by_client is None:
            reason = f" ({frame.reason})" if frame.reason else ""
            self._emit(ERROR, {"message": f"the server closed with {frame.code}: {CLOSE_MEANINGS[frame.code]}{reason}"})
        self._closed_reported = True
        self._report_close(closed)

    async def _finish(self, reason: str) -> asyncio.Task[None]:
        """Completes what is still running (the protocol's goodbye), then closes while reading on."""
        for ident in sorted(self._active):
            with contextlib.suppress(ConnectionClosed):
                await self._message("complete", control=True, id=ident)
        self._active.clear()
        return self._close_while_reading(1000, reason[:120])

    async def _subscribe(self, payload: dict[str, Any]) -> str:
        self._ids += 1
        ident = str(self._ids)
        self._active.add(ident)
        await self._message("subscribe", id=ident, payload=payload)
        return ident

    async def _message(self, kind: str, *, control: bool = False, id: str | None = None, payload: Any = None) -> None:
        message: dict[str, Any] = {"type": kind} if id is None else {"id": id, "type": kind}
        if payload:
            message["payload"] = payload
        text = orjson.dumps(message).decode()
        assert self._ws is not None
        try:
            await self._ws.send(text)
        except ConnectionClosed as closed:
            frame = closed.rcvd or closed.sent
            code = frame.code if frame is not None else 1006
            raise TransportError(f"cannot send: the WebSocket is closed (code {code}); connect again") from None
        if control:
            self._control_event(SENT, message, size=len(text.encode()))
        else:
            self._sent += 1
            self._emit(SENT, {**value_payload(message, len(text.encode())), "event": kind, "id": id})

    def _control_event(self, kind: str, message: dict[str, Any], *, size: int | None = None) -> None:
        fields = {
            **value_payload(message, size if size is not None else _size(message)),
            "event": message.get("type"),
            "control": True,
        }
        if "id" in message:
            fields["id"] = str(message["id"])
        self._emit(kind, fields)

    async def _pinged(self, message: dict[str, Any]) -> None:
        self._control_event(RECEIVED, message)
        if message.get("type") == "ping":
            await self._message("pong", control=True)

    def _decode(self, raw: str | bytes) -> dict[str, Any]:
        value = json_value(raw if isinstance(raw, str) else raw.decode("utf-8", errors="replace"))
        if not isinstance(value, dict) or not isinstance(value.get("type"), str):
            preview = (raw if isinstance(raw, str) else repr(raw))[:80]
            raise TransportError(f"the server sent what is not a graphql-transport-ws message: {preview}")
        return value

    async def send(self, message: str | bytes, *, event: str | None = None) -> None:
        """Another operation on the open connection: a GraphQL document, or `{"query", "variables",
        "operationName"}` as JSON."""
        if self._ws is None or self._ws.close_code is not None or self._closing_by_client is not None:
            raise TransportError(f"`{self.request.name}` is not connected: connect first")
        text = message.decode() if isinstance(message, bytes) else message
        value = json_value(text)
        if value is NOT_JSON:
            payload: dict[str, Any] = {"query": text}
        elif isinstance(value, dict) and isinstance(value.get("query"), str):
            payload = value
        else:
            raise TransportError('a GraphQL message is a document, or JSON with a "query": `{"query": "{ a }"}`')
        await self._subscribe(payload)

    async def close(self) -> None:
        if self._ws is not None and self._ws.close_code is None and self._closing_by_client is None:
            await self._finish("closed by the user")

    async def stop(self, reason: str) -> bool:
        if self._ws is None or self._ws.close_code is not None:
            return False
        self._ws.close_timeout = min(self._ws.close_timeout or 2.0, 2.0)
        await self._finish(reason)
        return True


def _size(raw: Any) -> int:
    if isinstance(raw, bytes):
        return len(raw)
    if isinstance(raw, str):
        return len(raw.encode())
    return len(orjson.dumps(raw))


def graphql_transport(request: ResolvedRequest) -> Transport:
    scheme = request.target.split(":", 1)[0].lower()
    if scheme in ("http", "https"):
        return GraphQLHttpTransport(request)
    if scheme in ("ws", "wss"):
        return GraphQLWsTransport(request)
    raise TransportError(f"a GraphQL URL is http(s):// or ws(s)://, not `{request.target}`")
