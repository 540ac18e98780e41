"""In the editor: "Copy `NAME` as curl / HTTPie / .http / grpcurl / websocat" on each request (the client asks
`voiden.export` for the text: secrets as `${NAME}`, never their values), and "Convert to a request" on a
curl command in a ```sh block or on a line (its credentials appended to `.env` under a name not taken)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.server.test_lsp import open_doc


async def code_actions(client: LanguageClient, uri: str, line: int) -> list[Any]:
    found = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=types.Range(types.Position(line, 0), types.Position(line, 0)),
            context=types.CodeActionContext(diagnostics=[]),
        )
    )
    return list(found or [])


async def test_copy_as_asks_the_server_for_the_command(client: LanguageClient, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("API_TOKEN=tok-very-secret\n", encoding="utf-8")
    text = (
        "# API\n\n```http name=me\nGET http://127.0.0.1:9/me\nAuthorization: Bearer {{API_TOKEN}}\n```\n\n"
        "```ws name=chat\nws://127.0.0.1:9/chat\n```\n\n```message\nhi\n```\n"
    )
    uri = open_doc(client, tmp_path, text)
    copies = {a.title: a for a in await code_actions(client, uri, 3) if a.command == "voiden.copyAs"}
    assert set(copies) == {"Copy `me` as curl", "Copy `me` as HTTPie", "Copy `me` as .http"}
    assert [a.title for a in await code_actions(client, uri, 8) if a.command == "voiden.copyAs"] == [
        "Copy `chat` as websocat",
        "Copy `chat` as .http",
    ]
    assert not [a for a in await code_actions(client, uri, 0) if getattr(a, "command", None) == "voiden.copyAs"]
    result = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="voiden.export", arguments=copies["Copy `me` as curl"].arguments)
    )
    assert result["text"] == 'curl \\\n  -L \\\n  -H "Authorization: Bearer ${API_TOKEN}" \\\n  http://127.0.0.1:9/me\n'
    assert "tok-very-secret" not in str(result)


async def test_convert_a_curl_command_to_a_request(client: LanguageClient, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("CURL_AUTH_1=older", encoding="utf-8")  # taken, and no final newline
    text = (
        "# Notes\n\nFrom the browser:\n\n```sh\ncurl 'https://api.example/v1/items?limit=2' \\\n"
        "  -H 'Accept: application/json' -u 'ada:s3cr#t' --compressed\n```\n\n"
        "curl -X DELETE https://api.example/v1/items/7\n"
    )
    uri = open_doc(client, tmp_path, text)
    (block,) = [a for a in await code_actions(client, uri, 5) if a.title.startswith("Convert")]
    assert block.title == "Convert to a request (credentials to .env)"
    document, dotenv = block.edit.document_changes
    (replace,) = document.edits
    assert (replace.range.start.line, replace.range.end.line) == (4, 7)  # the fences too
    assert replace.new_text.startswith("```http")
    assert "GET https://api.example/v1/items?limit=2" in replace.new_text
    assert "{{CURL_AUTH_1_2}}" in replace.new_text and "s3cr#t" not in replace.new_text
    assert dotenv.text_document.uri == (tmp_path / ".env").as_uri()
    (append,) = dotenv.edits
    assert append.new_text == "\nCURL_AUTH_1_2='ada:s3cr#t'\n", append.new_text  # curl's -u: user:password
    assert (append.range.start.line, append.range.start.character) == (0, len("CURL_AUTH_1=older"))

    (line,) = [a for a in await code_actions(client, uri, 9) if a.title.startswith("Convert")]
    assert line.title == "Convert to a request"
    (only,) = line.edit.document_changes
    assert "DELETE https://api.example/v1/items/7" in only.edits[0].new_text
    assert not [a for a in await code_actions(client, uri, 2) if a.title.startswith("Convert")]  # prose


async def test_convert_a_grpcurl_or_websocat_command(client: LanguageClient, tmp_path: Path) -> None:
    text = (
        "grpcurl -plaintext -d '{\"id\": 1}' 127.0.0.1:50051 shop.v1.Items/Get\n\n"
        "echo hello | websocat ws://127.0.0.1:9/echo\n"
    )
    uri = open_doc(client, tmp_path, text)
    (grpc,) = [a for a in await code_actions(client, uri, 0) if a.title.startswith("Convert")]
    new_text = grpc.edit.document_changes[0].edits[0].new_text
    assert "grpc://127.0.0.1:50051 shop.v1.Items/Get" in new_text and '{"id": 1}' in new_text
    (ws,) = [a for a in await code_actions(client, uri, 2) if a.title.startswith("Convert")]
    new_text = ws.edit.document_changes[0].edits[0].new_text
    assert "ws://127.0.0.1:9/echo\n```\n\n```message\nhello\n```" in new_text


async def test_a_connect_request_is_not_offered_as_plain_grpc(client: LanguageClient, tmp_path: Path) -> None:
    text = (
        "```grpc name=say\nhttp://127.0.0.1:9 a.v1.S/M\n\n{}\n```\n\n"
        "```grpc name=plain\n@protocol grpc\nhttp://127.0.0.1:9 a.v1.S/M\n\n{}\n```\n"
    )
    uri = open_doc(client, tmp_path, text)
    assert not [a for a in await code_actions(client, uri, 1) if a.command == "voiden.copyAs"]
    offered = [a.title for a in await code_actions(client, uri, 8) if a.command == "voiden.copyAs"]
    assert offered == ["Copy `plain` as grpcurl", "Copy `plain` as .http"]
