"""The demo Socket.IO server (python-socketio on aiohttp): welcome, echo with acknowledgement, a chat room,
and a ticker, in the default namespace and in `/chat`."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import socketio
from aiohttp import web

from voiden_lsp.demo.background import BackgroundServer


class DemoSocketIoServer(BackgroundServer):
    name = "voiden demo socketio"

    def __init__(self, port: int = 0) -> None:
        super().__init__()
        self.sio = socketio.AsyncServer(async_mode="aiohttp", cors_allowed_origins="*")
        self.port = port
        self._runner: web.AppRunner | None = None
        self._register()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _register(self) -> None:
        sio = self.sio

        async def connect(sid: str, environ: dict[str, Any], auth: Any = None) -> None:
            await sio.emit("welcome", {"sid": sid, "message": "connected to the voiden demo"}, to=sid)

        async def echo(sid: str, data: Any) -> Any:
            await sio.emit("echo", data, to=sid)
            return {"ok": True, "echoed": data}  # the acknowledgement

        async def ticker(sid: str, data: Any) -> None:
            count = int(data.get("count", 3)) if isinstance(data, dict) else 3
            for seq in range(1, count + 1):
                await sio.emit("tick", {"seq": seq, "price": round(100 + seq / 100, 2)}, to=sid)
                await asyncio.sleep(0.01)

        async def chat(sid: str, data: Any) -> None:
            await sio.emit("chat", {"from": sid[:6], "text": data}, namespace="/chat")

        async def chat_connect(sid: str, environ: dict[str, Any], auth: Any = None) -> None:
            await sio.emit("joined", {"who": sid[:6]}, namespace="/chat")

        for name, handler in (("connect", connect), ("echo", echo), ("ticker", ticker)):
            sio.on(name, handler)
        sio.on("connect", chat_connect, namespace="/chat")
        sio.on("message", chat, namespace="/chat")

    async def _start(self) -> None:
        app = web.Application()
        self.sio.attach(app)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        sock = socket.socket()
        sock.bind(("127.0.0.1", self.port))
        self.port = sock.getsockname()[1]
        await web.SockSite(self._runner, sock).start()

    async def _stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
