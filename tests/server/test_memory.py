"""The language server's memory over finished runs, read from the process (VmRSS), as an editor session that
runs a stream again and again would see it; driven by a bare JSON-RPC client over stdio."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.rawclient import RawClient
from voiden_lsp.demo.grpc_server import DemoGrpcServer

MESSAGES = 20_000


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads VmRSS from /proc")
async def test_memory_stays_flat_over_finished_streams(tmp_path: Path) -> None:
    """After the first five runs (the newest five finished sessions of a document are kept, with their
    bounded logs), more 20,000-message server streams from a grpcio server do not grow the server: each grew
    it by ~8 MB before, without bound (a finished session sat in a reference cycle with its log, and the
    server's collector runs rarely)."""
    with DemoGrpcServer() as server:
        doc = tmp_path / "stream.voiden"
        doc.write_text(
            f'```grpc name=ticks\n{server.address} routeguide.RouteGuide/Ticker\n\n{{"count": {MESSAGES}}}\n```\n',
            encoding="utf-8",
        )
        client = await RawClient.start()
        try:
            item = {"uri": doc.as_uri(), "languageId": "voiden", "version": 1, "text": doc.read_text()}
            client.send({"method": "textDocument/didOpen", "params": {"textDocument": item}})
            for _ in range(5):
                assert await client.run_to_close(doc.as_uri(), "ticks") == MESSAGES
            settled = client.memory_mb()
            series = []
            for _ in range(8):
                assert await client.run_to_close(doc.as_uri(), "ticks") == MESSAGES
                series.append(round(client.memory_mb(), 1))
            assert max(series) - settled < 10, (settled, series)
        finally:
            await client.stop()
