"""The editor keeps its exchanges in the history too (by `editor`), as VS Code and as Neovim drive the server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcException
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


async def test_the_history_is_listed_opened_and_compared_from_the_editor(
    client: LanguageClient,  # noqa: F811
    tmp_path: Path,
) -> None:
    with DemoHttpServer() as server:
        text = (
            f'```http name=echo\nPOST {server.url}/echo\n\n{{"n": {{{{$randomInt 100000 999999}}}}, "same": 1}}\n```\n'
        )
        uri = open_doc(client, tmp_path, text)
        no_lens = await client.text_document_code_lens_async(
            types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri=uri))
        )
        assert not [lens for lens in no_lens or [] if lens.command and lens.command.command == "voiden.history"]
        events = client.recorder.events  # type: ignore[attr-defined]
        for run in (1, 2):
            await client.workspace_execute_command_async(
                types.ExecuteCommandParams(command="voiden.run", arguments=[uri, "echo"])
            )
            await until(lambda run=run: sum(1 for e in events if getattr(e, "kind", None) == "closed") >= run)
    history = History(tmp_path)
    await until(lambda: len(history.records(tmp_path / "doc.voiden", "echo")) == 2)

    lenses = await client.text_document_code_lens_async(
        types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    titles = [lens.command.title for lens in lenses or [] if lens.command and lens.command.command == "voiden.history"]
    assert titles == ["History (2)"]

    runs = (await client.protocol.send_request_async("voiden/history", {"uri": uri, "request": "echo"})).runs
    assert len(runs) == 2 and runs[0].id > runs[1].id and all(r.status == "200" and r.by == "editor" for r in runs)
    assert all(r.duration > 0 for r in runs)
    opened = await client.protocol.send_request_async("voiden/historyRecord", {"uri": uri, "id": runs[1].id})
    assert opened.session.id == f"history:{runs[1].id}" and opened.session.state == "closed"
    assert [e.kind for e in opened.session.events][-1] == "closed" and "> POST " in opened.text

    compared = await client.protocol.send_request_async("voiden/compare", {"uri": uri, "request": "echo"})
    assert (compared.older.id, compared.newer.id) == (runs[1].id, runs[0].id) and not compared.same
    assert '"same": 1' in compared.older.text and '"same": 1' in compared.newer.text
    ignoring = await client.protocol.send_request_async(
        "voiden/compare",
        {"uri": uri, "request": "echo", "ignore": ["json.n", "body", "sha256", "headers.date"]},
    )
    assert ignoring.same, ignoring.newer.text

    # a client without a client of ours: the code action, and a file with the diff that it is asked to open
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=types.Range(types.Position(1, 0), types.Position(1, 0)),
            context=types.CodeActionContext(diagnostics=[]),
        )
    )
    compare = next(a for a in actions or [] if a.title == "Compare `echo` with the previous run")
    result = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command=compare.command, arguments=compare.arguments)  # type: ignore[union-attr]
    )
    assert result["same"] is False
    diff = Path(result["uri"].removeprefix("file://")).read_text(encoding="utf-8")
    assert diff.startswith(f"--- {runs[1].id}") and '-    "n": ' in diff and '+    "n": ' in diff
    assert not str(result["uri"]).startswith(tmp_path.as_uri()), "the diff was written into the collection"
    assert [d.uri for d in client.shown_documents] == [result["uri"]]  # both clients open what a server names
    with pytest.raises(JsonRpcException, match="no kept run"):  # an id is never a path
        await client.protocol.send_request_async("voiden/historyRecord", {"uri": uri, "id": "../../etc/passwd"})


async def test_a_snapshot_written_from_the_editor_then_failed_shows_its_diff(
    client: LanguageClient,  # noqa: F811
    tmp_path: Path,
) -> None:
    with DemoHttpServer() as server:
        text = f"```http name=health\nGET {server.url}/health\n```\n\n```expect\nbody matches snapshot\n```\n"
        uri = open_doc(client, tmp_path, text)
        first = await client.workspace_execute_command_async(
            types.ExecuteCommandParams(command="voiden.test", arguments=[uri, "health"])
        )
        assert first["passed"] and first["checks"][0]["message"] == "body matches snapshot: snapshot written"
        stored = tmp_path / "__snapshots__" / "doc.voiden.json"
        snapshot = json.loads(stored.read_text(encoding="utf-8"))
        assert snapshot["health"]["body"]["status"] == "ok"
        snapshot["health"]["body"]["status"] = "down"  # as if the service answered otherwise when it was taken
        stored.write_text(json.dumps(snapshot), encoding="utf-8")
        second = await client.workspace_execute_command_async(  # each run reads the file afresh
            types.ExecuteCommandParams(command="voiden.test", arguments=[uri, "health"])
        )
    assert not second["passed"]
    await until(lambda: any(d.code == "expectation-failed" for d in client.diagnostics.get(uri, [])))
    (diagnostic,) = [d for d in client.diagnostics[uri] if d.code == "expectation-failed"]
    assert '-  "status": "down"' in diagnostic.message and '+  "status": "ok"' in diagnostic.message
