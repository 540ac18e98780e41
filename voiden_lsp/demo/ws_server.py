"""The demo WebSocket server: echo, a ticker at a requested rate, a chat room, and routes that misbehave
on purpose (custom close code, dropped TCP connection, invalid UTF-8, refused handshake)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import ssl
from collections.abc import Sequence
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs, urlsplit

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response
from websockets.typing import Subprotocol

from voiden_lsp.demo.background import BackgroundServer

SUBPROTOCOLS = ("json", "chat.v1", "graphql-transport-ws")
TOKEN = "demo-token"


def _select_subprotocol(connection: ServerConnection, offered: Sequence[str]) -> Subprotocol | None:
    """The first offered subprotocol the demo speaks; none (and no refusal) when it speaks none of them."""
    return next((Subprotocol(p) for p in offered if p in SUBPROTOCOLS), None)


class DemoWebSocketServer(BackgroundServer):
    """`with DemoWebSocketServer() as server:` serves on `server.url` (ws://127.0.0.1:PORT)."""

    name = "voiden demo websocket"

    def __init__(self, tls: ssl.SSLContext | None = None, port: int = 0) -> None:
        super().__init__()
        self.tls = tls
        self.port = port
        self.room: set[ServerConnection] = set()
        self._server: Server | None = None

    @property
    def url(self) -> str:
        return f"{'wss' if self.tls else 'ws'}://127.0.0.1:{self.port}"

    # -- routes ----------------------------------------------------------------------------------

    async def _handler(self, ws: ServerConnection) -> None:
        assert ws.request is not None
        parts = urlsplit(ws.request.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        route = getattr(self, f"_route_{parts.path.strip('/') or 'echo'}", None)
        if route is None:
            await ws.close(4004, f"no route {parts.path}")
            return
        with contextlib.suppress(ConnectionClosed):
            await route(ws, query)

    async def _route_echo(self, ws: ServerConnection, query: dict[str, str]) -> None:
        async for message in ws:
            await ws.send(message)

    async def _route_ticker(self, ws: ServerConnection, query: dict[str, str]) -> None:
        rate = float(query.get("rate", "10"))
        count = int(query.get("count", "10"))
        symbol = query.get("symbol", "VOID")
        for seq in range(1, count + 1):
            await ws.send(json.dumps({"seq": seq, "symbol": symbol, "price": round(100 + seq / 100, 2)}))
            if rate > 0:
                await asyncio.sleep(1 / rate)
        await ws.close(1000, "ticker finished")

    async def _route_chat(self, ws: ServerConnection, query: dict[str, str]) -> None:
        name = query.get("name") or f"guest-{len(self.room) + 1}"
        self.room.add(ws)
        try:
            await self._broadcast({"event": "joined", "who": name, "online": len(self.room)})
            async for message in ws:
                text = message if isinstance(message, str) else message.decode(errors="replace")
                await self._broadcast({"event": "message", "from": name, "text": text})
        finally:
            self.room.discard(ws)
            await self._broadcast({"event": "left", "who": name, "online": len(self.room)})

    async def _broadcast(self, payload: dict[str, Any]) -> None:
        text = json.dumps(payload)
        for peer in list(self.room):
            try:
                await peer.send(text)
            except ConnectionClosed:
                self.room.discard(peer)

    async def _route_graphql(self, ws: ServerConnection, query: dict[str, str]) -> None:
        """GraphQL over WebSocket (graphql-transport-ws) on the demo GraphQL API: connection_init (its
        `Authorization` is what `whoami` answers), then operations by id, each ended by complete."""
        from voiden_lsp.demo import graphql_api

        if ws.subprotocol != "graphql-transport-ws":
            await ws.close(4406, "Subprotocol not acceptable")
            return
        try:
            first = json.loads(await asyncio.wait_for(ws.recv(), 3))
        except TimeoutError:
            await ws.close(4408, "Connection initialisation timeout")
            return
        if not isinstance(first, dict) or first.get("type") != "connection_init":
            await ws.close(4401, "Unauthorized")
            return
        payload: dict[str, Any] = first["payload"] if isinstance(first.get("payload"), dict) else {}
        authorization = payload.get("Authorization") or payload.get("authorization")
        await ws.send(json.dumps({"type": "connection_ack"}))
        running: dict[str, asyncio.Task[None]] = {}

        async def run(ident: str, operation: dict[str, Any]) -> None:
            try:
                result = await graphql_api.operation(operation, authorization)
                if isinstance(result, list):
                    await ws.send(json.dumps({"id": ident, "type": "error", "payload": result}))
                    return
                async for item in result:
                    await ws.send(json.dumps({"id": ident, "type": "next", "payload": item}))
                await ws.send(json.dumps({"id": ident, "type": "complete"}))
            except ConnectionClosed:
                pass
            finally:
                running.pop(ident, None)

        try:
            async for raw in ws:
                message = json.loads(raw)
                kind, ident = message.get("type"), str(message.get("id", ""))
                if kind == "subscribe":
                    if ident in running:
                        await ws.close(4409, f"Subscriber for {ident} already exists")
                        return
                    running[ident] = asyncio.create_task(run(ident, message.get("payload") or {}))
                elif kind == "complete" and ident in running:
                    running.pop(ident).cancel()
                elif kind == "ping":
                    await ws.send(json.dumps({"type": "pong"}))
        finally:
            for task in running.values():
                task.cancel()

    async def _route_close(self, ws: ServerConnection, query: dict[str, str]) -> None:
        """Closes with a custom code after the first message (or at once with `now=1`)."""
        if query.get("now") != "1":
            await ws.recv()
        await ws.close(int(query.get("code", "4001")), query.get("reason", "closing on purpose"))

    async def _route_drop(self, ws: ServerConnection, query: dict[str, str]) -> None:
        """Drops the TCP connection without a close frame after the first message."""
        await ws.recv()
        ws.transport.abort()

    async def _route_badutf8(self, ws: ServerConnection, query: dict[str, str]) -> None:
        """Sends a text frame whose payload is not UTF-8 (websockets would refuse to, so the frame is raw)."""
        ws.transport.write(b"\x81\x02\xff\xfe")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(ws.wait_closed(), 5)

    async def _route_big(self, ws: ServerConnection, query: dict[str, str]) -> None:
        await ws.send("x" * int(query.get("size", "1048576")))
        await ws.wait_closed()

    async def _route_ping(self, ws: ServerConnection, query: dict[str, str]) -> None:
        await ws.ping(b"demo")
        await self._route_echo(ws, query)

    async def _route_secure(self, ws: ServerConnection, query: dict[str, str]) -> None:
        await ws.send(json.dumps({"welcome": "you are authorised", "subprotocol": ws.subprotocol}))
        await self._route_echo(ws, query)

    @staticmethod
    def _check(connection: ServerConnection, request: Request) -> Response | None:
        """`/secure` wants `Authorization: Bearer demo-token`: without it the handshake is refused."""
        if (
            urlsplit(request.path).path.strip("/") == "secure"
            and request.headers.get("Authorization") != f"Bearer {TOKEN}"
        ):
            return connection.respond(HTTPStatus.FORBIDDEN, "missing or wrong bearer token\n")
        return None

    # -- life ------------------------------------------------------------------------------------

    async def _start(self) -> None:
        self._server = await serve(
            self._handler,
            "127.0.0.1",
            self.port,
            ssl=self.tls,
            process_request=self._check,
            select_subprotocol=_select_subprotocol,
            max_size=None,
        )
        self.port = next(iter(self._server.sockets)).getsockname()[1]

    async def _stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
