"""`voiden export`, with the wire as the oracle: each request sent by `voiden run` and by the command that
export wrote for it (real curl, real HTTPie), both to a recording server, must agree on method, path and
query, every header the request sets, and the body bytes; the secrets are in the command only as `$NAME`."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote

import pytest

from tests.helpers import voiden
from tests.recording import Recorder, command_headers

TOKEN = "tok-3x4mple!"
PASSWORD = "pa ss'wo$rd"

DOCUMENT = """\
# Export me

```http name=get-json
GET {{base}}/users?q=a%20b&tag[]=x&n={{count}}
Authorization: Bearer {{API_TOKEN}}
X-Quote: it's "quoted" $HOME `tick` \\back
```

```http name=post-json
POST {{base}}/users
X-Id: {{$uuid}}

{"name": "{{$faker.first_name}}", "n": 3, "note": "say \\"hi\\" & 'bye'"}
```

```http name=put-text
PUT {{base}}/notes/1

plain text, no type
second line
```

```http name=form
POST {{base}}/form
Content-Type: application/x-www-form-urlencoded

a=1&b=two+words
```

```http name=basic
DELETE {{base}}/items/2
Authorization: Basic ada:{{PASSWORD}}
X-Empty:
```

```http name=head
HEAD {{base}}/head
```

```http name=file-body
@no-redirect
POST {{base}}/upload
Content-Type: text/plain

< ./payload.txt
```
"""

NAMES = ["get-json", "post-json", "put-text", "form", "basic", "head", "file-body"]


@pytest.fixture
def collection(tmp_path: Path, recorder: str) -> Path:
    (tmp_path / "voiden.toml").write_text(
        f'default_env = "dev"\n[env.dev]\nbase = "{recorder}"\ncount = "3"\n', encoding="utf-8"
    )
    (tmp_path / ".env").write_text(f'API_TOKEN={TOKEN}\nPASSWORD="{PASSWORD}"\n', encoding="utf-8")
    (tmp_path / "payload.txt").write_bytes(b"file bytes\n\x01\x02 end")
    (tmp_path / "api.voiden").write_text(DOCUMENT, encoding="utf-8")
    return tmp_path


def _same_on_the_wire(collection: Path, to: str, program: str) -> None:
    for name in NAMES:
        Recorder.seen = []
        exported = voiden("export", "api.voiden", name, "--to", to, cwd=collection)
        assert exported.returncode == 0, exported.stderr
        command = exported.stdout
        assert TOKEN not in command and "ss'wo" not in command, command
        assert command.startswith(("#", program)) or f"| {program}" in command, command
        path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"  # HTTPie of the test extras
        env = {**os.environ, "PATH": path, "API_TOKEN": TOKEN, "PASSWORD": PASSWORD, "HOME": str(collection)}
        sent = subprocess.run(
            ["bash", "-c", command], cwd=collection, env=env, capture_output=True, timeout=30, text=True
        )
        assert sent.returncode == 0, (command, sent.stderr)
        ran = voiden("run", "api.voiden", name, cwd=collection)
        assert ran.returncode == 0, ran.stdout + ran.stderr
        theirs, ours = Recorder.seen
        if to == "httpie":  # HTTPie percent-encodes brackets (export notes it): the same, decoded
            theirs["path"] = unquote(theirs["path"]).replace(" ", "%20")
        assert (theirs["method"], theirs["path"]) == (ours["method"], ours["path"]), command
        fresh = {"x-id"} if name == "post-json" else set()
        assert [h for h in command_headers(theirs) if h[0] not in fresh] == [
            h for h in command_headers(ours) if h[0] not in fresh
        ], command
        if name == "post-json":  # the name is fake data, made afresh at each expansion: the rest is the same
            theirs["body"], ours["body"] = (
                re.sub(rb'"name": "[^"]+"', b'"name": ""', r["body"]) for r in (theirs, ours)
            )
        assert theirs["body"] == ours["body"], command


@pytest.mark.skipif(shutil.which("curl") is None, reason="the oracle is the real curl")
def test_curl_commands_put_what_voiden_run_puts_on_the_wire(collection: Path) -> None:
    _same_on_the_wire(collection, "curl", "curl")


def test_httpie_commands_put_what_voiden_run_puts_on_the_wire(collection: Path) -> None:
    _same_on_the_wire(collection, "httpie", "http")


def test_secrets_are_names_unless_revealed(collection: Path) -> None:
    curl = voiden("export", "api.voiden", "get-json", "basic", "--to", "curl", cwd=collection).stdout
    assert '-H "Authorization: Bearer ${API_TOKEN}"' in curl
    assert '-u "ada:${PASSWORD}"' in curl
    http = voiden("export", "api.voiden", "get-json", "--to", "http", cwd=collection).stdout
    assert "Authorization: Bearer {{API_TOKEN}}" in http and TOKEN not in http
    revealed = voiden("export", "api.voiden", "get-json", "--to", "curl", "--reveal-secrets", cwd=collection).stdout
    assert f"Bearer {TOKEN}" in revealed


def test_a_secret_in_an_encoded_form_is_masked(collection: Path) -> None:
    (collection / "api.voiden").write_text(
        "```http name=q\nGET {{base}}/q?key={{PASSWORD}}\n```\n", encoding="utf-8"
    )  # percent-encoded in the URL: not the value a $PASSWORD would give
    exported = voiden("export", "api.voiden", "--to", "curl", cwd=collection)
    assert "ss%27wo" not in exported.stdout.lower() and "pa%20ss" not in exported.stdout.lower(), exported.stdout
    assert "masked" in exported.stderr


def test_what_cannot_be_exported_says_why(collection: Path) -> None:
    (collection / "api.voiden").write_text(
        "```http name=login\nPOST {{base}}/login\n```\n\n"
        "```http name=me\nGET {{base}}/me\nAuthorization: Bearer {{login.response.body.token}}\n```\n\n"
        "```ws name=chat\nws://127.0.0.1:1/chat\n```\n",
        encoding="utf-8",
    )
    exported = voiden("export", "api.voiden", "--to", "curl", cwd=collection)
    assert exported.returncode == 1
    assert "`me` not exported: it reads another request's response ({{login.response.body.token}})" in exported.stderr
    assert "`chat` is a ws request, which curl cannot send: try --to websocat or http" in exported.stderr
    assert exported.stdout.startswith("curl")  # the others are still written
    unknown = voiden("export", "api.voiden", "nope", "--to", "curl", cwd=collection)
    assert unknown.returncode == 2 and "no request named nope" in unknown.stderr


def test_a_connect_or_grpc_web_request_is_not_exported_as_plain_grpc(collection: Path) -> None:
    (collection / "api.voiden").write_text(
        "```grpc name=say\nhttp://127.0.0.1:1 a.v1.S/M\n\n{}\n```\n\n"
        "```grpc name=web\n@protocol grpc-web\nhttps://127.0.0.1:1 a.v1.S/M\n\n{}\n```\n\n"
        "```grpc name=plain\n@protocol grpc\nhttp://127.0.0.1:1 a.v1.S/M\n\n{}\n```\n",
        encoding="utf-8",
    )
    for to in ("grpcurl", "http"):
        exported = voiden("export", "api.voiden", "--to", to, cwd=collection)
        assert exported.returncode == 1
        assert "`say` speaks connect (an http(s):// address)" in exported.stderr
        assert "`web` speaks grpc-web" in exported.stderr and "`buf curl` speaks all three" in exported.stderr
        assert "127.0.0.1:1" in exported.stdout  # `plain` is plain gRPC to that host and port
