"""The schema cache knows a request by what reflection is asked with, not by fake data made afresh."""

from __future__ import annotations

from pathlib import Path

from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.security.faults import CuttingProxy
from tests.server.test_lsp import open_doc
from voiden_lsp.demo.grpc_server import DemoGrpcServer


async def test_fresh_header_values_do_not_defeat_the_schema_cache(client: LanguageClient, tmp_path: Path) -> None:
    """`x-id: {{$uuid}}` is a new value at every expansion: completion used to miss the cache each time,
    ask the server by reflection again and store one more schema."""
    with DemoGrpcServer() as server, CuttingProxy(server.port, after=10**9) as proxy:  # counts connections
        text = (
            f"```grpc name=get\ngrpc://127.0.0.1:{proxy.port} routeguide.RouteGuide/GetFeature\n"
            'x-id: {{$uuid}}\nx-team: blue\n\n{"latitude": 1}\n```\n'
        )
        uri = open_doc(client, tmp_path, text)
        where = types.CompletionParams(
            text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(5, 2)
        )
        for _ in range(5):
            result = await client.text_document_completion_async(where)
            labels = {i.label for i in (result.items if isinstance(result, types.CompletionList) else result or [])}
            assert "longitude" in labels
        assert proxy.connections == 1  # one reflection, then the cache
