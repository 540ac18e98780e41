"""`voiden export` read by clients nobody here wrote (and their commands read by `voiden import`), against
servers nobody here wrote: the grpcurl command
gets from @grpc/grpc-js the answers `voiden run` gets (all four call kinds), the websocat command sends npm
`ws` the handshake and the messages `voiden run` sends."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import voiden
from tests.interop.conftest import SERVERS, Reference

TOOLS = Path(sys.executable).parent  # grpcurl and websocat come with the test extras

GRPC = """\
```grpc name=get
@proto ./catalog.proto
grpc://{{addr}} interop.v1.Catalog/GetItem
x-request-id: r-7

{"id": "x-1"}
```

```grpc name=list
@proto ./catalog.proto
grpc://{{addr}} interop.v1.Catalog/ListItems

{"count": 3}
```

```grpc name=add
@proto ./catalog.proto
grpc://{{addr}} interop.v1.Catalog/AddItems
```

```message
{"name": "one"}
```

```message
{"name": "it's two"}
```

```grpc name=chat
@proto ./catalog.proto
grpc://{{addr}} interop.v1.Catalog/Chat
```

```message
{"text": "hi"}
```

```message
{"text": "bye"}
```
"""


def _tool(name: str) -> str:
    path = TOOLS / name
    if not path.exists():
        pytest.skip(f"{name} comes with the test extras")
    return str(path)


def _shell(command: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": f"{TOOLS}{os.pathsep}{os.environ['PATH']}"}
    return subprocess.run(["bash", "-c", command], cwd=cwd, env=env, capture_output=True, text=True, timeout=60)


def _received(run_json: str) -> list[Any]:
    events = [json.loads(line) for line in run_json.splitlines() if line.startswith("{")]
    return [e["data"] for e in events if e.get("kind") == "received"]


def _messages(grpcurl_out: str) -> list[Any]:
    """grpcurl's answers: one JSON value after another."""
    decoder, at, out = json.JSONDecoder(), 0, []
    text = grpcurl_out.strip()
    while at < len(text):
        value, at = decoder.raw_decode(text, at)
        out.append(value)
        while at < len(text) and text[at].isspace():
            at += 1
    return out


def _camel(value: Any) -> Any:
    """grpcurl writes proto field names, `voiden run` the JSON names protobuf prefers: compare by meaning."""
    if isinstance(value, dict):
        return {
            "".join(p if i == 0 else p[:1].upper() + p[1:] for i, p in enumerate(k.split("_"))): _camel(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_camel(v) for v in value]
    return value


def test_grpcurl_gets_what_voiden_run_gets(grpc_js: Reference, tmp_path: Path) -> None:
    _tool("grpcurl")
    shutil.copy(SERVERS / "catalog.proto", tmp_path / "catalog.proto")
    (tmp_path / "voiden.toml").write_text(f'default_env = "t"\n[env.t]\naddr = "{grpc_js.address}"\n')
    (tmp_path / "api.voiden").write_text(GRPC, encoding="utf-8")
    for name, count in (("get", 1), ("list", 3), ("add", 1), ("chat", 2)):
        exported = voiden("export", "api.voiden", name, "--to", "grpcurl", cwd=tmp_path)
        assert exported.returncode == 0, exported.stderr
        assert exported.stdout.startswith("grpcurl"), exported.stdout
        theirs = _shell(exported.stdout, tmp_path)
        assert theirs.returncode == 0, (exported.stdout, theirs.stderr)
        ran = voiden("run", "api.voiden", name, "--json", cwd=tmp_path)
        assert ran.returncode == 0, ran.stdout + ran.stderr
        ours = _received(ran.stdout)
        assert len(ours) == count, ran.stdout
        assert [_camel(m) for m in _messages(theirs.stdout)] == [_camel(m) for m in ours], exported.stdout


def test_websocat_sends_what_voiden_run_sends(ws_js: Reference, tmp_path: Path) -> None:
    _tool("websocat")
    (tmp_path / ".env").write_text("WS_TOKEN=s3cret-ws-token\n")
    (tmp_path / "voiden.toml").write_text(f'default_env = "t"\n[env.t]\nws = "ws://{ws_js.address}"\n')
    (tmp_path / "api.voiden").write_text(
        "```ws name=hello\n@subprotocol json\n@max-messages 1\n{{ws}}/headers\nAuthorization: Bearer {{WS_TOKEN}}\n"
        "X-Trace: it's t-1\n```\n\n"
        "```ws name=echo\n@max-messages 2\n{{ws}}/echo\n```\n\n"
        '```message\n{"say": "hi",\n "n": 1}\n```\n\n```message\nplain\n```\n',
        encoding="utf-8",
    )
    exported = voiden("export", "api.voiden", "--to", "websocat", cwd=tmp_path)
    assert exported.returncode == 0 and "s3cret" not in exported.stdout, exported
    hello, echo = exported.stdout.split("\n\n")
    env = {**os.environ, "PATH": f"{TOOLS}{os.pathsep}{os.environ['PATH']}", "WS_TOKEN": "s3cret-ws-token"}
    # no messages: websocat reads the terminal, kept open here until the server's first message came
    with subprocess.Popen(
        ["bash", "-c", hello], cwd=tmp_path, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    ) as session:
        assert session.stdout is not None
        theirs = json.loads(session.stdout.readline())
        session.kill()
    ran = voiden("run", "api.voiden", "hello", "--json", cwd=tmp_path)
    (ours,) = _received(ran.stdout)
    assert theirs["protocol"] == ours["protocol"] == "json"
    for header in ("x-trace", "sec-websocket-protocol"):
        assert theirs["headers"][header] == ours["headers"][header], header
    assert theirs["headers"]["authorization"] == "Bearer s3cret-ws-token"  # from $WS_TOKEN
    assert ours["headers"]["authorization"] == "Bearer s3c…"  # what the server echoed, masked in voiden's output
    echoed = _shell(echo, tmp_path).stdout.splitlines()
    ran = voiden("run", "api.voiden", "echo", "--json", cwd=tmp_path)
    assert [json.loads(line) if line.startswith("{") else line for line in echoed] == _received(ran.stdout)


def test_httpyac_sends_what_voiden_run_sends(httpbin: Reference, tmp_path: Path) -> None:
    httpyac = SERVERS / "node_modules" / ".bin" / "httpyac"
    if not httpyac.exists():
        pytest.skip("httpyac comes with the npm reference servers")
    (tmp_path / "voiden.toml").write_text(f'default_env = "t"\n[env.t]\nbase = "http://{httpbin.address}"\n')
    (tmp_path / "api.voiden").write_text(
        "```http name=post\nPOST {{base}}/anything?q=a%20b&n=2\nX-Trace: t-1\n\n"
        '{"name": "ada", "n": [1, 2]}\n```\n\n'
        "```http name=form\nPUT {{base}}/anything\nContent-Type: application/x-www-form-urlencoded\n\na=1&b=2\n```\n",
        encoding="utf-8",
    )
    exported = voiden("export", "api.voiden", "--to", "http", cwd=tmp_path)
    assert exported.returncode == 0, exported.stderr
    (tmp_path / "api.http").write_text(exported.stdout, encoding="utf-8")
    for name in ("post", "form"):
        theirs = subprocess.run(
            [str(httpyac), "send", "api.http", "--name", name, "--output", "body"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert theirs.returncode == 0, theirs.stdout + theirs.stderr
        seen, _ = json.JSONDecoder().raw_decode(theirs.stdout, theirs.stdout.index("{"))
        ran = voiden("run", "api.voiden", name, "--json", cwd=tmp_path)
        (ours,) = _received(ran.stdout)
        for key in ("method", "args", "data", "form", "json"):
            assert seen[key] == ours[key], (key, seen, ours)
        assert (
            seen["headers"]["X-Trace" if name == "post" else "Content-Type"]
            == ours["headers"]["X-Trace" if name == "post" else "Content-Type"]
        )


def test_a_grpcurl_command_imported_gets_what_grpcurl_gets(grpc_js: Reference, tmp_path: Path) -> None:
    _tool("grpcurl")
    shutil.copy(SERVERS / "catalog.proto", tmp_path / "catalog.proto")
    commands = (
        f"grpcurl -plaintext -import-path . -proto catalog.proto -H 'x-request-id: r-9' "
        f'-d \'{{"id": "x-1"}}\' {grpc_js.address} interop.v1.Catalog/GetItem\n'
        f"grpcurl -plaintext -proto catalog.proto -d '{{\"count\": 2}}' "
        f"{grpc_js.address} interop.v1.Catalog/ListItems\n"
        f'grpcurl -plaintext -proto catalog.proto -d \'{{"name": "a"}} {{"name": "b"}}\' '
        f"{grpc_js.address} interop.v1.Catalog/AddItems\n"
    )
    (tmp_path / "calls.txt").write_text(commands)
    imported = voiden("import", "calls.txt", cwd=tmp_path)
    assert imported.returncode == 0, imported.stdout + imported.stderr
    document = (tmp_path / "calls.voiden").read_text()
    names = re.findall(r"```grpc name=(\S+)", document)
    assert len(names) == 3, document
    for command, name in zip(commands.splitlines(), names, strict=True):
        theirs = _shell(command, tmp_path)
        assert theirs.returncode == 0, theirs.stderr
        ran = voiden("run", "calls.voiden", name, "--json", cwd=tmp_path)
        assert ran.returncode == 0, ran.stdout + ran.stderr
        assert [_camel(m) for m in _messages(theirs.stdout)] == [_camel(m) for m in _received(ran.stdout)], name


def test_a_websocat_command_imported_sends_what_websocat_sends(ws_js: Reference, tmp_path: Path) -> None:
    _tool("websocat")
    command = f"websocat --protocol json -H='X-Trace: it is t-2' ws://{ws_js.address}/headers"
    env = {**os.environ, "PATH": f"{TOOLS}{os.pathsep}{os.environ['PATH']}"}
    with subprocess.Popen(
        ["bash", "-c", command], cwd=tmp_path, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    ) as session:
        assert session.stdout is not None
        theirs = json.loads(session.stdout.readline())
        session.kill()
    (tmp_path / "ws.txt").write_text(command + "\n")
    imported = voiden("import", "ws.txt", cwd=tmp_path)
    assert imported.returncode == 0, imported.stdout + imported.stderr
    text = (tmp_path / "ws.voiden").read_text()  # the server keeps the socket open: one message ends the run
    (tmp_path / "ws.voiden").write_text(re.sub(r"(```ws name=\S+\n)", r"\1@max-messages 1\n", text))
    ran = voiden("run", "ws.voiden", "--json", cwd=tmp_path)
    (ours,) = _received(ran.stdout)
    assert theirs["protocol"] == ours["protocol"] == "json"
    assert theirs["headers"]["x-trace"] == ours["headers"]["x-trace"] == "it is t-2"
