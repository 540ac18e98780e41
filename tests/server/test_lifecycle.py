"""The server lives and dies with the editor: after `shutdown` it sends nothing, and `exit` ends the
process within a second whatever is live, as a client that declares code-lens refresh (VS Code) sees it."""

from __future__ import annotations

import time
from pathlib import Path

from tests.security.test_smaller import RawClient
from voiden_lsp.demo.ws_server import DemoWebSocketServer

REFRESHING = {"workspace": {"codeLens": {"refreshSupport": True}}}
"""A client that declares `workspace.codeLens.refreshSupport`, as VS Code does."""


def test_exit_ends_the_process_within_a_second_with_live_sessions(tmp_path: Path) -> None:
    with DemoWebSocketServer() as ws:
        client = RawClient(REFRESHING)
        uri = (tmp_path / "live.voiden").as_uri()
        text = "".join(f"```ws name={n}\n{ws.url}/echo\n\nhi\n```\n\n" for n in ("a", "b"))
        client.send(
            {
                "jsonrpc": "2.0",
                "method": "textDocument/didOpen",
                "params": {"textDocument": {"uri": uri, "languageId": "voiden", "version": 1, "text": text}},
            }
        )
        for i, name in enumerate("ab"):
            answer = client.request(
                10 + i, "workspace/executeCommand", {"command": "voiden.connect", "arguments": [uri, name]}
            )
            assert "result" in answer, answer
        opened: set[object] = set()
        while len(opened) < 2:  # both sessions are open (their echoes are arriving)
            message = client.read()
            if "id" in message and "method" in message:
                client.send({"jsonrpc": "2.0", "id": message["id"], "result": None})
            if message.get("method") == "voiden/events":
                params = message["params"]
                assert isinstance(params, dict)
                opened |= {e["session"] for e in params["events"] if e["kind"] == "open"}
        assert client.request(99, "shutdown", None) == {"jsonrpc": "2.0", "id": 99, "result": None}
        started = time.monotonic()
        client.send({"jsonrpc": "2.0", "method": "exit"})
        client.process.wait(5)
        elapsed = time.monotonic() - started
        assert client.process.stdout is not None and client.process.stderr is not None
        after = client.process.stdout.read()
        stderr = client.process.stderr.read().decode()
    assert elapsed < 1.0, f"the process took {elapsed:.2f} s to go"
    assert client.process.returncode == 0
    assert after == b"", f"sent after shutdown: {after[:300]!r}"  # no events, no refresh, no error report
    assert "Traceback" not in stderr, stderr[-2000:]


def test_end_of_input_ends_the_server() -> None:
    client = RawClient(REFRESHING)
    assert client.process.stdin is not None
    client.process.stdin.close()
    client.process.wait(5)
    assert client.process.returncode is not None


def test_requests_from_a_file_on_standard_input_are_answered(tmp_path: Path) -> None:
    """The event loop reads a pipe itself; standard input that it cannot watch (a regular file, as with
    `voiden-lsp < session.txt`) is read as pygls reads it, and answered the same."""
    import json
    import subprocess
    import sys

    def framed(message: dict[str, object]) -> bytes:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        return b"Content-Length: %d\r\n\r\n" % len(body) + body

    session = tmp_path / "session.txt"
    session.write_bytes(
        framed({"id": 1, "method": "initialize", "params": {"processId": None, "rootUri": None, "capabilities": {}}})
        + framed({"id": 2, "method": "shutdown"})
        + framed({"method": "exit"})
    )
    with session.open("rb") as stdin:
        done = subprocess.run(
            [sys.executable, "-m", "voiden_lsp.server"], stdin=stdin, capture_output=True, timeout=30, check=False
        )
    answers = [json.loads(part.split(b"\r\n\r\n", 1)[1]) for part in done.stdout.split(b"Content-Length")[1:]]
    assert [a.get("id") for a in answers if "id" in a] == [1, 2], done.stdout
    assert answers[0]["result"]["serverInfo"]["name"] == "voiden-lsp"


def test_shutdown_and_exit_sent_at_once_end_the_server_cleanly(tmp_path: Path) -> None:
    """A client that writes `shutdown` and `exit` together (without waiting for the shutdown's answer): the
    server answers the shutdown, then exits with code 0, nothing logged as an error."""
    import json
    import subprocess
    import sys

    def framed(message: dict[str, object]) -> bytes:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        return b"Content-Length: %d\r\n\r\n" % len(body) + body

    messages = [
        {"id": 1, "method": "initialize", "params": {"processId": None, "rootUri": None, "capabilities": {}}},
        {"method": "initialized", "params": {}},
        {"id": 2, "method": "shutdown"},
        {"method": "exit"},
    ]
    done = subprocess.run(
        [sys.executable, "-m", "voiden_lsp.server"],
        input=b"".join(map(framed, messages)),
        capture_output=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    assert b"ERROR" not in done.stderr, done.stderr.decode(errors="replace")
    assert b'"id": 2' in done.stdout or b'"id":2' in done.stdout, done.stdout
