"""WebSocket on `websockets` (asyncio client): a live session with text and binary frames, visible pings,
close codes from either side, size limits and optional reconnection."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
import time
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit

import certifi
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus, InvalidURI
from websockets.frames import CloseCode

from voiden_lsp.errors import TransportError
from voiden_lsp.events import CLOSED, CONNECTING, ERROR, OPEN, RECEIVED, SENT
from voiden_lsp.templating import ResolvedRequest
from voiden_lsp.transports.base import Emitted, Transport, bytes_payload, plain_text_payload, text_payload
from voiden_lsp.transports.ws_connection import ObservedConnection

DEFAULT_MAX_SIZE = 16 * 1024 * 1024
STOP_CLOSE_TIMEOUT = 2.0
#: Close codes that mean something went wrong (application codes 3000-4999 are the server's own business).
_FAILURES = frozenset({1002, 1003, 1006, 1007, 1008, 1009, 1011})
_CLOSE_MEANINGS = {
    1000: "normal closure",
    1001: "going away",
    1002: "protocol error",
    1003: "unsupported data",
    1006: "the connection was lost without a close frame",
    1007: "a text frame was not valid UTF-8",
    1008: "policy violation",
    1009: "a message was over the size limit",
    1011: "the server hit an internal error",
}


class WebSocketTransport(Transport):
    live = True

    def __init__(self, request: ResolvedRequest) -> None:
        super().__init__(request)
        self._ws: ObservedConnection | None = None
        self._closing_by_client: tuple[int, str] | None = None
        self._received = 0
        self._sent = 0
        self._closing: asyncio.Task[None] | None = None
        self._max_messages: int | None = None
        self._before_open: list[Emitted] | None = []
        """Pings that arrive during the handshake, shown right after `open`."""

    async def events(self) -> AsyncIterator[Emitted]:
        runner = asyncio.create_task(self._run(), name=f"websocket {self.request.name}")
        try:
            async for item in self._drain():
                yield item
            await runner  # re-raises what went wrong inside, for the session to report
        finally:
            if not runner.done():
                runner.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await runner
            if self._ws is not None:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(self._ws.close(1001, "cancelled"), 2)

    async def _run(self) -> None:
        request = self.request
        attempts = request.meta_int("reconnect") or 0
        max_messages = request.meta_int("max-messages")
        duration = request.meta_duration("duration")
        deadline = None if duration is None else time.monotonic() + duration
        attempt = 0
        try:
            while True:
                again = await self._session(attempt, max_messages, deadline)
                if not again or attempt >= attempts:
                    break
                attempt += 1
                delay = min(0.2 * 2 ** (attempt - 1), 5.0)
                self._emit(
                    CONNECTING,
                    {
                        "target": request.target,
                        "attempt": attempt + 1,
                        "reason": f"reconnecting in {delay:g}s (attempt {attempt} of {attempts})",
                    },
                )
                await asyncio.sleep(delay)
        except TransportError as exc:
            self._emit(ERROR, {"message": exc.message})
        finally:
            self._end()

    async def _session(self, attempt: int, max_messages: int | None, deadline: float | None) -> bool:
        """One connection, from handshake to close. True when it ended in a way worth reconnecting after."""
        request = self.request
        if attempt == 0:
            self._emit(CONNECTING, {"target": request.target})
        self._before_open = []
        try:
            self._ws = ws = await self._connect()
        except TransportError as exc:
            self._emit(ERROR, {"message": exc.message})
            return True
        wanted = request.metadata.get("subprotocol", [])
        if wanted and ws.subprotocol is None:
            await ws.close(CloseCode.PROTOCOL_ERROR, "no subprotocol agreed")
            self._emit(
                ERROR,
                {
                    "message": f"the server accepted none of the subprotocols {', '.join(wanted)}: "
                    "check `@subprotocol` against what the server offers"
                },
            )
            self._emit(CLOSED, {"by": "client", "code": 1002, "reason": "no subprotocol agreed"})
            return False
        self._emit(OPEN, {"headers": dict(ws.response.headers) if ws.response else {}, "subprotocol": ws.subprotocol})
        for kind, fields in self._before_open or ():
            self._emit(kind, fields)
        self._before_open = None
        if request.body is not None:  # on every (re)connect: the body is typically a subscription
            await self._send_frame(request.body)
        self.ready.set()
        self._closing = None
        self._max_messages = max_messages
        ws.on_message = self._on_message
        ws.read_directly()
        try:
            while True:
                timeout = None if deadline is None else deadline - time.monotonic()
                if timeout is not None and timeout <= 0:
                    self._closing = self._close_while_reading(
                        1000, f"@duration {self.request.meta('duration')} reached"
                    )
                    deadline = None  # closing: a later recv() ends the loop with ConnectionClosed
                    continue
                if timeout is None:
                    message = await ws.recv()
                else:
                    try:
                        async with asyncio.timeout(timeout):
                            message = await ws.recv()
                    except TimeoutError:
                        continue
                ws.queued = max(0, ws.queued - 1)
                self._on_message(message)
        except ConnectionClosed as closed:
            ws.on_message = None
            if self._closing is not None:
                await self._closing
            return self._report_close(closed)

    def _on_message(self, message: str | bytes) -> None:
        if self._closing_by_client is not None:
            return  # sent before our close reached the server: past the limit, not part of the session
        self._received += 1
        self._emit(RECEIVED, message_payload(message))
        if self._max_messages is not None and self._received >= self._max_messages:
            self._closing = self._close_while_reading(1000, f"@max-messages {self._max_messages} reached")

    async def _connect(self) -> ObservedConnection:
        request = self.request
        context: ssl.SSLContext | None = None
        if request.target.startswith("wss://"):
            ca = request.meta("ca")
            context = ssl.create_default_context(cafile=str(request.path(ca)) if ca else certifi.where())
            if request.insecure:
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
        max_size = request.meta_size("max-message-size") or DEFAULT_MAX_SIZE
        # The observer is in place before the handshake ends: a server may ping at once.
        observed = type("Observed", (ObservedConnection,), {"on_control": staticmethod(self._control)})
        try:
            ws = await connect(
                request.target,
                additional_headers=request.headers,
                ssl=context,
                subprotocols=self._subprotocols() or None,  # type: ignore[arg-type]
                open_timeout=request.timeout or 10,
                max_size=max_size,
                proxy=None,
                create_connection=observed,
            )
        except InvalidStatus as exc:
            response = exc.response
            body = response.body.decode(errors="replace").strip()[:300] if response.body else ""
            raise TransportError(
                f"the server refused the WebSocket handshake: {response.status_code} "
                f"{response.reason_phrase}" + (f": {body}" if body else "")
            ) from None
        except InvalidURI as exc:
            raise TransportError(f"invalid WebSocket URL `{request.target}`: {exc}; write ws:// or wss://") from None
        except InvalidHandshake as exc:
            hint = (
                ": does the server speak TLS on that port? try wss://"
                if request.target.startswith("ws://") and "valid HTTP response" in str(exc)
                else ""
            )
            raise TransportError(f"the WebSocket handshake with {request.target} failed: {exc}{hint}") from None
        except TimeoutError:
            raise TransportError(
                f"no WebSocket handshake from {request.target} within "
                f"{request.timeout or 10:g}s: check the server, or raise `@timeout`"
            ) from None
        except ssl.SSLError as exc:
            if "WRONG_VERSION_NUMBER" in str(exc.reason or exc).upper():
                raise TransportError(
                    f"{request.target} does not speak TLS on that port (it answered in plaintext): use ws://, "
                    "or check the port"
                ) from None
            raise TransportError(
                f"TLS failed with {request.target}: {exc.reason or exc}. Pass its CA with "
                "`@ca FILE`, or add `@insecure` (not for production)"
            ) from None
        except socket.gaierror:
            host = urlsplit(request.target).hostname or request.target
            raise TransportError(f"cannot resolve the host `{host}`: check the URL's host name") from None
        except OSError as exc:
            if isinstance(exc, ConnectionRefusedError) or "refused" in str(exc).lower():
                raise TransportError(
                    f"connection refused by {request.target}: is the server running, and on that port?"
                ) from None
            if request.target.startswith("wss://") and not str(exc).strip():
                raise TransportError(
                    f"{request.target} closed the connection during the TLS handshake: does it speak TLS on that "
                    "port? use ws://, or check the port"
                ) from None
            raise TransportError(f"cannot connect to {request.target}: {exc.strerror or exc}") from None
        assert isinstance(ws, ObservedConnection)
        return ws

    def _subprotocols(self) -> list[str]:
        return self.request.metadata.get("subprotocol", [])

    def _control(self, direction: str, name: str, data: bytes) -> None:
        kind = SENT if direction == "sent" else RECEIVED
        try:  # a ping's payload is often random bytes: text when it is text, else base64
            text = data.decode()
            payload = plain_text_payload(text, len(data)) if text.isprintable() else None
        except ValueError:
            payload = None
        fields = {**(payload or bytes_payload(data)), "event": name, "control": True}
        if self._before_open is not None:
            self._before_open.append((kind, fields))
        else:
            self._emit(kind, fields)

    def _report_close(self, closed: ConnectionClosed) -> bool:
        """The `closed` event (and an `error` for a protocol failure); True if a reconnect makes sense."""
        frame = closed.rcvd or closed.sent
        code = int(frame.code) if frame is not None else 1006
        reason = frame.reason if frame is not None else ""
        client_first = closed.sent is not None and (closed.rcvd is None or closed.rcvd_then_sent is False)
        by = "client" if self._closing_by_client is not None or client_first else "server"
        if code in _FAILURES:
            self._emit(
                ERROR,
                {
                    "message": f"the WebSocket closed with {code}: {_CLOSE_MEANINGS[code]}"
                    + (f" ({reason})" if reason else "")
                },
            )
        self._emit(
            CLOSED,
            {
                "by": by,
                "code": code,
                "reason": reason or _CLOSE_MEANINGS.get(code, ""),
                "messages": self._received,
                "sent": self._sent,
            },
        )
        return by == "server" and code != 1000

    def _close_while_reading(self, code: int, reason: str) -> asyncio.Task[None]:
        """Closes from the reading loop, which goes on reading (and dropping) what the server sent before it saw
        our close: a server that has sent more than the read queue holds would otherwise never be read to its
        close frame, and the close would wait out its whole timeout."""
        self._closing_by_client = (code, reason)  # from now on nothing received is counted
        return asyncio.create_task(self._client_close(code, reason))

    async def _client_close(self, code: int, reason: str) -> None:
        self._closing_by_client = (code, reason)
        assert self._ws is not None
        await self._ws.close(code, reason)

    async def _send_frame(self, payload: str | bytes) -> None:
        assert self._ws is not None
        try:
            await self._ws.send(payload)
        except ConnectionClosed as closed:
            frame = closed.rcvd or closed.sent
            code = frame.code if frame is not None else 1006
            raise TransportError(f"cannot send: the WebSocket is closed (code {code}); connect again") from None
        self._sent += 1
        self._emit(SENT, message_payload(payload))

    async def send(self, message: str | bytes, *, event: str | None = None) -> None:
        if self._ws is None or self._ws.close_code is not None:
            raise TransportError(f"`{self.request.name}` is not connected: connect first")
        await self._send_frame(message)

    async def close(self) -> None:
        if self._ws is not None and self._ws.close_code is None:
            await self._client_close(1000, "closed by the user")

    async def stop(self, reason: str) -> bool:
        if self._ws is None or self._ws.close_code is not None:
            return False
        # What the server queued before it sees the close is read and dropped; past 2 s it is not worth waiting for.
        self._ws.close_timeout = min(self._ws.close_timeout or STOP_CLOSE_TIMEOUT, STOP_CLOSE_TIMEOUT)
        self._close_while_reading(1000, reason[:120])  # a close reason is at most 123 bytes
        return True


def message_payload(message: str | bytes) -> dict[str, Any]:
    """A message's event fields: text (its JSON value when it is JSON) or bytes (base64)."""
    return bytes_payload(message) if isinstance(message, bytes) else text_payload(message)
