"""Socket.IO on python-socketio's asyncio client: named events in and out, a namespace, acknowledgements."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import socket
import time
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import socketio

from voiden_lsp.errors import TransportError
from voiden_lsp.events import CLOSED, CONNECTING, ERROR, OPEN, RECEIVED, SENT
from voiden_lsp.templating import ResolvedRequest
from voiden_lsp.transports.base import Emitted, Transport, bytes_payload, value_payload

DEFAULT_EVENT = "message"


def message_data(text: str) -> Any:
    """A message block's text as Socket.IO data: the JSON value when it is JSON (`{"a": 1}`, `42`, `true`,
    `"a string"`), else the text itself."""
    try:
        return json.loads(text)
    except ValueError:
        return text


def _rendering(data: Any) -> dict[str, Any]:
    """`data`, `encoding` and `size` of an event's arguments: bytes (a binary event) as base64, anything else
    as its JSON value (a string too), with bytes inside it as base64 strings."""
    if isinstance(data, bytes):
        return bytes_payload(data)
    value = _json_safe(data)
    return value_payload(value, len(json.dumps(value, ensure_ascii=False).encode()))


def _json_safe(value: Any) -> Any:
    """Socket.IO arguments as plain JSON values: binary attachments inside them become base64 strings."""
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, dict):
        return {str(key): _json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(item) for item in value]
    return value


def _arguments(args: tuple[Any, ...]) -> Any:
    return args[0] if len(args) == 1 else list(args)


def received_fields(event: str, args: tuple[Any, ...]) -> dict[str, Any]:
    """An event from the server as a message's fields: its arguments (one as itself, more as a list) and name."""
    return {**_rendering(_arguments(args)), "event": event}


class SocketIoTransport(Transport):
    live = True

    def __init__(self, request: ResolvedRequest) -> None:
        super().__init__(request)
        self.namespace = request.meta("namespace") or "/"
        self._client: socketio.AsyncClient | None = None
        self._http: aiohttp.ClientSession | None = None
        self._received = 0
        self._closed_by = "server"
        self._disconnected = asyncio.Event()
        self._closing: asyncio.Task[None] | None = None
        self._before_open: list[dict[str, Any]] | None = []
        self._reason = "the server disconnected"
        self._refusal: str | None = None
        """The server's reason for refusing the namespace (its middleware's error), when it gave one."""

    async def events(self) -> AsyncIterator[Emitted]:
        runner = asyncio.create_task(self._run(), name=f"socketio {self.request.name}")
        try:
            async for item in self._drain():
                yield item
            await runner
        finally:
            if not runner.done():
                runner.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await runner
            if self._client is not None:
                await self._client.shutdown()
            if self._http is not None:
                await self._http.close()

    async def _run(self) -> None:
        request = self.request
        duration = request.meta_duration("duration")
        # Our own HTTP session, so that it is closed for certain when the session ends.
        self._http = aiohttp.ClientSession()
        self._client = client = socketio.AsyncClient(
            reconnection=False, ssl_verify=not request.insecure, http_session=self._http
        )

        async def on_any(event: str, *args: Any) -> None:
            self._arrived(received_fields(event, args))

        async def on_connect_error(data: Any = None) -> None:
            if client.eio.state != "connected":
                return  # no transport at all: not a refusal by the server, which `_diagnose` explains
            message = data.get("message") if isinstance(data, dict) else data
            self._refusal = str(message) if message else "no reason given"

        async def on_disconnect(*reason: Any) -> None:
            self._disconnected.set()

        client.on("*", on_any, namespace=self.namespace)
        client.on("disconnect", on_disconnect, namespace=self.namespace)
        client.on("connect_error", on_connect_error, namespace=self.namespace)
        self._emit(CONNECTING, {"target": request.target})
        try:
            async with asyncio.timeout(request.timeout or 10):  # the transport's handshake has no limit of its own
                await client.connect(
                    request.target,
                    headers=dict(request.headers),
                    namespaces=[self.namespace],
                    transports=["websocket"],
                    wait_timeout=request.timeout or 10,
                )
        except TimeoutError:
            with contextlib.suppress(Exception):
                await client.disconnect()
            self._emit(
                ERROR,
                {
                    "message": f"no Socket.IO handshake from {request.target} within {request.timeout or 10:g}s: "
                    "check the server, or raise `@timeout`"
                },
            )
            self._end()
            return
        except Exception as exc:  # socketio's ConnectionError, but aiohttp's own errors also get through
            if self._refusal is not None:
                message = f"the Socket.IO server refused the connection to namespace {self.namespace}: {self._refusal}"
            else:
                message = await _diagnose(request.target, self.namespace, exc, request.timeout)
            self._emit(ERROR, {"message": message})
            self._end()
            return
        try:
            self._emit(OPEN, {"headers": {}, "namespace": self.namespace, "sid": client.get_sid(self.namespace)})
            for fields in self._before_open or ():
                self._emit(RECEIVED, fields)
            self._before_open = None
            if request.body is not None:
                await self.send(request.body)
            self.ready.set()
            try:
                await asyncio.wait_for(self._disconnected.wait(), duration)
            except TimeoutError:
                await self._disconnect(f"@duration {request.meta('duration')} reached")
                await self._disconnected.wait()
            self._emit(CLOSED, {"by": self._closed_by, "reason": self._reason, "messages": self._received})
        finally:
            self._end()

    def _arrived(self, fields: dict[str, Any]) -> None:
        """An event or acknowledgement from the server: shown (after `open`), counted, and checked against
        `@max-messages`."""
        self._received += 1
        if self._before_open is not None:  # a welcome sent while connecting: shown right after `open`
            self._before_open.append(fields)
        else:
            self._emit(RECEIVED, fields)
        limit = self.request.meta_int("max-messages")
        if limit is not None and self._received == limit:
            # Not awaited: a handler runs on the client's reading task, which disconnecting waits for.
            self._closing = asyncio.create_task(self._disconnect(f"@max-messages {limit} reached"))

    async def _disconnect(self, reason: str) -> None:
        self._closed_by, self._reason = "client", reason
        if self._client is not None:
            await self._client.disconnect()

    async def send(self, message: str | bytes, *, event: str | None = None) -> None:
        if self._client is None or not self._client.connected:
            raise TransportError(f"`{self.request.name}` is not connected: connect first")
        name = event or DEFAULT_EVENT
        data: Any = message if isinstance(message, bytes) else message_data(message)
        started = time.perf_counter()

        def acknowledged(*args: Any) -> None:
            if not args:
                return  # the server's handler returned nothing: no acknowledgement worth showing
            latency = round((time.perf_counter() - started) * 1000, 1)
            self._arrived({**_rendering(_arguments(args)), "event": name, "ack": True, "latency": latency})

        # python-socketio sends no argument for None, and spreads a tuple: a JSON null goes as a one-tuple
        await self._client.emit(
            name, (None,) if data is None else data, namespace=self.namespace, callback=acknowledged
        )
        self._emit(SENT, {**_rendering(data), "event": name})

    async def close(self) -> None:
        if self._client is not None and self._client.connected:
            await self._disconnect("closed by the user")

    async def stop(self, reason: str) -> bool:
        if self._client is None or not self._client.connected:
            return False
        await self._disconnect(reason)
        return True


async def _diagnose(url: str, namespace: str, error: Exception, timeout: float | None) -> str:
    """python-socketio says only "Connection error": a plain TCP connect tells refused, DNS and silence apart."""
    parts = urlsplit(url)
    host = parts.hostname or url
    port = parts.port or (443 if parts.scheme in ("https", "wss") else 80)
    try:
        async with asyncio.timeout(timeout or 10):
            _, writer = await asyncio.open_connection(host, port)
        writer.close()
    except socket.gaierror:
        return f"cannot resolve the host `{host}`: check the URL's host name"
    except ConnectionRefusedError:
        return f"connection refused by {host}:{port}: is the Socket.IO server running, and on that port?"
    except TimeoutError:
        return f"no answer from {host}:{port} within {timeout or 10:g}s: check the server, or raise `@timeout`"
    except OSError as exc:
        return f"cannot connect to {host}:{port}: {exc.strerror or exc}"
    reason = str(error).split("\n")[0] if str(error) != "Connection error" else "no Socket.IO handshake"
    reason = reason if len(reason) <= 120 else reason[:119] + "…"
    return (
        f"{host}:{port} answered, but not as a Socket.IO server for namespace {namespace} ({reason}): check the URL, "
        "the namespace and that the server speaks Socket.IO 4 (Engine.IO 4) over WebSocket"
    )
