"""The editor keeps its exchanges in the history too (by `editor`), as VS Code and as Neovim drive the server."""

from __future__ import annotations

from pathlib import Path

from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.server.conftest import client  # noqa: F401  (the pytest-lsp client, as VS Code and as Neovim)
from tests.server.test_lsp import open_doc, until
from voiden_lsp.demo.http_server import DemoHttpServer
from voiden_lsp.sessions.history import History


async def test_a_run_from_the_editor_is_kept(client: LanguageClient, tmp_path: Path) -> None:  # noqa: F811
    with DemoHttpServer() as server:
        text = (
            f"```http name=health\nGET {server.url}/health\n```\n\n"
            f"```http name=quiet\n@no-history\nGET {server.url}/health\n```\n"
        )
        uri = open_doc(client, tmp_path, text)
        for name in ("health", "quiet"):
            await client.workspace_execute_command_async(
                types.ExecuteCommandParams(command="voiden.run", arguments=[uri, name])
            )
        events = client.recorder.events  # type: ignore[attr-defined]
        await until(lambda: sum(1 for e in events if getattr(e, "kind", None) == "closed") >= 2)
    history = History(tmp_path)  # the folder of the suite's VOIDEN_HISTORY_DIR, this collection's part of it
    await until(lambda: len(history.records(tmp_path / "doc.voiden")) >= 1)
    (record,) = history.records(tmp_path / "doc.voiden")
    assert record.data["request"] == "health" and record.data["by"] == "editor" and record.data["status"] == 200
    assert '"status": "ok"' in record.body() or '"status":"ok"' in record.body()
