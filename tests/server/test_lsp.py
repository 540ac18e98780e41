"""The language server end to end, as an editor drives it, against the real demo servers."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lsprotocol import types
from pytest_lsp import LanguageClient

from voiden_lsp.demo.grpc_server import DemoGrpcServer
from voiden_lsp.demo.ws_server import DemoWebSocketServer


async def until(condition: Callable[[], Any], timeout: float = 15) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("timed out waiting")
        await asyncio.sleep(0.02)


def open_doc(client: LanguageClient, tmp_path: Path, text: str, name: str = "doc.voiden") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    uri = path.as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=uri, language_id="voiden", version=1, text=text)
        )
    )
    return uri


def events_of(client: LanguageClient, session: str) -> list[Any]:
    return [e for e in client.recorder.events if e.session == session]  # type: ignore[attr-defined]


async def test_diagnostics_as_you_type(client: LanguageClient, tmp_path: Path) -> None:
    uri = open_doc(client, tmp_path, '```http\n@timeout soon\nPOST http://127.0.0.1:9/{{nope}}\n\n{"a": }\n```\n')
    await until(lambda: uri in client.diagnostics)
    messages = {d.message.split(":")[0] for d in client.diagnostics[uri]}
    assert any(m.startswith("`@timeout` needs a duration") for m in messages), messages
    assert any(m.startswith("undefined variable `nope`") for m in messages), messages
    assert any(m.startswith("invalid JSON") for m in messages), messages
    # an edit that fixes everything clears them
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[
                types.TextDocumentContentChangeWholeDocument(text="```http\nGET http://127.0.0.1:9/\n```\n")
            ],
        )
    )
    await until(lambda: len(client.diagnostics[uri]) == 0)


async def test_completion_hover_and_schema_diagnostics_from_reflection(client: LanguageClient, tmp_path: Path) -> None:
    with DemoGrpcServer() as server:
        text = (
            f'# Chat\n\n```grpc name=chat\ngrpc://{server.address} \n\n{{""}}\n```\n\n'
            f"# Get\n\n```grpc name=get\ngrpc://{server.address} routeguide.RouteGuide/GetFeature\n\n"
            '{"latitud": 1, "longitude": "far"}\n```\n'
        )
        uri = open_doc(client, tmp_path, text)
        line = f"grpc://{server.address} "
        result = await client.text_document_completion_async(
            types.CompletionParams(
                text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(3, len(line))
            )
        )
        labels = {item.label for item in (result.items if isinstance(result, types.CompletionList) else result or [])}
        assert {"routeguide.RouteGuide/GetFeature", "routeguide.RouteGuide/RouteChat"} <= labels
        # in the middle of a method, an item replaces the whole `pkg.Service/Method` word: clients whose words
        # stop at `.` or `/` (Emacs, Helix) would otherwise filter by the part after the last dot
        typed = "routeguide.Route"
        result = await client.text_document_completion_async(
            types.CompletionParams(
                text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(11, len(line + typed))
            )
        )
        items = result.items if isinstance(result, types.CompletionList) else result or []
        edit = next(i.text_edit for i in items if i.label == "routeguide.RouteGuide/RouteChat")
        assert isinstance(edit, types.TextEdit) and edit.new_text == "routeguide.RouteGuide/RouteChat"
        word_end = len(line + "routeguide.RouteGuide/GetFeature")
        assert edit.range == types.Range(types.Position(11, len(line)), types.Position(11, word_end))
        # fields of the input message, from inside the body of the GetFeature call
        result = await client.text_document_completion_async(
            types.CompletionParams(text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(13, 2))
        )
        labels = {item.label for item in (result.items if isinstance(result, types.CompletionList) else result or [])}
        assert labels == {"latitude", "longitude"}
        hover = await client.text_document_hover_async(
            types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(11, 30))
        )
        shown = getattr(hover.contents, "value", "") if hover is not None else ""
        assert "// request\nmessage Point" in shown and "// response\nmessage Feature" in shown
        assert hover is not None and "rpc GetFeature(routeguide.Point) returns (routeguide.Feature)" in str(
            hover.contents
        )
        # with the schema known, the body is checked against the input type
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
                content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
            )
        )
        await until(lambda: any("no field `latitud`" in d.message for d in client.diagnostics.get(uri, [])))
        messages = [d.message for d in client.diagnostics[uri]]
        assert any("did you mean `latitude`" in m for m in messages)
        assert any("`longitude` expects a whole number" in m for m in messages)


async def test_hover_shows_variables_with_their_source(client: LanguageClient, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("TOKEN=very-secret-token\n", encoding="utf-8")
    text = "---\nvars:\n  host: 127.0.0.1\n---\n```http\nGET http://{{host}}/x\nAuthorization: Bearer {{TOKEN}}\n```\n"
    uri = open_doc(client, tmp_path, text)
    hover = await client.text_document_hover_async(
        types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(5, 15))
    )
    assert hover is not None and "`host` = `127.0.0.1`" in str(hover.contents) and "front matter" in str(hover.contents)
    hover = await client.text_document_hover_async(
        types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(6, 26))
    )
    assert hover is not None and "very-secret-token" not in str(hover.contents) and "ver…" in str(hover.contents)


async def test_code_lens_command_and_events_of_a_bidi_call(client: LanguageClient, tmp_path: Path) -> None:
    with DemoGrpcServer() as server:
        text = (
            f"# Chat\n\n```grpc name=chat\ngrpc://{server.address} routeguide.RouteGuide/RouteChat\n\n"
            '{"message": "first"}\n```\n\n```message\n{"message": "{{$faker.word}}"}\n```\n'
        )
        uri = open_doc(client, tmp_path, text)
        lenses = await client.text_document_code_lens_async(
            types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri=uri))
        )
        assert lenses is not None
        (connect,) = [lens.command for lens in lenses if lens.command is not None]
        assert connect.title == "▶ Connect" and list(connect.arguments or []) == [uri, "chat"]
        started = await client.workspace_execute_command_async(
            types.ExecuteCommandParams(command=connect.command, arguments=connect.arguments)
        )
        sid = started["session"] if isinstance(started, dict) else started.session
        await until(lambda: any(e.kind == "received" for e in events_of(client, sid)))
        lenses = await client.text_document_code_lens_async(
            types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri=uri))
        )
        titles = [lens.command.title for lens in lenses or [] if lens.command is not None]
        assert "● open" in titles and "Close" in titles and "Cancel" in titles and "▶ Send message" in titles
        send = next(lens.command for lens in lenses or [] if lens.command and lens.command.title == "▶ Send message")
        await client.workspace_execute_command_async(
            types.ExecuteCommandParams(command=send.command, arguments=send.arguments)
        )
        await until(lambda: sum(e.kind == "received" for e in events_of(client, sid)) == 2)
        typed = '{"message": "typed {{$randomInt 5 5}}"}'
        await client.workspace_execute_command_async(
            types.ExecuteCommandParams(command="voiden.send", arguments=[sid, uri, None, typed])
        )
        await until(lambda: sum(e.kind == "received" for e in events_of(client, sid)) == 3)
        last = [e for e in events_of(client, sid) if e.kind == "received"][-1]
        assert last.encoding == "json" and last.data.message == "echo: typed 5"  # a value, not display text
        typed_sent = next(
            e for e in events_of(client, sid) if e.kind == "sent" and getattr(e.data, "message", "") == "typed 5"
        )
        assert typed_sent.seq < last.seq  # a message is logged before the answer it caused
        await client.workspace_execute_command_async(
            types.ExecuteCommandParams(command="voiden.close", arguments=[sid])
        )
        await until(lambda: any(e.kind == "closed" for e in events_of(client, sid)))
        kinds = [e.kind for e in events_of(client, sid)]
        assert kinds[0] == "connecting" and kinds[-1] == "closed" and kinds.count("sent") == 3, " ".join(kinds)
        assert [e.seq for e in events_of(client, sid)] == list(range(1, len(kinds) + 1))
        sessions = await client.protocol.send_request_async("voiden/sessions", {})
        (info,) = [s for s in sessions.sessions if s.id == sid]
        assert info.state == "closed" and info.request == "chat" and len(info.events) == len(kinds)
        assert [(b.label, b.line) for b in info.blocks] == [('{"message": "{{$faker.word}}"}', 8)]
        brief = await client.protocol.send_request_async("voiden/sessions", {"session": sid, "events": False})
        assert [s.id for s in brief.sessions] == [sid] and brief.sessions[0].events == []


async def test_websocket_session_and_cancel(client: LanguageClient, tmp_path: Path) -> None:
    with DemoWebSocketServer() as server:
        text = f"```ws name=feed\n{server.url}/ticker?rate=20&count=1000\n```\n"
        uri = open_doc(client, tmp_path, text)
        started = await client.workspace_execute_command_async(
            types.ExecuteCommandParams(command="voiden.connect", arguments=[uri, "feed"])
        )
        sid = started["session"] if isinstance(started, dict) else started.session
        await until(lambda: sum(e.kind == "received" for e in events_of(client, sid)) >= 3)
        await client.workspace_execute_command_async(
            types.ExecuteCommandParams(command="voiden.cancel", arguments=[sid])
        )
        await until(lambda: any(e.kind == "closed" for e in events_of(client, sid)))
        closed = [e for e in events_of(client, sid) if e.kind == "closed"][-1]
        assert closed.by == "client" and closed.reason == "cancelled"
        assert next(e for e in events_of(client, sid) if e.kind == "received").data.seq == 1


async def test_bad_commands_answer_errors_and_the_server_stays_up(client: LanguageClient, tmp_path: Path) -> None:
    uri = open_doc(client, tmp_path, "```http\nGET http://127.0.0.1:9/\n```\n")
    for command, arguments in (("voiden.run", [uri, "nope"]), ("voiden.close", ["s999"]), ("voiden.run", [])):
        try:
            await client.workspace_execute_command_async(
                types.ExecuteCommandParams(command=command, arguments=arguments)
            )
        except Exception as exc:  # the JSON-RPC error the client gets
            assert "no request" in str(exc) or "no session" in str(exc) or "argument" in str(exc), exc
        else:
            raise AssertionError(f"{command} {arguments} should have failed")
    symbols = await client.text_document_document_symbol_async(
        types.DocumentSymbolParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    assert symbols is not None and [s.name for s in symbols] == ["request-1"]


async def test_fill_with_sample_data_definition_and_tokens(client: LanguageClient, tmp_path: Path) -> None:
    (tmp_path / "voiden.toml").write_text('default_env = "dev"\n[env.dev]\naddr = "127.0.0.1:9"\n', encoding="utf-8")
    with DemoGrpcServer() as server:
        text = f"```grpc name=get\ngrpc://{server.address} routeguide.RouteGuide/RecordRoute\n```\n"
        uri = open_doc(client, tmp_path, text)
        actions = await client.text_document_code_action_async(
            types.CodeActionParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                range=types.Range(start=types.Position(1, 0), end=types.Position(1, 0)),
                context=types.CodeActionContext(diagnostics=[]),
            )
        )
        assert actions is not None
        assert [a.title for a in actions][1:] == [
            "Fill with sample data (Point)",
            "Copy `get` as grpcurl",
            "Copy `get` as .http",
        ]
        assert isinstance(actions[0], types.Command) and list(actions[0].arguments or []) == [
            uri,
            "get",
        ]  # Send / Connect
        action = actions[1]  # the lens's command first (for clients without lenses), then the edit
        assert isinstance(action, types.CodeAction) and action.title == "Fill with sample data (Point)"
        assert action.edit is not None and action.edit.changes is not None
        (edit,) = action.edit.changes[uri]
        assert '"latitude": {{$faker.pyint(min_value=1, max_value=100)}}' in edit.new_text
    uri = open_doc(client, tmp_path, "```http\nGET http://{{addr}}/\n```\n", name="other.voiden")
    locations = await client.text_document_definition_async(
        types.DefinitionParams(text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(1, 14))
    )
    assert (
        isinstance(locations, list) and locations[0].uri.endswith("voiden.toml") and locations[0].range.start.line == 2
    )
    semantic = await client.text_document_semantic_tokens_full_async(
        types.SemanticTokensParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    assert semantic is not None and len(semantic.data) == 15  # protocol word, method, variable
    (tmp_path / "voiden.toml").write_text(
        'default_env = "dev"\n[env.dev]\naddr = "127.0.0.1:9"\n[env.prod]\naddr = "10.0.0.1:9"\n', encoding="utf-8"
    )
    envs = await client.protocol.send_request_async("voiden/environments", {"uri": uri})
    assert (envs.environments, envs.current, envs.default) == (["dev", "prod"], None, "dev")
    await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="voiden.selectEnv", arguments=["prod"])
    )
    envs = await client.protocol.send_request_async("voiden/environments", {"uri": uri})
    assert (envs.environments, envs.current) == (["dev", "prod"], "prod")


async def test_an_untrusted_workspace_never_sends(client: LanguageClient, tmp_path: Path) -> None:
    uri = open_doc(client, tmp_path, "```http\nGET http://127.0.0.1:9/\n```\n")
    client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"voiden": {"trusted": False, "maxPayload": 1024}})
    )
    try:
        await client.workspace_execute_command_async(
            types.ExecuteCommandParams(command="voiden.run", arguments=[uri, "request-1"])
        )
    except Exception as exc:
        assert "not trusted" in str(exc)
    else:
        raise AssertionError("an untrusted workspace sent a request")
    assert not client.recorder.events  # type: ignore[attr-defined]


async def test_template_completion_with_samples_and_protocol_snippets(client: LanguageClient, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("API_KEY=abcdefghijkl\n", encoding="utf-8")
    text = "---\nvars:\n  base_url: http://127.0.0.1:9\n---\n```http\nGET {{\n```\n```\n"
    uri = open_doc(client, tmp_path, text)
    result = await client.text_document_completion_async(
        types.CompletionParams(text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(5, 6))
    )
    items = {i.label: i for i in (result.items if isinstance(result, types.CompletionList) else result or [])}
    assert items["base_url"].detail == "front matter: http://127.0.0.1:9"
    assert items["API_KEY"].detail == ".env: abc…"  # secrets masked
    assert "$randomEmail" in items and "$faker." in items
    resolved = await client.completion_item_resolve_async(items["$randomEmail"])
    assert "@" in str(resolved.documentation)
    result = await client.text_document_completion_async(
        types.CompletionParams(text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(7, 3))
    )
    words = {i.label: i for i in (result.items if isinstance(result, types.CompletionList) else result or [])}
    assert {"http", "sse", "ws", "grpc", "socketio", "message"} <= set(words)


VOID_CHAT = """---
version: 1
---

# Chat from the Voiden app

```void
---
type: socket-request
content:
  - type: smethod
    content: grpc
  - type: surl
    content: "{{addr}}"
  - type: proto
    attrs:
      service: routeguide.RouteGuide
      method: RouteChat
---
```

```void
---
type: json_body
attrs:
  body: |-
    {
      "message": "hi"
    }
---
```
"""


async def test_a_void_document_gets_lenses_completion_and_a_live_call(client: LanguageClient, tmp_path: Path) -> None:
    with DemoGrpcServer() as server:
        (tmp_path / "voiden.toml").write_text(f'[env.dev]\naddr = "{server.address}"\n', encoding="utf-8")
        client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings={"env": "dev"}))
        uri = open_doc(client, tmp_path, VOID_CHAT, name="chat.void")
        # fields of RouteNote from reflection, inside the app's JSON body (line 27: `"message": "hi"`)
        result = await client.text_document_completion_async(
            types.CompletionParams(text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(27, 7))
        )
        items = result.items if isinstance(result, types.CompletionList) else result or []
        assert {"location", "message"} <= {item.label for item in items}
        lenses = await client.text_document_code_lens_async(
            types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri=uri))
        )
        (connect,) = [lens for lens in lenses or [] if lens.command is not None]
        assert connect.command is not None and connect.command.title == "▶ Connect"
        assert connect.range.start.line == 6  # over the app's socket-request block
        # with the schema known the lens knows a bidirectional call is live
        started = await client.workspace_execute_command_async(
            types.ExecuteCommandParams(command=connect.command.command, arguments=connect.command.arguments)
        )
        sid = started["session"] if isinstance(started, dict) else started.session
        await until(lambda: any(e.kind == "received" for e in events_of(client, sid)))
        received = next(e for e in events_of(client, sid) if e.kind == "received")
        assert received.data.message == "echo: hi"
        await client.workspace_execute_command_async(
            types.ExecuteCommandParams(command="voiden.cancel", arguments=[sid])
        )
        await until(lambda: any(e.kind == "closed" for e in events_of(client, sid)))
