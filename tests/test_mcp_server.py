"""`voiden mcp` driven by the official MCP Python SDK's client (2.x) over stdio, as an agent would: the tools
offered with and without --allow-run, a run whose answer holds no secret in any encoding, `@tool` requests,
the tests' tally; and a hostile agent's calls (paths outside the root, `.env`, links out, huge or steering
`vars`), each refused in words with nothing sent and no file changed."""

from __future__ import annotations

import asyncio
import base64
import json
import sys
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from voiden_lsp.demo.http_server import DemoHttpServer

pytest.importorskip("mcp")

TOKEN = "agent-secret-token-4455"


def collection(root: Path, base: str) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "voiden.toml").write_text(f'default_env = "local"\n[env.local]\nbase = "{base}"\n', encoding="utf-8")
    (root / ".env").write_text(f"API_TOKEN={TOKEN}\n", encoding="utf-8")
    (root / "api.voiden").write_text(
        "# API\n\n```http name=echo\n@tool Echo a note back, with the caller's token\nPOST {{base}}/echo\n"
        "Authorization: Bearer {{API_TOKEN}}\n\n"
        '{"note": "{{note}}", "token": "{{API_TOKEN}}"}\n```\n\n'
        "```expect\nstatus == 200\nbody.json.note exists\n```\n\n"
        "```http name=health\nGET {{base}}/health\n```\n\n```expect\nbody.status == ok\n```\n\n"
        "```http name=snap\nGET {{base}}/health\n```\n\n```expect\nbody matches snapshot\n```\n",
        encoding="utf-8",
    )
    (root / "sub").mkdir(exist_ok=True)
    (root / "sub" / "leak.voiden").symlink_to("/etc/hostname" if Path("/etc/hostname").exists() else "/etc/passwd")
    return root


async def session(root: Path, *extra: str) -> Any:
    from mcp import Client
    from mcp.client.stdio import StdioServerParameters

    params = StdioServerParameters(
        command=sys.executable, args=["-m", "voiden_lsp.cli", "mcp", "--root", str(root), *extra]
    )
    return Client(params)


def text(result: Any) -> str:
    return "".join(getattr(c, "text", "") for c in result.content)


def secret_free(found: str) -> None:
    encoded = base64.b64encode(TOKEN.encode()).decode()
    for form in (TOKEN, encoded, encoded.rstrip("="), quote(TOKEN)):
        assert form not in found, f"the agent received the secret as {form!r}"


async def test_read_only_by_default_and_runs_with_allow_run(tmp_path: Path) -> None:
    with DemoHttpServer() as server:
        root = collection(tmp_path / "c", server.url)
        async with await session(root) as client:
            names = [t.name for t in (await client.list_tools()).tools]
            assert names == ["list_requests", "describe_request"]
            listed = await client.call_tool("list_requests", {})
            rows = json.loads(text(listed))
            assert [(r["document"], r["request"], r["protocol"]) for r in rows] == [
                ("api.voiden", "echo", "http"),
                ("api.voiden", "health", "http"),
                ("api.voiden", "snap", "http"),
            ]  # the link out of the root is not listed
            described = await client.call_tool(
                "describe_request", {"document": "api.voiden", "request": "echo", "vars": {"note": "hi"}}
            )
            assert not described.is_error and "POST" in text(described) and "Bearer age…" in text(described)
            secret_free(text(described))
            refused = await client.call_tool("run_request", {"document": "api.voiden", "request": "health"})
            assert refused.is_error and "--allow-run" in text(refused)

        async with await session(root, "--allow-run") as client:
            tools = {t.name: t for t in (await client.list_tools()).tools}
            assert list(tools) == ["list_requests", "describe_request", "run_request", "run_tests", "echo"]
            # the `@tool` request's input: what the collection leaves undefined (not `base`, not the token)
            assert list(tools["echo"].input_schema["properties"]) == ["note"]
            ran = await client.call_tool("echo", {"note": "from the agent"})
            answer = json.loads(text(ran))
            assert not ran.is_error and answer["status"] == 200 and answer["passed"] is True
            assert answer["body"]["json"]["note"] == "from the agent"
            assert all(c["passed"] for c in answer["checks"]) and len(answer["checks"]) == 2
            secret_free(text(ran) + json.dumps(ran.structured_content))
            tally = json.loads(text(await client.call_tool("run_tests", {})))
            assert tally["passed"] == 1 and tally["failed"] == 2, tally  # health passes
            failures = {f["request"]: f for f in tally["failures"]}
            assert "undefined variable `note`" in json.dumps(failures["echo"])  # a test run takes no `vars`
            assert "no snapshot taken yet" in json.dumps(failures["snap"])
            secret_free(json.dumps(tally))
    assert not (root / "__snapshots__").exists(), "an agent's run wrote a file into the collection"


HOSTILE = [
    ({"document": "../outside.voiden", "request": "x"}, "outside the collection"),
    ({"document": "/etc/passwd", "request": "x"}, "outside the collection"),
    ({"document": ".env", "request": "x"}, "not a request document"),
    ({"document": "voiden.toml", "request": "x"}, "not a request document"),
    ({"document": "sub/leak.voiden", "request": "x"}, "outside the collection"),
    ({"document": "api.voiden\u0000.env", "request": "x"}, "is a path under the collection's root"),
    ({"document": "api.voiden", "request": "health", "vars": {f"v{i}": "x" for i in range(500)}}, "at most 50"),
    ({"document": "api.voiden", "request": "health", "vars": {"big": "x" * 1_000_000}}, "at most 16384"),
    ({"document": "api.voiden", "request": "health", "vars": {"note": {"nested": 1}}}, "a string or a number"),
    ({"document": "api.voiden", "request": "health", "vars": {"bad name!": "x"}}, "is not a variable name"),
    ({"document": "api.voiden", "request": "echo", "vars": {"base": "http://127.0.0.1:9/steal"}}, "defines it"),
    ({"document": "api.voiden", "request": "echo", "vars": {"API_TOKEN": "mine"}}, "defines it"),
    ({"document": "api.voiden", "request": "echo", "env": "../../x"}, "environment of voiden.toml"),
]


async def test_a_hostile_agent_is_refused_in_words(tmp_path: Path) -> None:
    (tmp_path / "outside.voiden").write_text("```http name=x\nGET http://127.0.0.1:9/\n```\n", encoding="utf-8")
    with DemoHttpServer() as server:
        root = collection(tmp_path / "c", server.url)
        before = sorted(p.name for p in root.rglob("*"))
        async with await session(root, "--allow-run") as client:
            for arguments, said in HOSTILE:
                for tool in ("describe_request", "run_request"):
                    result = await client.call_tool(tool, arguments)
                    assert result.is_error, (tool, arguments)
                    assert said in text(result), (tool, text(result))
                    secret_free(text(result))
            unknown = await client.call_tool("echo", {"base": "http://evil"})
            assert unknown.is_error and "reads no variable base" in text(unknown)
            bad = await client.call_tool("run_tests", {"paths": ["../outside.voiden"]})
            assert bad.is_error and "outside the collection" in text(bad)
        assert sorted(p.name for p in root.rglob("*")) == before


def test_voiden_mcp_says_what_it_needs(tmp_path: Path) -> None:
    import subprocess

    ran = subprocess.run(
        [sys.executable, "-m", "voiden_lsp.cli", "mcp", "--root", str(tmp_path), "--http", "0.0.0.0:0"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert ran.returncode == 2 and "loopback only" in ran.stderr
    ran = subprocess.run(
        [sys.executable, "-m", "voiden_lsp.cli", "mcp", "--root", str(tmp_path / "nope")],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert ran.returncode == 2 and "is not a folder" in ran.stderr


if __name__ == "__main__":  # pragma: no cover
    asyncio.run(test_read_only_by_default_and_runs_with_allow_run(Path("/tmp/x")))
