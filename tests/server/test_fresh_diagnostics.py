"""Diagnostics follow what they depend on without an edit: a schema that arrives by completion, and a
collection file that changes on disk."""

from __future__ import annotations

from pathlib import Path

from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.server.test_lsp import open_doc, until
from voiden_lsp.demo.grpc_server import DemoGrpcServer


def messages(client: LanguageClient, uri: str) -> list[str]:
    return [d.message for d in client.diagnostics.get(uri, [])]


async def test_a_schema_fetched_by_completion_rechecks_the_document(client: LanguageClient, tmp_path: Path) -> None:
    with DemoGrpcServer() as server:
        line = f"grpc://{server.address} routeguide.RouteGuide/GetFeatur"
        uri = open_doc(client, tmp_path, f"```grpc name=get\n{line}\n\n{{}}\n```\n")
        await until(lambda: uri in client.diagnostics)
        assert not any("GetFeatur" in m for m in messages(client, uri))  # no schema yet: nothing to say
        await client.text_document_completion_async(
            types.CompletionParams(
                text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(1, len(line))
            )
        )
        await until(lambda: any("GetFeatur" in m for m in messages(client, uri)))  # no keystroke needed


async def test_a_changed_voiden_toml_rechecks_the_document(client: LanguageClient, tmp_path: Path) -> None:
    (tmp_path / "voiden.toml").write_text("", encoding="utf-8")
    uri = open_doc(client, tmp_path, "```http\nGET {{base_url}}/users\n```\n")
    await until(lambda: any("undefined variable `base_url`" in m for m in messages(client, uri)))
    (tmp_path / "voiden.toml").write_text('default_env = "dev"\n\n[env.dev]\nbase_url = "http://127.0.0.1:9"\n')
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            changes=[types.FileEvent(uri=(tmp_path / "voiden.toml").as_uri(), type=types.FileChangeType.Changed)]
        )
    )
    await until(lambda: uri in client.diagnostics and not messages(client, uri))
    dynamic = client.capabilities.workspace.did_change_watched_files.dynamic_registration  # type: ignore[union-attr]
    registered = "workspace/didChangeWatchedFiles" in client.recorder.registrations  # type: ignore[attr-defined]
    assert registered == bool(dynamic)  # asked for where the client lets the server ask


async def test_a_collection_file_changed_without_a_notification(client: LanguageClient, tmp_path: Path) -> None:
    """Neovim on Linux watches no files for servers: the server looks at the collection files itself."""
    (tmp_path / ".env").write_text("", encoding="utf-8")
    uri = open_doc(client, tmp_path, "```http\nGET http://127.0.0.1:9/{{TOKEN}}\n```\n")
    await until(lambda: any("undefined variable `TOKEN`" in m for m in messages(client, uri)))
    (tmp_path / ".env").write_text("TOKEN=abcdefgh\n", encoding="utf-8")
    await until(lambda: not messages(client, uri), timeout=10)
