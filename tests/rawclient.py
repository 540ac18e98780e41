"""A bare JSON-RPC client over a language server's stdio: as fast as an editor's own JSON parser, so a Python
LSP client library (which builds an object per field) is not what gets measured. bench/lsp.py and the memory
test drive the server with it."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

SERVER = [sys.executable, "-m", "voiden_lsp.server"]


class RawClient:
    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        assert proc.stdin is not None and proc.stdout is not None
        self.proc, self.stdin, self.stdout = proc, proc.stdin, proc.stdout
        self.next_id = 100
        self.published: set[str] = set()
        """Documents whose diagnostics have come at least once."""

    @classmethod
    async def start(cls, command: list[str] = SERVER) -> RawClient:
        proc = await asyncio.create_subprocess_exec(
            *command, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE
        )
        client = cls(proc)
        await client.request("initialize", {"processId": None, "rootUri": None, "capabilities": {}})
        client.send({"method": "initialized", "params": {}})
        return client

    def send(self, message: dict[str, Any]) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        self.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)

    async def read(self) -> dict[str, Any]:
        length = 0
        while (line := await self.stdout.readline()) not in (b"\r\n", b""):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        result: dict[str, Any] = json.loads(await self.stdout.readexactly(length))
        if result.get("method") == "textDocument/publishDiagnostics":
            self.published.add(result["params"]["uri"])
        return result

    async def request(self, method: str, params: dict[str, Any]) -> Any:
        self.next_id += 1
        wanted = self.next_id
        self.send({"id": wanted, "method": method, "params": params})
        while True:
            message = await self.read()
            if message.get("id") == wanted and "method" not in message:
                return message.get("result")
            if "id" in message and "method" in message:  # a server request (configuration, refresh)
                self.send({"id": message["id"], "result": None})

    async def run_to_close(self, uri: str, name: str) -> int:
        """`voiden.run` on a request, its `voiden/events` read to its `closed` event; how many were `received`."""
        params = {"command": "voiden.run", "arguments": [uri, name]}
        self.send({"id": 2, "method": "workspace/executeCommand", "params": params})
        received, closed = 0, False
        while not closed:
            message = await self.read()
            if message.get("method") == "voiden/events":
                for event in message["params"]["events"]:
                    received += event["kind"] == "received"
                    closed = closed or event["kind"] == "closed"
        return received

    async def until_diagnostics(self, uri: str, version: int) -> None:
        while True:
            message = await self.read()
            params = message.get("params") or {}
            if message.get("method") == "textDocument/publishDiagnostics" and params.get("uri") == uri:
                if params.get("version") in (None, version):
                    return
            elif "id" in message and "method" in message:
                self.send({"id": message["id"], "result": None})

    def memory_mb(self, field: str = "VmRSS") -> float:
        """The server's memory from /proc (`VmRSS` now, `VmHWM` its peak), in MB."""
        status = Path(f"/proc/{self.proc.pid}/status").read_text()
        return next(int(line.split()[1]) for line in status.splitlines() if line.startswith(field + ":")) / 1024

    async def stop(self) -> None:
        await self.request("shutdown", {})
        self.send({"method": "exit"})
        await asyncio.wait_for(self.proc.wait(), 10)
