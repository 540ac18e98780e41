"""Expectations through the language server, as VS Code and as Neovim: `voiden.test` answers with the
verdicts, a failed line carries a diagnostic with what came, the lens over the block tallies them, and an
edit of the block clears both; `voiden/tests` lists the test items; a Send keeps a stream open."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.server.test_lsp import events_of, open_doc, until
from voiden_lsp.demo.http_server import DemoHttpServer
from voiden_lsp.demo.ws_server import DemoWebSocketServer


async def lens_titles(client: LanguageClient, uri: str) -> list[str]:
    lenses = await client.text_document_code_lens_async(
        types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    return [lens.command.title for lens in lenses or [] if lens.command is not None]


def failed_diagnostics(client: LanguageClient, uri: str) -> list[types.Diagnostic]:
    return [d for d in client.diagnostics.get(uri, []) if d.code == "expectation-failed"]


def field(value: Any, name: str) -> Any:
    return value[name] if isinstance(value, dict) else getattr(value, name)


async def test_a_test_run_its_diagnostics_and_lens(client: LanguageClient, tmp_path: Path) -> None:
    with DemoHttpServer() as server:
        text = (
            f"# Health\n\n```http name=health\nGET {server.url}/health\n```\n\n"
            "```expect\nstatus == 200\nbody.status == down\n```\n"
        )
        uri = open_doc(client, tmp_path, text)
        assert await lens_titles(client, uri) == ["▶ Test", "▶ Send"]
        items = await client.protocol.send_request_async("voiden/tests", {})
        (document,) = field(items, "documents")
        assert field(document, "uri") == uri
        (test,) = field(document, "tests")
        assert field(test, "request") == "health"
        assert [field(e, "text") for e in field(test, "expectations")] == ["status == 200", "body.status == down"]

        result = await client.workspace_execute_command_async(
            types.ExecuteCommandParams(command="voiden.test", arguments=[uri, "health"])
        )
        assert field(result, "passed") is False and field(result, "failure") == "1 of 2 expectations failed"
        checks = field(result, "checks")
        assert [field(c, "passed") for c in checks] == [True, False]
        assert field(checks[1], "actual") == "ok" and field(checks[1], "expected") == "down"
        checked = [e for e in events_of(client, field(result, "session")) if e.kind == "check"]
        assert len(checked) == 2  # the panel sees the verdicts as events too

        await until(lambda: len(failed_diagnostics(client, uri)) == 1)
        (diagnostic,) = failed_diagnostics(client, uri)
        assert diagnostic.message == 'expected body.status == down, got body.status = "ok"'
        assert diagnostic.range.start.line == 8 and diagnostic.severity == types.DiagnosticSeverity.Error
        assert (await lens_titles(client, uri))[0] == "✘ 1 of 2 failed"

        # an edit above the block moves nothing out of place; an edit of the block clears the verdicts
        moved = "Intro.\n\n" + text
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
                content_changes=[types.TextDocumentContentChangeWholeDocument(text=moved)],
            )
        )
        await until(lambda: [d.range.start.line for d in failed_diagnostics(client, uri)] == [10])
        fixed = moved.replace("== down", "== ok")
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=3),
                content_changes=[types.TextDocumentContentChangeWholeDocument(text=fixed)],
            )
        )
        await until(lambda: uri in client.diagnostics and not failed_diagnostics(client, uri))
        assert (await lens_titles(client, uri))[0] == "▶ Test"
        result = await client.workspace_execute_command_async(
            types.ExecuteCommandParams(command="voiden.test", arguments=[uri, "health"])
        )
        assert field(result, "passed") is True
        assert (await lens_titles(client, uri))[0] == "✔ 2 passed"


async def test_a_test_closes_a_stream_once_judged_and_a_connect_does_not(
    client: LanguageClient, tmp_path: Path
) -> None:
    with DemoWebSocketServer() as server:
        text = (
            f"```ws name=ticker\n{server.url}/ticker?rate=200&count=100000&symbol=ACME\n```\n\n"
            "```expect\nmessages >= 3\nmessage[0].symbol == ACME\n```\n"
        )
        uri = open_doc(client, tmp_path, text)
        result = await client.workspace_execute_command_async(
            types.ExecuteCommandParams(command="voiden.test", arguments=[uri, "ticker"])
        )
        assert field(result, "passed") is True, result
        await until(lambda: bool([e for e in events_of(client, field(result, "session")) if e.kind == "closed"]))
        closed = [e for e in events_of(client, field(result, "session")) if e.kind == "closed"]
        assert closed[0].reason == "expectations decided"

        started = await client.workspace_execute_command_async(
            types.ExecuteCommandParams(command="voiden.connect", arguments=[uri, "ticker"])
        )
        sid = field(started, "session")
        await until(lambda: sum(e.kind == "received" for e in events_of(client, sid)) >= 10)
        assert not [e for e in events_of(client, sid) if e.kind == "closed"]  # the user closes it
        await client.workspace_execute_command_async(
            types.ExecuteCommandParams(command="voiden.close", arguments=[sid])
        )
        await until(lambda: any(e.kind == "closed" for e in events_of(client, sid)))


async def test_a_test_of_a_document_that_is_not_open_is_refused_in_words(
    client: LanguageClient, tmp_path: Path
) -> None:
    import pytest
    from pygls.exceptions import JsonRpcException

    with pytest.raises(JsonRpcException, match="is not open"):
        await client.workspace_execute_command_async(
            types.ExecuteCommandParams(command="voiden.test", arguments=[(tmp_path / "x.voiden").as_uri(), "a"])
        )


async def labels(client: LanguageClient, uri: str, line: int, character: int) -> list[str]:
    found = await client.text_document_completion_async(
        types.CompletionParams(
            text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line, character)
        )
    )
    items = found.items if isinstance(found, types.CompletionList) else found or []
    return [item.label for item in items]


async def test_completion_and_hover_in_an_expect_block(client: LanguageClient, tmp_path: Path) -> None:
    with DemoHttpServer() as server:
        lines = [
            f"```http name=create\nPOST {server.url}/users\n\n" + '{"name": "Ada", "tags": ["a"]}\n```',
            "",
            "```expect",
            "status == 201",
            "body.",
            "header ",
            "body.name type-is ",
            "```",
            "",
            f"```ws name=feed\n{server.url.replace('http', 'ws')}/x\n```\n\n```expect\nmes\n```",
        ]
        text = "\n".join(lines) + "\n"
        uri = open_doc(client, tmp_path, text)
        subjects = await labels(client, uri, 7, 0)
        assert "status" in subjects and "body" in subjects and "messages" not in subjects  # an http request
        assert "messages" in await labels(client, uri, 18, 3)
        operators = await labels(client, uri, 7, len("status "))
        assert {"==", "contains", "exists", "type-is", "matches"} <= set(operators)
        assert await labels(client, uri, 10, len("body.name type-is ")) == [
            "number", "string", "boolean", "object", "array", "null"
        ]  # fmt: skip
        assert await labels(client, uri, 8, len("body.")) == []  # nothing has come back yet

        result = await client.workspace_execute_command_async(
            types.ExecuteCommandParams(command="voiden.test", arguments=[uri, "create"])
        )
        # the lines still being written fail as bad lines; the finished one passes
        assert [field(c, "passed") for c in field(result, "checks")] == [False, False, False, True], result
        keys = await labels(client, uri, 8, len("body."))
        assert {"id", "name", "tags"} <= set(keys), keys
        assert "content-type" in await labels(client, uri, 9, len("header "))

        found = await client.text_document_hover_async(
            types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(7, 8))
        )
        assert found is not None and "`equals` (`==`)" in found.contents.value  # type: ignore[union-attr]
        found = await client.text_document_hover_async(
            types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(7, 12))
        )
        assert found is not None and found.contents.value == "last run: ✔ status == 201: status is 201"  # type: ignore[union-attr]


async def test_snapshot_lines_complete(client: LanguageClient, tmp_path: Path) -> None:
    text = "```http name=one\nGET http://127.0.0.1:9/x\n```\n\n```expect\nbody matches \nbody matches snapshot \n```\n"
    uri = open_doc(client, tmp_path, text)
    assert await labels(client, uri, 5, len("body matches ")) == ["snapshot"]
    assert await labels(client, uri, 6, len("body matches snapshot ")) == ["ignoring"]
