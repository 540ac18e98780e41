"""The smaller defects of the safety review, each with its test."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from voiden_lsp.demo.http_server import DemoHttpServer


def test_a_reader_that_leaves_ends_voiden_run_quietly(http_server: DemoHttpServer, tmp_path: Path) -> None:
    doc = tmp_path / "many.voiden"
    doc.write_text("".join(f"```http name=r{i}\nGET {http_server.url}/echo?i={i}\n```\n" for i in range(200)))
    for extra in ("--json", "--no-color"):
        shell = f"{sys.executable} -m voiden_lsp.cli run {extra} {doc} | head -c 100 > /dev/null"
        result = subprocess.run(
            ["bash", "-o", "pipefail", "-c", shell], capture_output=True, text=True, timeout=60, env={**os.environ}
        )
        assert "Traceback" not in result.stderr and "BrokenPipe" not in result.stderr, result.stderr[-2000:]
        assert result.stderr == ""


class RawClient:
    """JSON-RPC by hand, for what a typed client cannot send: params LSP does not allow."""

    def __init__(self, capabilities: dict[str, object] | None = None) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "voiden_lsp.server"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        self.request(1, "initialize", {"capabilities": capabilities or {}, "processId": None, "rootUri": None})
        self.send({"jsonrpc": "2.0", "method": "initialized", "params": {}})

    def send(self, message: dict[str, object]) -> None:
        assert self.process.stdin is not None
        body = json.dumps(message).encode()
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.process.stdin.flush()

    def read(self) -> dict[str, object]:
        assert self.process.stdout is not None
        header = b""
        while not header.endswith(b"\r\n\r\n"):
            header += self.process.stdout.read(1)
        length = int(header.split(b"Content-Length:")[1].split(b"\r\n")[0])
        return dict(json.loads(self.process.stdout.read(length)))

    def request(self, id: int, method: str, params: object) -> dict[str, object]:
        self.send({"jsonrpc": "2.0", "id": id, "method": method, "params": params})
        while True:
            message = self.read()
            if message.get("id") == id and "method" not in message:
                return message

    def close(self) -> str:
        self.request(99, "shutdown", None)
        self.send({"jsonrpc": "2.0", "method": "exit"})
        self.process.wait(10)
        assert self.process.stderr is not None
        return self.process.stderr.read().decode()


def test_bad_params_and_user_errors_are_answered_in_words() -> None:
    client = RawClient()
    try:
        unreadable = client.request(2, "textDocument/hover", {})
        assert unreadable["error"] == {
            "code": -32602,
            "message": "the params of `textDocument/hover` are not what LSP says they are: check the request",
        }
        mistake = client.request(3, "workspace/executeCommand", {"command": "voiden.close", "arguments": ["s9"]})
        assert mistake["error"] == {
            "code": -32803,
            "message": "no session `s9`: it may have ended, or the server restarted",
        }
        assert client.request(4, "voiden/sessions", {})["result"] == {"sessions": []}  # still serving
    finally:
        stderr = client.close()
    assert "Traceback" not in stderr and "voiden_lsp.server" not in stderr, stderr


def test_diagnostics_never_import_grpc_from_their_worker_thread() -> None:
    """The check runs in a worker thread while the event loop may be importing the gRPC modules (a race
    that once gave "partially initialized module grpc_reflection"): it reads only what is loaded."""
    code = (
        "import sys\n"
        "from voiden_lsp.document import parse\n"
        "from voiden_lsp.server.features.diagnostics import problems\n"
        "from voiden_lsp.templating import Scope\n"
        "doc = parse('```grpc\\ngrpc://127.0.0.1:9 a.B/C\\n\\n{}\\n```\\n')\n"
        "found = problems(doc, {r.name: Scope() for r in doc.requests})\n"
        "assert not [m for m in sys.modules if m == 'grpc' or m.startswith('voiden_lsp.transports.grpc')], 'imported'\n"
        "print(len(found))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
