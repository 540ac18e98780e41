"""MCP requests (FORMAT.md section 11): a JSON-RPC call to a Model Context Protocol server over Streamable
HTTP, on our own httpx client (no SDK: the client side is a few POSTs, and the SDK brings its own HTTP stack).

Two protocol revisions. 2026-07-28 is stateless: each request carries its protocol version and the client's
capabilities in `_meta` (and the `MCP-Protocol-Version`, `Mcp-Method`, `Mcp-Name` headers); `server/discover`
says what the server speaks. 2025-11-25 opens a session: `initialize`, `notifications/initialized`, then the
call with the `Mcp-Session-Id` the server gave, and a DELETE of the session at the end. `@mcp-version auto`
(the default) asks `server/discover` first and falls back to `initialize` when the server does not know it.

An answer is JSON or an event stream (`text/event-stream`) whose messages are progress and log
notifications, then the response. Every JSON-RPC message is an event: `sent` / `received`, the handshake's
marked `control`, a notification's `event` its method, the response's `event` `result`; the result is the
response body that expectations and `{{NAME.response.body...}}` read.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx

from voiden_lsp import __version__
from voiden_lsp.errors import TransportError
from voiden_lsp.events import CLOSED, CONNECTING, ERROR, OPEN, RECEIVED, SENT, STATUS
from voiden_lsp.templating import Response
from voiden_lsp.transports.base import Emitted, Transport, value_payload
from voiden_lsp.transports.http import NETWORK_ERRORS, check_url, describe_error, make_client
from voiden_lsp.transports.mcp_catalog import LISTS, MAX_CATALOG_PAGES, Catalog
from voiden_lsp.transports.sse import SseDecoder

MODERN = "2026-07-28"
HANDSHAKE = "2025-11-25"
VERSIONS = ("auto", HANDSHAKE, MODERN)
#: The operations a request line names, and the parameter its name fills.
OPERATIONS = {
    "tools/list": None,
    "tools/call": "name",
    "resources/list": None,
    "resources/templates/list": None,
    "resources/read": "uri",
    "prompts/list": None,
    "prompts/get": "name",
    "ping": None,
}
CLIENT_INFO = {"name": "voiden", "version": __version__}
MAX_MESSAGE = 16 * 1024 * 1024
"""An answer's JSON-RPC message over this many bytes is refused (a hostile server's endless line)."""
METHOD_NOT_FOUND = -32601


class McpError(TransportError):
    """The server answered a JSON-RPC error."""

    def __init__(self, message: str, code: int | None = None) -> None:
        super().__init__(message)
        self.code = code


def operation_params(rpc: str, body: str | None) -> tuple[str, dict[str, Any]]:
    """`tools/call forecast` and the body `{"city": "Oslo"}` -> ("tools/call", {"name": "forecast",
    "arguments": {...}}); a TransportError in words for what cannot be sent."""
    operation, _, name = rpc.strip().partition(" ")
    name = name.strip()
    if operation not in OPERATIONS:
        raise TransportError(f"unknown MCP operation `{operation}`: {', '.join(OPERATIONS)}")
    params: dict[str, Any] = {}
    key = OPERATIONS[operation]
    if key is not None:
        if not name:
            raise TransportError(f"`{operation}` needs a name: `{operation} NAME`")
        params[key] = name
    if body is not None and body.strip():
        try:
            arguments = json.loads(body)
        except ValueError as exc:
            raise TransportError(f"the arguments are not JSON: {exc}") from None
        if not isinstance(arguments, dict):
            raise TransportError('the arguments are a JSON object: `{"city": "Oslo"}`')
        if operation in ("tools/call", "prompts/get"):
            params["arguments"] = arguments
        else:
            params.update(arguments)  # a cursor for a list, say
    return operation, params


def error_text(error: Any) -> str:
    if not isinstance(error, dict):
        return f"MCP error: {error}"
    code, message = error.get("code"), error.get("message") or "an error without a message"
    meaning = {-32700: "parse error", -32600: "invalid request", -32601: "method not found", -32602: "invalid params"}
    said = f" ({meaning[code]})" if code in meaning else ""
    return f"MCP error {code}{said}: {message}"


def tool_error_text(result: dict[str, Any]) -> str:
    texts = [str(c.get("text")) for c in result.get("content") or [] if isinstance(c, dict) and c.get("text")]
    return "the tool reported an error" + (f": {' '.join(texts)[:500]}" if texts else "")


def headers_of(
    own: list[tuple[str, str]], version: str | None, method: str | None, name: str | None, session: str | None
) -> list[tuple[str, str]]:
    """A POST's headers: what Streamable HTTP asks (both answer types; the revision, and in 2026-07-28 the
    method and name), the session of 2025-11-25, then the request's own header lines."""
    headers = [("Accept", "application/json, text/event-stream"), ("Content-Type", "application/json")]
    if version is not None:
        headers.append(("MCP-Protocol-Version", version))
    if version == MODERN and method is not None:
        headers.append(("Mcp-Method", method))
        if name is not None:
            headers.append(("Mcp-Name", name))
    if session is not None:
        headers.append(("Mcp-Session-Id", session))
    return [*headers, *own]


def message_of(
    number: int, method: str, params: dict[str, Any], version: str | None, *, log_level: str | None = "debug"
) -> dict[str, Any]:
    """A JSON-RPC request; in 2026-07-28 its `_meta` says the revision, the client and (with `log_level`) which
    log notifications it wants."""
    if version == MODERN:
        meta = {
            "io.modelcontextprotocol/protocolVersion": MODERN,
            "io.modelcontextprotocol/clientInfo": CLIENT_INFO,
            "io.modelcontextprotocol/clientCapabilities": {},
            **({"io.modelcontextprotocol/logLevel": log_level} if log_level else {}),
            **(params.get("_meta") or {}),
        }
        params = {**params, "_meta": meta}
    return {"jsonrpc": "2.0", "id": number, "method": method, "params": params}


class McpTransport(Transport):
    """One MCP operation: the handshake the revision needs, the call, its notifications and its result."""

    @property
    def streams(self) -> bool:
        return False

    def __init__(self, request: Any) -> None:
        super().__init__(request)
        self._ids = 0
        self._session: str | None = None
        self.version: str | None = None

    async def catalog(self) -> Catalog:
        """The server's tools, prompts, resources and templates (each list it does not offer left empty)."""
        request = self.request
        check_url(request.target)
        wanted = request.meta("mcp-version") or "auto"
        found = Catalog()

        def ignore(item: Emitted) -> None:
            pass

        try:
            async with asyncio.timeout(request.timeout or 10.0), make_client(request) as client:
                try:
                    await self._handshake(client, wanted if wanted in VERSIONS else "auto", ignore)
                    for method, field_name, key in LISTS:
                        cursor: str | None = None
                        for _ in range(MAX_CATALOG_PAGES):
                            params: dict[str, Any] = {"cursor": cursor} if cursor else {}
                            answer = await self._call(client, method, params, ignore, version=self.version, quiet=True)
                            result = answer.get("result") if answer else None
                            if not isinstance(result, dict):
                                break
                            items = [i for i in result.get(field_name) or [] if isinstance(i, dict)]
                            found.take(method, [i for i in items if isinstance(i.get(key), str)], key)
                            following = result.get("nextCursor")
                            if not isinstance(following, str) or not following:
                                break
                            cursor = following
                finally:
                    await self._end_session(client)
        except McpError as exc:
            raise TransportError(exc.message) from None
        except NETWORK_ERRORS as exc:
            raise TransportError(describe_error(exc, request)) from None
        return found

    async def events(self) -> AsyncIterator[Emitted]:
        request = self.request
        check_url(request.target)
        wanted = request.meta("mcp-version") or "auto"
        if wanted not in VERSIONS:
            raise TransportError(f"`@mcp-version {wanted}`: write `auto`, `{HANDSHAKE}` or `{MODERN}`")
        operation, params = operation_params(request.rpc, request.body)
        yield CONNECTING, {"target": request.target}
        events: asyncio.Queue[Emitted | None] = asyncio.Queue()
        try:
            async with asyncio.timeout(request.timeout), make_client(request) as client:
                task = asyncio.ensure_future(self._exchange(client, wanted, operation, params, events.put_nowait))
                task.add_done_callback(lambda _: events.put_nowait(None))
                try:
                    while (item := await events.get()) is not None:
                        yield item
                    await task
                finally:
                    task.cancel()
        except McpError as exc:
            yield ERROR, {"message": exc.message, "mcp": True}
        except NETWORK_ERRORS as exc:
            raise TransportError(describe_error(exc, request)) from None
        yield CLOSED, {"by": "server"}

    async def _exchange(
        self, client: httpx.AsyncClient, wanted: str, operation: str, params: dict[str, Any], emit: Any
    ) -> None:
        try:
            await self._handshake(client, wanted, emit)
            if operation == "tools/call" or operation == "prompts/get":
                params = {**params, "_meta": {"progressToken": 1}}
            answer = await self._call(client, operation, params, emit, version=self.version or HANDSHAKE)
            if answer is None:
                raise McpError(f"the server sent no answer to {operation}")
            if "error" in answer:
                raise McpError(
                    error_text(answer["error"]),
                    answer["error"].get("code") if isinstance(answer["error"], dict) else None,
                )
            result = answer.get("result")
            self.response = Response(
                status=200, headers={}, body=json.dumps(result, ensure_ascii=False) if result is not None else ""
            )
            if isinstance(result, dict) and result.get("isError") is True:
                emit((ERROR, {"message": tool_error_text(result), "mcp": True}))
        finally:
            await self._end_session(client)

    async def _handshake(self, client: httpx.AsyncClient, wanted: str, emit: Any) -> None:
        """`server/discover` (2026-07-28), else `initialize` (2025-11-25), as `wanted` allows."""
        if wanted in ("auto", MODERN):
            answer = await self._call(client, "server/discover", {}, emit, version=MODERN, control=True, quiet=True)
            if answer is not None and isinstance(answer.get("result"), dict):
                supported = answer["result"].get("supportedVersions") or []
                if MODERN in supported:
                    self.version = MODERN
                    info = (answer["result"].get("_meta") or {}).get("io.modelcontextprotocol/serverInfo")
                    emit((OPEN, {"headers": {}, "protocol_version": MODERN, "server": info}))
                    return
            if wanted == MODERN:
                message = error_text(answer.get("error")) if answer else "no answer to server/discover"
                raise McpError(f"the server does not speak MCP {MODERN} (`@mcp-version {MODERN}`): {message}")
        await self._initialize(client, emit)

    async def _end_session(self, client: httpx.AsyncClient) -> None:
        if self._session is not None:
            with contextlib.suppress(httpx.HTTPError, OSError):  # ending the session is a courtesy
                await client.delete(self.request.target, headers=self._headers(HANDSHAKE, None))
            self._session = None

    async def _initialize(self, client: httpx.AsyncClient, emit: Any) -> None:
        params = {"protocolVersion": HANDSHAKE, "capabilities": {}, "clientInfo": CLIENT_INFO}
        answer = await self._call(client, "initialize", params, emit, version=None, control=True)
        if answer is None or "error" in answer:
            raise McpError(
                "the server refused to initialize: " + (error_text(answer.get("error")) if answer else "no answer")
            )
        result = answer.get("result") or {}
        self.version = str(result.get("protocolVersion") or HANDSHAKE)
        emit((OPEN, {"headers": {}, "protocol_version": self.version, "server": result.get("serverInfo")}))
        await self._notify(client, "notifications/initialized", emit)

    def _headers(self, version: str | None, method: str | None, name: str | None = None) -> list[tuple[str, str]]:
        return headers_of(self.request.headers, version, method, name, self._session)

    def _message(self, method: str, params: dict[str, Any], version: str | None) -> dict[str, Any]:
        self._ids += 1
        return message_of(self._ids, method, params, version)

    async def _notify(self, client: httpx.AsyncClient, method: str, emit: Any) -> None:
        message = {"jsonrpc": "2.0", "method": method}
        body = json.dumps(message).encode()
        emit((SENT, {**value_payload(message, len(body)), "control": True, "event": method}))
        response = await client.post(self.request.target, content=body, headers=self._headers(self.version, method))
        if response.status_code >= 400:
            raise McpError(f"the server refused {method}: HTTP {response.status_code}")

    async def _call(
        self,
        client: httpx.AsyncClient,
        method: str,
        params: dict[str, Any],
        emit: Any,
        *,
        version: str | None,
        control: bool = False,
        quiet: bool = False,
    ) -> dict[str, Any] | None:
        """POST one request; its notifications as they come, then its response (None if none came). `quiet`:
        an HTTP or JSON-RPC refusal is an answer (a probe), not a failure."""
        message = self._message(method, params, version)
        body = json.dumps(message, ensure_ascii=False).encode()
        name = params.get("name") or params.get("uri")
        headers = self._headers(version, method, str(name) if name else None)
        emit(
            (
                SENT,
                {
                    **value_payload(message, len(body)),
                    **({"control": True} if control else {}),
                    "event": method,
                    "method": "POST",
                    "url": self.request.target,
                },
            )
        )
        async with client.stream("POST", self.request.target, content=body, headers=headers) as response:
            if not control:
                emit((STATUS, {"code": response.status_code, "message": response.reason_phrase}))
            if response.status_code >= 400:
                text = (await response.aread())[:2000].decode(errors="replace")
                if quiet:
                    try:
                        found = json.loads(text)
                    except ValueError:
                        return None
                    return found if isinstance(found, dict) else None
                raise McpError(self._refusal(method, response.status_code, text))
            session = response.headers.get("mcp-session-id")
            if session and method == "initialize":
                self._session = session
            content_type = response.headers.get("content-type", "")
            answer: dict[str, Any] | None = None
            async for item in self._messages(response, content_type):
                if item.get("id") == message["id"] and ("result" in item or "error" in item):
                    answer = item
                    size = len(json.dumps(item, ensure_ascii=False).encode())
                    fields = {**value_payload(item, size), "event": "result"}
                    emit((RECEIVED, {**fields, "control": True} if control else fields))
                else:
                    size = len(json.dumps(item, ensure_ascii=False).encode())
                    emit((RECEIVED, {**value_payload(item, size), "event": str(item.get("method") or "message")}))
            return answer

    async def _messages(self, response: httpx.Response, content_type: str) -> AsyncIterator[dict[str, Any]]:
        """The JSON-RPC messages of an answer: one JSON body, or the `data` of each event of a stream."""
        if "text/event-stream" in content_type:
            decoder = SseDecoder()
            async for line in response.aiter_lines():
                if len(line) > MAX_MESSAGE:
                    raise McpError(f"the server sent an event over {MAX_MESSAGE // (1024 * 1024)} MB")
                event = decoder.feed(line.rstrip("\r"))
                if event is None or not event.data.strip():
                    continue
                found = _json_message(event.data)
                if found is not None:
                    yield found
            return
        data = bytearray()
        async for chunk in response.aiter_bytes():
            data += chunk
            if len(data) > MAX_MESSAGE:
                raise McpError(f"the server's answer is over {MAX_MESSAGE // (1024 * 1024)} MB")
        if not data.strip():
            return
        found = _json_message(data.decode(errors="replace"))
        if found is None:
            raise McpError(f"the server's answer is not JSON-RPC ({content_type or 'no content type'})")
        yield found

    def _refusal(self, method: str, status: int, text: str) -> str:
        detail = ""
        found = _json_message(text)
        if found is not None and isinstance(found.get("error"), dict):
            detail = ": " + error_text(found["error"])
        elif text.strip():
            detail = f": {text.strip()[:200]}"
        hint = ""
        if status in (401, 403):
            hint = " (check the request's Authorization header)"
        elif status == 404 and not detail.startswith(": MCP error"):
            hint = " (is this the server's MCP endpoint? it is often /mcp)"
        return f"the server answered {method} with HTTP {status}{hint}{detail}"


def _json_message(text: str) -> dict[str, Any] | None:
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


class McpCatalogs:
    """Catalogs per server (URL, header lines, TLS settings), read on demand and kept until refreshed. Callers
    decide whether asking is allowed (never from an untrusted workspace)."""

    def __init__(self) -> None:
        self._catalogs: dict[tuple[object, ...], Catalog] = {}
        self._locks: dict[tuple[object, ...], asyncio.Lock] = {}
        self.generation = 0

    @staticmethod
    def key(request: Any) -> tuple[object, ...]:
        headers = tuple((k.lower(), v) for k, v in request.headers if k.lower() not in request.fresh_headers)
        return (request.target, headers, request.insecure, request.meta("ca"), request.meta("mcp-version"))

    def cached(self, request: Any) -> Catalog | None:
        return self._catalogs.get(self.key(request))

    def forget(self, target: str | None = None) -> None:
        for key in [k for k in self._catalogs if target is None or k[0] == target]:
            del self._catalogs[key]
            self.generation += 1

    async def catalog(self, request: Any) -> Catalog:
        key = self.key(request)
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            if key not in self._catalogs:
                self._catalogs[key] = await McpTransport(request).catalog()
                self.generation += 1
            return self._catalogs[key]


CATALOGS = McpCatalogs()
