"""A request the editor cancels while the server waits on the editor itself."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.security.test_smaller import RawClient
from voiden_lsp.demo.grpc_server import DemoGrpcServer


def until(client: RawClient, wanted: Any, seen: list[dict[str, Any]]) -> dict[str, Any]:
    while True:
        message = client.read()
        seen.append(message)
        if wanted(message):
            return message


def test_an_answer_nobody_waits_for_shows_no_error(tmp_path: Path) -> None:
    """VS Code cancels a completion as the user types on; if the server was then asking it for a progress
    token, the token's answer arrived for a cancelled wait and pygls showed "Error in server: CANCELLED:
    <Future at 0x...>" as a notification."""
    with DemoGrpcServer() as server:
        client = RawClient({"window": {"workDoneProgress": True}})
        seen: list[dict[str, Any]] = []
        try:
            uri = (tmp_path / "pick.voiden").as_uri()
            line = f"grpc://{server.address} "
            text = f"```grpc name=pick\n{line}\n```\n"
            client.send(
                {
                    "jsonrpc": "2.0",
                    "method": "textDocument/didOpen",
                    "params": {"textDocument": {"uri": uri, "languageId": "voiden", "version": 1, "text": text}},
                }
            )
            position = {"line": 1, "character": len(line)}
            client.send(
                {
                    "jsonrpc": "2.0",
                    "id": 5,
                    "method": "textDocument/completion",
                    "params": {"textDocument": {"uri": uri}, "position": position},
                }
            )
            create = until(client, lambda m: m.get("method") == "window/workDoneProgress/create", seen)
            client.send({"jsonrpc": "2.0", "method": "$/cancelRequest", "params": {"id": 5}})
            until(client, lambda m: m.get("id") == 5 and "method" not in m, seen)
            client.send({"jsonrpc": "2.0", "id": create["id"], "result": None})  # the answer, too late
            client.send(
                {
                    "jsonrpc": "2.0",
                    "id": 6,
                    "method": "textDocument/hover",
                    "params": {"textDocument": {"uri": uri}, "position": position},
                }
            )
            until(client, lambda m: m.get("id") == 6 and "method" not in m, seen)
        finally:
            stderr = client.close()
        shown = [m["params"]["message"] for m in seen if m.get("method") == "window/showMessage"]
        assert not any("Error in server" in text for text in shown), shown
        assert "InvalidStateError" not in stderr, stderr[-2000:]
