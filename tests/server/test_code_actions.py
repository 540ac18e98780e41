"""Every code lens command is also a code action on its block, for clients without code lenses (Helix, Zed,
Emacs): Send / Connect on a request, Send message on a message block of an open session, Close and Cancel
while it is open, Test on an expect block; run through the action's own command."""

from __future__ import annotations

from pathlib import Path

from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.server.test_lsp import events_of, open_doc, until
from voiden_lsp.demo.http_server import DemoHttpServer
from voiden_lsp.demo.ws_server import DemoWebSocketServer


async def actions(client: LanguageClient, uri: str, line: int) -> dict[str, types.Command]:
    found = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=types.Range(types.Position(line, 0), types.Position(line, 0)),
            context=types.CodeActionContext(diagnostics=[]),
        )
    )
    return {a.title: a for a in found or [] if isinstance(a, types.Command) and a.command != "voiden.copyAs"}


async def test_lens_commands_as_code_actions(client: LanguageClient, tmp_path: Path) -> None:
    with DemoHttpServer() as http, DemoWebSocketServer() as ws:
        text = (
            f"# API\n\n```http name=health\nGET {http.url}/health\n```\n\n```expect\nstatus == 200\n```\n\n"
            f"## Echo\n\n```ws name=echo\n{ws.url}/echo\n```\n\n```message\nhello\n```\n"
        )
        uri = open_doc(client, tmp_path, text)
        assert set(await actions(client, uri, 3)) == {"Send `health`"}  # in the request's body of lines
        assert set(await actions(client, uri, 7)) == {"Test `health`"}  # in the expect block
        assert set(await actions(client, uri, 0)) == set()  # prose
        test = (await actions(client, uri, 7))["Test `health`"]
        result = await client.workspace_execute_command_async(
            types.ExecuteCommandParams(command=test.command, arguments=test.arguments)
        )
        assert result["passed"] is True if isinstance(result, dict) else result.passed is True

        connect = (await actions(client, uri, 13))["Connect `echo`"]
        started = await client.workspace_execute_command_async(
            types.ExecuteCommandParams(command=connect.command, arguments=connect.arguments)
        )
        sid = started["session"] if isinstance(started, dict) else started.session
        await until(lambda: any(e.kind == "open" for e in events_of(client, sid)))
        live = await actions(client, uri, 13)
        assert {"Close `echo`", "Cancel `echo`"} <= set(live), live
        send = (await actions(client, uri, 17))["Send message"]
        await client.workspace_execute_command_async(
            types.ExecuteCommandParams(command=send.command, arguments=send.arguments)
        )
        await until(lambda: any(e.kind == "received" for e in events_of(client, sid)))
        close = live["Close `echo`"]
        await client.workspace_execute_command_async(
            types.ExecuteCommandParams(command=close.command, arguments=close.arguments)
        )
        await until(lambda: any(e.kind == "closed" for e in events_of(client, sid)))
