"""The editor's "Load test...": the lens over a front matter with `load:` (with the hosts it would load), and
`voiden.load` running `voiden load` on the saved document as a session whose stats arrive as events, as VS
Code and as Neovim drive the server."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.server.conftest import client  # noqa: F401  (the pytest-lsp client, as VS Code and as Neovim)
from tests.server.test_lsp import open_doc, until
from voiden_lsp.demo.http_server import DemoHttpServer

if importlib.util.find_spec("locust") is None:  # never imported here: it would patch pytest with gevent
    pytest.skip("Locust (the load extra) is not installed", allow_module_level=True)


async def test_a_load_run_from_the_editor_streams_its_stats(client: LanguageClient, tmp_path: Path) -> None:  # noqa: F811
    with DemoHttpServer() as server:
        text = (
            "---\nload:\n  users: 2\n  duration: 2s\n  thresholds:\n    - failures < 1%\n---\n# Load\n\n"
            f"```http name=health\nGET {server.url}/health\n```\n\n```expect\nbody.status == ok\n```\n"
        )
        uri = open_doc(client, tmp_path, text)
        lenses = await client.text_document_code_lens_async(
            types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri=uri))
        )
        load = next(lens for lens in lenses or [] if lens.command and lens.command.command == "voiden.load")
        assert load.range.start.line == 0 and load.command.title == "▶ Load test…"  # type: ignore[union-attr]
        details = load.command.arguments[1]  # type: ignore[union-attr, index]
        assert details["hosts"] == ["127.0.0.1"] and details["users"] == 2
        started = await client.workspace_execute_command_async(
            types.ExecuteCommandParams(command="voiden.load", arguments=[uri, {"users": 2, "duration": "2s"}])
        )
        events = client.recorder.events  # type: ignore[attr-defined]
        mine = lambda: [e for e in events if e.session == started["session"]]  # noqa: E731
        await until(lambda: any(e.kind == "closed" for e in mine()), timeout=60)
    received = [e for e in mine() if e.kind == "received"]
    stats = [e for e in received if e.event == "stats"]
    final = next(e for e in received if e.event == "final")
    threshold = next(e for e in received if e.event == "threshold")
    assert stats and final.data.total.requests > 0 and final.data.total.failures == 0  # JSON as objects here
    assert threshold.data.held is True and "failures < 1%" in threshold.data.said
    status = next(e for e in mine() if e.kind == "status")
    assert status.code == 0


async def test_bad_numbers_and_an_unsaved_document_are_refused_in_words(
    client: LanguageClient,  # noqa: F811
    tmp_path: Path,
) -> None:
    from pygls.exceptions import JsonRpcException

    uri = open_doc(client, tmp_path, "---\nload:\n  users: 2\n---\n```http name=x\nGET http://127.0.0.1:9/\n```\n")
    with pytest.raises(JsonRpcException, match="is a number"):
        await client.workspace_execute_command_async(
            types.ExecuteCommandParams(command="voiden.load", arguments=[uri, {"users": "2; rm -rf /"}])
        )
    with pytest.raises(JsonRpcException, match="save the document first"):
        await client.workspace_execute_command_async(
            types.ExecuteCommandParams(command="voiden.load", arguments=["untitled:Untitled-1", {}])
        )
