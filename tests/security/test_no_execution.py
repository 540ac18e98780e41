"""No document runs a program: protoc gets vetted paths only, and an untrusted workspace reads no schema."""

from __future__ import annotations

import socket
import stat
from pathlib import Path

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.helpers import voiden
from tests.server.test_lsp import open_doc

PROTO = 'syntax = "proto3";\npackage p;\nmessage M {}\nservice S { rpc C(M) returns (M); }\n'


def hostile_collection(tmp_path: Path) -> tuple[Path, str]:
    """What an attacker commits: a plugin script, files named like protoc options, a file of options."""
    marker = tmp_path / "pwned"
    evil = tmp_path / "evil.sh"
    evil.write_text(f"#!/bin/sh\ntouch {marker}\nexit 1\n", encoding="utf-8")
    evil.chmod(evil.stat().st_mode | stat.S_IEXEC)
    (tmp_path / "a.proto").write_text(PROTO, encoding="utf-8")
    (tmp_path / "voiden.toml").write_text("", encoding="utf-8")
    for name in ("--plugin=protoc-gen-x=evil.sh", "--x_out=."):
        (tmp_path / name).write_text("", encoding="utf-8")
    (tmp_path / "@options").write_text(f"--plugin=protoc-gen-y={evil}\n--y_out=.\n", encoding="utf-8")
    return marker, "evil.sh"  # protoc runs a plugin path from its working folder


@pytest.mark.parametrize("attack", ["options", "argfile"])
def test_voiden_run_never_hands_protoc_an_option(tmp_path: Path, attack: str) -> None:
    marker, evil = hostile_collection(tmp_path)
    protos = [f"--plugin=protoc-gen-x={evil}", "--x_out=."] if attack == "options" else ["@options"]
    meta = "".join(f"@proto {p}\n" for p in protos)
    doc = tmp_path / "doc.voiden"
    doc.write_text(f"```grpc name=call\n{meta}@proto a.proto\ngrpc://127.0.0.1:9 p.S/C\n\n{{}}\n```\n")
    result = voiden("run", str(doc), cwd=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert not marker.exists(), "protoc ran the document's plugin"
    assert "which protoc would read as an option: rename the file" in result.stdout + result.stderr


def test_proto_files_outside_the_collection_are_refused(tmp_path: Path) -> None:
    inside = tmp_path / "collection"
    inside.mkdir()
    (inside / "voiden.toml").write_text("", encoding="utf-8")
    (tmp_path / "outside.proto").write_text(PROTO, encoding="utf-8")
    doc = inside / "doc.voiden"
    doc.write_text("```grpc name=call\n@proto ../outside.proto\ngrpc://127.0.0.1:9 p.S/C\n\n{}\n```\n")
    result = voiden("run", str(doc), cwd=inside)
    assert result.returncode == 1
    assert "lies outside the collection" in result.stdout + result.stderr
    # naming its folder as an import path is the user's explicit choice
    doc.write_text(
        "```grpc name=call\n@proto ../outside.proto\n@import-path ..\n@timeout 2s\n"
        "grpc://127.0.0.1:9 p.S/C\n\n{}\n```\n"
    )
    result = voiden("run", str(doc), cwd=inside)
    assert "outside the collection" not in result.stdout + result.stderr
    assert "127.0.0.1:9" in result.stdout + result.stderr  # it got as far as connecting


def test_a_device_is_not_read_as_a_protoset(tmp_path: Path) -> None:
    doc = tmp_path / "doc.voiden"
    doc.write_text("```grpc name=call\n@protoset /dev/zero\ngrpc://127.0.0.1:9 p.S/C\n\n{}\n```\n")
    result = voiden("run", str(doc), cwd=tmp_path)
    assert result.returncode == 1
    assert "/dev/zero is not a regular file" in result.stdout + result.stderr


async def test_completion_in_a_trusted_workspace_runs_no_plugin(client: LanguageClient, tmp_path: Path) -> None:
    marker, evil = hostile_collection(tmp_path)
    line = "grpc://127.0.0.1:9 "
    text = f"```grpc name=call\n@proto --plugin=protoc-gen-x={evil}\n@proto --x_out=.\n@proto a.proto\n{line}\n```\n"
    uri = open_doc(client, tmp_path, text)
    where = types.Position(4, len(line))
    await client.text_document_completion_async(
        types.CompletionParams(text_document=types.TextDocumentIdentifier(uri=uri), position=where)
    )
    assert not marker.exists()


async def test_an_untrusted_workspace_reads_no_schema(client: LanguageClient, tmp_path: Path) -> None:
    """Reflection would connect and `@proto` would run protoc: refreshSchema, completion and the sample-data
    action do neither, and every command that would says why."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        listener.settimeout(0.5)
        port = listener.getsockname()[1]
        line = f"grpc://127.0.0.1:{port} p.S/C"
        uri = open_doc(client, tmp_path, f"```grpc name=call\n{line}\n\n{{}}\n```\n")
        client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings={"trusted": False}))
        for command, arguments in [
            ("voiden.refreshSchema", [uri, "call"]),
            ("voiden.connect", [uri, "call"]),
            ("voiden.send", ["nope", uri, None, "{}"]),
        ]:
            with pytest.raises(Exception, match="not trusted"):
                await client.workspace_execute_command_async(
                    types.ExecuteCommandParams(command=command, arguments=arguments)
                )
        await client.text_document_completion_async(
            types.CompletionParams(text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(1, 5))
        )
        actions = await client.text_document_code_action_async(
            types.CodeActionParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                range=types.Range(start=types.Position(3, 0), end=types.Position(3, 0)),
                context=types.CodeActionContext(diagnostics=[]),
            )
        )
        # only the lens commands (which refuse to run here); no sample data, which needs the schema
        assert all(isinstance(a, types.Command) for a in actions or []), actions
        with pytest.raises(TimeoutError):
            listener.accept()  # nobody connected
