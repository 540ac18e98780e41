"""The language server's memory over finished runs, read from the process (VmRSS), as an editor session that
runs a stream again and again would see it; driven by a bare JSON-RPC client over stdio."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from voiden_lsp.demo.grpc_server import DemoGrpcServer

MESSAGES = 20_000


class BareClient:
    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        assert proc.stdin is not None and proc.stdout is not None
        self.proc, self.stdin, self.stdout = proc, proc.stdin, proc.stdout

    @classmethod
    async def start(cls) -> BareClient:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "voiden_lsp.server", stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE
        )
        client = cls(proc)
        client.send(
            {"id": 1, "method": "initialize", "params": {"processId": None, "rootUri": None, "capabilities": {}}}
        )
        while (await client.read()).get("id") != 1:
            pass
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
        assert length, "the server closed its output"
        message: dict[str, Any] = json.loads(await self.stdout.readexactly(length))
        if "id" in message and "method" in message:  # a request of the server's (a code lens refresh)
            self.send({"id": message["id"], "result": None})
        return message

    async def run_to_close(self, uri: str, name: str) -> int:
        """`voiden.run`, its `voiden/events` read to `closed`: how many messages were received."""
        self.send(
            {
                "id": 2,
                "method": "workspace/executeCommand",
                "params": {"command": "voiden.run", "arguments": [uri, name]},
            }
        )
        received, closed = 0, False
        while not closed:
            message = await self.read()
            for event in (
                message.get("params", {}).get("events", []) if message.get("method") == "voiden/events" else []
            ):
                received += event["kind"] == "received"
                closed = closed or event["kind"] == "closed"
        return received

    def rss_mb(self) -> float:
        status = Path(f"/proc/{self.proc.pid}/status").read_text()
        return next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")) / 1024

    async def stop(self) -> None:
        self.send({"id": 3, "method": "shutdown"})
        self.send({"method": "exit"})
        await asyncio.wait_for(self.proc.wait(), 10)


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads VmRSS from /proc")
async def test_memory_stays_flat_over_finished_streams(tmp_path: Path) -> None:
    """After the first five runs (the newest five finished sessions of a document are kept, with their
    bounded logs), more 20,000-message server streams from a grpcio server do not grow the server: each grew
    it by ~8 MB before, without bound (glibc kept what the runs freed)."""
    with DemoGrpcServer() as server:
        doc = tmp_path / "stream.voiden"
        doc.write_text(
            f'```grpc name=ticks\n{server.address} routeguide.RouteGuide/Ticker\n\n{{"count": {MESSAGES}}}\n```\n',
            encoding="utf-8",
        )
        client = await BareClient.start()
        try:
            item = {"uri": doc.as_uri(), "languageId": "voiden", "version": 1, "text": doc.read_text()}
            client.send({"method": "textDocument/didOpen", "params": {"textDocument": item}})
            for _ in range(5):
                assert await client.run_to_close(doc.as_uri(), "ticks") == MESSAGES
            settled = client.rss_mb()
            series = []
            for _ in range(8):
                assert await client.run_to_close(doc.as_uri(), "ticks") == MESSAGES
                series.append(round(client.rss_mb(), 1))
            assert max(series) - settled < 10, (settled, series)
        finally:
            await client.stop()
