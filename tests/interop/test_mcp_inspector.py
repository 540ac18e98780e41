"""`voiden mcp` driven by MCP Inspector's CLI (`@modelcontextprotocol/inspector --cli`, the TypeScript SDK's
client), over stdio and over Streamable HTTP with the bearer token; and the HTTP guard against a caller
without the token, and DNS rebinding (a foreign `Host` or `Origin`)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.interop.conftest import SERVERS, free_port, missing
from voiden_lsp.demo.http_server import DemoHttpServer

INSPECTOR = (
    SERVERS / "node_modules" / "@modelcontextprotocol" / "inspector" / "clients" / "launcher" / "build" / "index.js"
)
TOKEN = "inspector-secret-777"


@pytest.fixture
def inspector() -> list[str]:
    node = shutil.which("node")
    if node is None:
        missing("node is not installed")
    if not INSPECTOR.exists():
        missing("@modelcontextprotocol/inspector is not installed")
    return [str(node), str(INSPECTOR), "--cli"]


def collection(root: Path, base: str) -> Path:
    root.mkdir()
    (root / "voiden.toml").write_text(f'default_env = "local"\n[env.local]\nbase = "{base}"\n', encoding="utf-8")
    (root / ".env").write_text(f"API_TOKEN={TOKEN}\n", encoding="utf-8")
    (root / "api.voiden").write_text(
        "```http name=health\n@tool Is the service up?\nGET {{base}}/health\n"
        "Authorization: Bearer {{API_TOKEN}}\n```\n\n"
        "```expect\nbody.status == ok\n```\n",
        encoding="utf-8",
    )
    return root


def run(inspector: list[str], *args: str, home: Path) -> dict[str, object]:
    done = subprocess.run(
        [*inspector, *args], capture_output=True, text=True, timeout=90, env={**os.environ, "HOME": str(home)}
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert TOKEN not in done.stdout
    found: dict[str, object] = json.loads(done.stdout)
    return found


def test_inspector_over_stdio_lists_and_calls(inspector: list[str], tmp_path: Path) -> None:
    with DemoHttpServer() as server:
        root = collection(tmp_path / "c", server.url)
        command = [sys.executable, "-m", "voiden_lsp.cli", "mcp", "--root", str(root), "--allow-run"]
        listed = run(inspector, *command, "--method", "tools/list", home=tmp_path)
        names = [t["name"] for t in listed["tools"]]  # type: ignore[index, union-attr]
        assert names == ["list_requests", "describe_request", "run_request", "run_tests", "health"]
        called = run(inspector, *command, "--method", "tools/call", "--tool-name", "health", home=tmp_path)
        answer = json.loads(called["content"][0]["text"])  # type: ignore[index]
        assert answer["status"] == 200 and answer["passed"] is True and answer["body"] == {"status": "ok"}


def test_inspector_over_http_with_the_token_and_the_guard(inspector: list[str], tmp_path: Path) -> None:
    with DemoHttpServer() as server:
        root = collection(tmp_path / "c", server.url)
        port = free_port()
        process = subprocess.Popen(
            [sys.executable, "-m", "voiden_lsp.cli", "mcp", "--root", str(root), "--http", f"127.0.0.1:{port}"],
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            assert process.stderr is not None
            banner = ""
            deadline = time.monotonic() + 30
            while "token" not in banner and time.monotonic() < deadline:
                banner += process.stderr.readline()
            found = re.search(r"token (\S+)", banner)
            assert found, banner
            token = found.group(1)
            url = f"http://127.0.0.1:{port}/mcp"
            listed = run(
                inspector, url, "--header", f"Authorization: Bearer {token}", "--method", "tools/list", home=tmp_path
            )
            assert [t["name"] for t in listed["tools"]] == ["list_requests", "describe_request"]  # type: ignore[index, union-attr]
            described = run(
                inspector,
                url,
                "--header",
                f"Authorization: Bearer {token}",
                "--method",
                "tools/call",
                "--tool-name",
                "describe_request",
                "--tool-arg",
                "document=api.voiden",
                "request=health",
                home=tmp_path,
            )
            assert "Bearer ins…" in described["content"][0]["text"]  # type: ignore[index]
            body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
            accept = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
            assert httpx.post(url, json=body, headers=accept).status_code == 401  # no token
            wrong = httpx.post(url, json=body, headers={**accept, "Authorization": "Bearer nope"})
            assert wrong.status_code == 401
            authorised = {**accept, "Authorization": f"Bearer {token}"}
            rebinding = httpx.post(url, json=body, headers={**authorised, "Host": f"evil.example:{port}"})
            assert rebinding.status_code in (403, 421), rebinding.status_code
            foreign = httpx.post(url, json=body, headers={**authorised, "Origin": "http://evil.example"})
            assert foreign.status_code == 403
        finally:
            process.terminate()
            process.wait(timeout=10)
