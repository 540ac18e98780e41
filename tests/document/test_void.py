"""The Voiden app's `.void` files: the real samples, both node shapes, sockets, and a run against a demo server."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest

from tests.helpers import events, of, received_json, voiden
from voiden_lsp.demo.grpc_server import DemoGrpcServer
from voiden_lsp.demo.http_server import DemoHttpServer
from voiden_lsp.demo.ws_server import DemoWebSocketServer
from voiden_lsp.events import Event
from voiden_lsp.formats import parse_document, parse_void
from voiden_lsp.sessions import Runner
from voiden_lsp.templating import (
    Collection,
    collection_files,
    inherited_texts,
    path_in_collection,
    root_from,
    void_context,
)

SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "data" / "voiden-app-samples"


@pytest.mark.parametrize("sample", sorted(SAMPLES.glob("*.void")), ids=lambda p: p.name)
def test_every_sample_reads_without_errors(sample: Path) -> None:
    doc = parse_void(sample.read_text(encoding="utf-8"))
    assert [p.message for p in doc.problems if p.severity == "error"] == []
    for request in doc.requests:
        assert request.target is not None and request.target.text
        assert 0 <= request.range.start.line <= request.range.end.line


def test_sample_requests_map_onto_the_model() -> None:
    query = parse_void((SAMPLES / "query.void").read_text(encoding="utf-8")).requests[0]
    assert query.method == "GET"
    assert query.target is not None
    assert (
        query.target.text == "https://echo.apyhub.com?sort=alpha_desc&size=10&query=what%20is%20voiden%3F"
    )  # disabled row skipped
    headers = parse_void((SAMPLES / "headers.void").read_text(encoding="utf-8")).requests[0]
    assert [h.name for h in headers.headers] == ["Authorization", "Content-Type"]
    body = parse_void((SAMPLES / "json.void").read_text(encoding="utf-8")).requests[0].body
    assert body is not None and json.loads(body.text)["name"] == "Jason Bourne"
    assert parse_document("```void\n---\ntype: request\n---\n```\n", "x.voiden").requests == []  # by name


SOCKETS = """---
version: 2.1.1
---
# Sockets

```void
---
type: socket-request
content:
  - type: smethod
    content: grpc
  - type: surl
    content: "{{addr}}"
  - type: proto
    attrs:
      service: routeguide.RouteGuide
      method: GetFeature
---
```

```void
---
type: json_body
attrs:
  body: |-
    {
      // JSONC comments are allowed
      "latitude": 7
    }
---
```

```void
---
type: request-separator
attrs:
  label: Second call
---
```

```void
---
type: request
content:
  - type: method
    content: [{type: text, text: POST}]
  - type: url
    content: [{type: text, text: "{{base}}/echo"}]
---
```

```void
---
type: headers-table
content:
  - type: table
    content:
      - type: tableRow
        attrs: {disabled: false}
        content:
          - {type: tableCell, content: [{type: paragraph, content: [{type: text, text: X-Token}]}]}
          - {type: tableCell, content: [{type: paragraph, content: [{type: text, text: abc}]}]}
      - type: tableRow
        attrs: {disabled: true}
        content:
          - {type: tableCell, content: [{type: paragraph, content: X-Off}]}
          - {type: tableCell, content: [{type: paragraph, content: "1"}]}
---
```
"""


async def test_socket_and_raw_shape_fixture_runs_against_the_demo_servers(http_server: DemoHttpServer) -> None:
    doc = parse_void(SOCKETS)
    grpc_call, echo = doc.requests
    assert (grpc_call.protocol, grpc_call.rpc and grpc_call.rpc.text) == ("grpc", "routeguide.RouteGuide/GetFeature")
    assert (echo.name, echo.method, [h.name for h in echo.headers]) == ("second-call", "POST", ["X-Token"])
    events: list[Event] = []
    with DemoGrpcServer() as grpc_server:
        runner = Runner(
            doc,
            None,
            Collection(),
            overrides={"addr": grpc_server.address, "base": http_server.url},
            sinks=[events.append],
            process_env={},
        )
        for request in doc.requests:
            await runner.run(request)
    feature, echoed = (r["data"] for r in of(events, "received"))
    assert feature["name"] == "Feature at 7,0"
    assert echoed["method"] == "POST" and echoed["headers"]["X-Token"] == "abc" and "X-Off" not in echoed["headers"]


def test_voiden_run_reads_a_sample_copy_pointed_at_the_demo_server(http_server: DemoHttpServer, tmp_path: Path) -> None:

    copy = tmp_path / "query.void"
    copy.write_text(
        (SAMPLES / "query.void")
        .read_text(encoding="utf-8")
        .replace("content: https://echo.apyhub.com", 'content: "{{base}}/echo"'),
        encoding="utf-8",
    )
    result = voiden("run", str(copy), "--json", "--var", f"base={http_server.url}")
    assert result.returncode == 0, result.stdout + result.stderr
    echoed = received_json(result.stdout)[0]
    assert echoed["query"] == {"sort": "alpha_desc", "size": "10", "query": "what is voiden?"}


@pytest.mark.parametrize("sample", sorted(SAMPLES.glob("*.void")), ids=lambda p: p.name)
def test_convert_round_trip_sends_the_same_requests(sample: Path, tmp_path: Path) -> None:
    from voiden_lsp.document import parse

    out = tmp_path / "converted.voiden"
    result = voiden("convert", str(sample), "-o", str(out))
    assert result.returncode == 0, result.stderr
    # as `voiden run` reads it: linked blocks and files from the collection, paths from its root
    original = parse_void(
        sample.read_text(encoding="utf-8"), collection_files(sample), inherited_texts(sample), root_from(sample)
    )
    converted = parse(out.read_text(encoding="utf-8"))
    assert [p.message for p in converted.problems if p.severity == "error"] == []

    def shape(doc: object) -> list[tuple[object, ...]]:
        return [
            (
                r.name,
                r.protocol,
                r.method,
                r.target.text if r.target else None,
                [(h.name, h.value.text) for h in r.headers],
                r.body.text.strip() if r.body else None,
            )
            for r in doc.requests
        ]  # type: ignore[attr-defined]

    assert shape(converted) == shape(original)
    assert "```void\n---\ntype: request\n" not in out.read_text(encoding="utf-8")


def test_app_environments_runtime_variables_and_private_values(http_server: DemoHttpServer, tmp_path: Path) -> None:

    app = tmp_path / ".voiden"
    app.mkdir()
    (app / "env-public.yaml").write_text(
        "staging:\n  variables:\n    BASE_URL: http://127.0.0.1:9\n    REGION: all\n"
        f"  children:\n    eu:\n      variables:\n        BASE_URL: {http_server.url}\n        REGION: eu\n",
        encoding="utf-8",
    )
    (app / "env-private.yaml").write_text("staging:\n  variables:\n    API_KEY: private-key-123456\n", encoding="utf-8")
    (app / ".process.env.json").write_text('{"__global__": {"session": "from-a-script"}}', encoding="utf-8")
    doc = tmp_path / "api" / "call.void"
    doc.parent.mkdir()
    doc.write_text(
        "```void\n---\ntype: request\ncontent:\n  - type: method\n    content: GET\n  - type: url\n"
        '    content: "{{BASE_URL}}/echo?region={{REGION}}&s={{process.session}}"\n---\n```\n'
        "```void\n---\ntype: headers-table\ncontent:\n  - type: table\n    rows:\n"
        "      - row: [X-Key, '{{API_KEY}}']\n---\n```\n",
        encoding="utf-8",
    )
    result = voiden("run", str(doc), "--json", "--env", "staging.eu")
    assert result.returncode == 0, result.stdout + result.stderr
    echoed = received_json(result.stdout)[0]
    assert echoed["query"] == {"region": "eu", "s": "from-a-script"}
    assert "private-key-123456" not in result.stdout and "pri…" in result.stdout


def test_linked_blocks_resolve_from_the_collection(tmp_path: Path) -> None:
    from voiden_lsp.templating import collection_files

    (tmp_path / ".voiden").mkdir()
    (tmp_path / "blocks").mkdir()
    (tmp_path / "blocks" / "shared.void").write_text(
        "```void\n---\ntype: headers-table\nattrs:\n  uid: h-1\ncontent:\n  - type: table\n    rows:\n"
        "      - row: [X-Shared, 'yes']\n---\n```\n"
        "```void\n---\ntype: linkedBlock\nattrs:\n  uid: loop\n  blockUid: loop\n  originalFile: /blocks/shared.void\n"
        "---\n```\n",
        encoding="utf-8",
    )
    doc_path = tmp_path / "api" / "call.void"
    doc_path.parent.mkdir()
    text = (
        "```void\n---\ntype: request\ncontent:\n  - type: method\n    content: GET\n  - type: url\n"
        "    content: http://127.0.0.1:9/x\n---\n```\n"
        "```void\n---\ntype: linkedBlock\nattrs:\n  blockUid: h-1\n  originalFile: /blocks/shared.void\n---\n```\n"
        "```void\n---\ntype: linkedBlock\nattrs:\n  blockUid: nope\n  originalFile: /blocks/missing.void\n---\n```\n"
        "```void\n---\ntype: linkedBlock\nattrs:\n  blockUid: loop\n  originalFile: /blocks/shared.void\n---\n```\n"
        "```void\n---\ntype: linkedBlock\nattrs:\n  blockUid: x\n  originalFile: /../../etc/passwd\n---\n```\n"
    )
    doc = parse_void(text, collection_files(doc_path))
    (request,) = doc.requests
    assert [(h.name, h.value.text) for h in request.headers] == [("X-Shared", "yes")]
    messages = [p.message for p in doc.problems]
    assert any("/blocks/missing.void is not found" in m for m in messages)
    assert any("is a cycle" in m for m in messages)
    assert any("/../../etc/passwd is not found" in m for m in messages), "nothing outside the root is read"
    assert [p.range.start.line for p in doc.problems if "cycle" in p.message] == [26]
    unresolved = parse_void(text)  # no loader: reported, not read
    assert any("is not found" in p.message for p in unresolved.problems)


def test_inherited_config_fills_what_a_section_lacks(tmp_path: Path) -> None:
    from voiden_lsp.templating import inherited_texts

    (tmp_path / ".voiden").mkdir()
    (tmp_path / ".voiden-inherited.void").write_text(
        "```void\n---\ntype: headers-table\ncontent:\n  - type: table\n    rows:\n      - row: [X-Root, r]\n---\n```\n"
        "```void\n---\ntype: auth\nattrs:\n  authType: bearer\ncontent:\n  - type: table\n    rows:\n"
        "      - row: [token, root-token]\n---\n```\n",
        encoding="utf-8",
    )
    team = tmp_path / "team"
    team.mkdir()
    (team / ".voiden-inherited.void").write_text(
        "```void\n---\ntype: headers-table\ncontent:\n  - type: table\n    rows:\n      - row: [X-Team, t]\n---\n```\n",
        encoding="utf-8",
    )
    doc_path = team / "call.void"
    request_block = (
        "```void\n---\ntype: request\ncontent:\n  - type: method\n    content: GET\n  - type: url\n"
        "    content: http://127.0.0.1:9/x\n---\n```\n"
    )
    plain = parse_void(request_block, inherited=inherited_texts(doc_path))
    (request,) = plain.requests
    # the closest ancestor's headers win over the root's; the root's auth applies
    assert [(h.name, h.value.text) for h in request.headers] == [
        ("X-Team", "t"),
        ("Authorization", "Bearer root-token"),
    ]
    own = request_block + (
        "```void\n---\ntype: headers-table\ncontent:\n  - type: table\n    rows:\n      - row: [X-Own, o]\n---\n```\n"
        "```void\n---\ntype: auth\nattrs:\n  authType: inherit\n---\n```\n"
    )
    (request,) = parse_void(own, inherited=inherited_texts(doc_path)).requests
    assert [(h.name, h.value.text) for h in request.headers] == [("X-Own", "o"), ("Authorization", "Bearer root-token")]


def test_ambiguous_app_files_say_what_was_assumed() -> None:
    text = (
        "```void\n---\ntype: socket-request\ncontent:\n  - type: smethod\n    content: grpc-s\n"
        '  - type: surl\n    content: "example.com:443"\n  - type: proto\n    attrs:\n      service: Greeter\n'
        "      method: SayHello\n---\n```\n"
    )
    doc = parse_void(text)
    (request,) = doc.requests
    assert (
        request.protocol == "grpc" and request.target is not None and request.target.text == "grpcs://example.com:443"
    )
    codes = {p.code: p.message for p in doc.problems}
    assert "read the call type `grpc-s` as `grpcs`" in codes["void-call-type"]
    assert "has no package" in codes["void-proto-package"]


WS_VOID = """# Echo from the Voiden app

```void
---
type: socket-request
content:
  - type: smethod
    content: ws
  - type: surl
    content: "{{ws}}/echo"
---
```

```void
---
type: json_body
attrs:
  body: |-
    {"hello": "{{$faker.person.firstName()}}"}
---
```
"""


def test_voiden_run_drives_a_void_websocket_session_and_ends_it(tmp_path: Path) -> None:
    path = tmp_path / "echo.void"
    path.write_text(WS_VOID, encoding="utf-8")
    with DemoWebSocketServer() as server:
        result = voiden("run", str(path), "--json", "--var", f"ws={server.url}")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "sets no limit (.void files cannot); the session closes after 10s" in result.stderr
    kinds = [e["kind"] for e in events(result.stdout)]
    assert kinds[:2] == ["connecting", "open"] and kinds[-1] == "closed", kinds
    sent = next(e["data"] for e in events(result.stdout) if e["kind"] == "sent")
    echoed = received_json(result.stdout)[0]
    assert echoed == sent and sent["hello"] and "{{" not in sent["hello"]


def _table(kind: str, rows: list[tuple[str, str]]) -> str:
    lines = [f"```void\n---\ntype: {kind}\ncontent:\n  - type: table\n    rows:"]
    for key, value in rows:
        lines.append(f"      - attrs: {{disabled: false}}\n        row: [{json.dumps(key)}, {json.dumps(value)}]")
    return "\n".join(lines) + "\n---\n```\n"


def test_path_cookie_and_option_tables(http_server: DemoHttpServer, tmp_path: Path) -> None:
    request = (
        "```void\n---\ntype: request\ncontent:\n  - type: method\n    content: GET\n"
        '  - type: url\n    content: "{{base}}/echo/users/{id}/posts/:post"\n---\n```\n\n'
    )
    text = (
        request
        + _table("path-table", [("id", "42"), ("post", "7")])
        + "\n"
        + _table("cookies-table", [("session", "abc"), ("theme", "dark")])
        + "\n"
        + _table("options-table", [("follow_redirects", "false")])
    )
    doc = parse_void(text)
    (only,) = doc.requests
    assert only.has_meta("no-redirect")
    path = tmp_path / "tables.void"
    path.write_text(text, encoding="utf-8")
    result = voiden("run", str(path), "--json", "--var", f"base={http_server.url}")
    assert result.returncode == 0, result.stdout + result.stderr
    echoed = received_json(result.stdout)[0]
    assert echoed["path"] == "/echo/users/42/posts/7"
    assert echoed["headers"]["Cookie"] == "session=abc; theme=dark"
    converted = voiden("convert", str(path), "-o", "-").stdout
    assert "@no-redirect\nGET {{base}}/echo/users/42/posts/7\nCookie: session=abc; theme=dark" in converted


def _collection_copy(tmp_path: Path, sample: str, url: str) -> Path:
    """A sample in a collection of its own (a `.voiden/` root) with its URL pointed at a demo server; the
    sample itself is never changed."""
    (tmp_path / ".voiden").mkdir(exist_ok=True)
    (tmp_path / "docs").mkdir(exist_ok=True)
    copy = tmp_path / "docs" / sample
    text = (SAMPLES / sample).read_text(encoding="utf-8")
    copy.write_text(re.sub(r"content: https://\S+", f"content: {url}", text, count=1), encoding="utf-8")
    return copy


def test_the_file_samples_upload_their_files(http_server: DemoHttpServer, tmp_path: Path) -> None:
    (tmp_path / "tests").mkdir()
    # fixed bytes: the echoed PDF body is shown as text, and a fixed size stays under the 64 KB display cut
    jpg, pdf = bytes(range(256)) * 120, b"%PDF-1.4\n" + bytes(range(256)) * 20
    (tmp_path / "tests" / "sample.jpg").write_bytes(jpg)
    (tmp_path / "tests" / "sample.pdf").write_bytes(pdf)
    form = _collection_copy(tmp_path, "files.void", f"{http_server.url}/upload")
    result = voiden("run", str(form), "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    uploaded = received_json(result.stdout)[0]
    assert uploaded["files"] == {
        "file": [
            {
                "filename": "sample.jpg",
                "content_type": "image/jpeg",
                "size": len(jpg),
                "sha256": hashlib.sha256(jpg).hexdigest(),
            }
        ]
    }
    binary = _collection_copy(tmp_path, "binary.void", f"{http_server.url}/echo")
    result = voiden("run", str(binary), "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    echoed = received_json(result.stdout)[0]
    assert (
        echoed["sha256"] == hashlib.sha256(pdf).hexdigest() and echoed["headers"]["Content-Type"] == "application/pdf"
    )
    # the file paths are the app's (from the collection root), written from the document's folder
    request = parse_document(binary.read_text(encoding="utf-8"), binary.name, root=root_from(binary)).requests[0]
    assert request.body is not None and request.body.text == "< ../tests/sample.pdf"
    assert not [
        p for p in parse_void((SAMPLES / "files.void").read_text(encoding="utf-8")).problems if p.code == "void-body"
    ]


SEPARATOR = "```void\n---\ntype: request-separator\nattrs:\n  uid: {uid}\n  label: {label}\n---\n```\n"
REQUEST = (
    "```void\n---\ntype: request\ncontent:\n  - type: method\n    content: GET\n  - type: url\n"
    '    content: "{{{{base}}}}/echo?from={name}"\n---\n```\n'
)
LINKED_FILE = "```void\n---\ntype: linkedFile\nattrs:\n  originalFile: {path}\n  sectionUid: {uid}\n---\n```\n"


def test_linked_files_run_their_sections_in_place(http_server: DemoHttpServer, tmp_path: Path) -> None:
    (tmp_path / ".voiden").mkdir()
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "auth.void").write_text(
        "# Auth\n\n"
        + REQUEST.format(name="first")
        + SEPARATOR.format(uid="s-2", label="Second")
        + REQUEST.format(name="second")
        + SEPARATOR.format(uid="s-3", label="Back")
        + LINKED_FILE.format(path="/main.void", uid="null"),  # a cycle back to the document
        encoding="utf-8",
    )
    main = tmp_path / "main.void"
    main.write_text(
        "# Main\n\n"
        + REQUEST.format(name="main")
        + SEPARATOR.format(uid="m-2", label="All of auth")
        + LINKED_FILE.format(path="/shared/auth.void", uid="null")
        + SEPARATOR.format(uid="m-3", label="Just the second")
        + LINKED_FILE.format(path="/shared/auth.void", uid="s-2")
        + SEPARATOR.format(uid="m-4", label="Gone")
        + LINKED_FILE.format(path="/shared/missing.void", uid="null"),
        encoding="utf-8",
    )
    doc = parse_void(
        main.read_text(encoding="utf-8"), collection_files(main), [], root_from(main), path_in_collection(main)
    )
    targets = [r.target.text.rsplit("=", 1)[1] for r in doc.requests if r.target]
    assert targets == ["main", "first", "second", "second"]
    link_line = next(i for i, line in enumerate(main.read_text().split("\n")) if "type: linkedFile" in line) - 2
    assert {r.range.start.line for r in doc.requests[1:3]} == {link_line}  # lenses over the link
    messages = [p.message for p in doc.problems]
    assert any("/shared/missing.void is not found" in m for m in messages), messages
    assert any(("/main.void is" in m and "deep" in m) or "cycle" in m for m in messages), messages
    result = voiden("run", str(main), "--json", "--var", f"base={http_server.url}")
    assert result.returncode == 0, result.stdout + result.stderr
    received = [echo["query"]["from"] for echo in received_json(result.stdout)]
    assert received == ["main", "first", "second", "second"]
    converted = tmp_path / "main.voiden"
    assert voiden("convert", str(main), "-o", str(converted)).returncode == 0
    assert converted.read_text(encoding="utf-8").count("```http name=") == 4


def test_named_profiles_and_the_legacy_dotenv_fallback(http_server: DemoHttpServer, tmp_path: Path) -> None:
    app = tmp_path / "profiles" / ".voiden"
    app.mkdir(parents=True)
    (app / "env-public.yaml").write_text("dev:\n  variables: {REGION: home}\n", encoding="utf-8")
    (app / "env-team-b-public.yaml").write_text(
        "staging:\n  variables: {REGION: b, BASE: x}\n  children:\n    eu:\n      variables: {REGION: b-eu}\n",
        encoding="utf-8",
    )
    (app / "env-team-b-private.yaml").write_text("staging:\n  variables: {KEY: team-b-secret-1}\n", encoding="utf-8")
    (app / "env-default-public.yaml").write_text("ignored:\n  variables: {A: 1}\n", encoding="utf-8")  # reserved
    profiles = Collection.load(tmp_path / "profiles" / "doc.void")
    assert sorted(profiles.environments) == ["dev", "team-b/staging", "team-b/staging.eu"]
    assert profiles.environment("team-b/staging.eu") == {"REGION": "b-eu", "BASE": "x", "KEY": "team-b-secret-1"}
    assert "team-b-secret-1" in profiles.secrets
    doc = tmp_path / "profiles" / "doc.void"
    doc.write_text(
        "```void\n---\ntype: request\ncontent:\n  - type: method\n    content: GET\n  - type: url\n"
        f'    content: "{http_server.url}/echo?region={{{{REGION}}}}"\n---\n```\n',
        encoding="utf-8",
    )
    result = voiden("run", str(doc), "--json", "--profile", "team-b", "--env", "staging.eu")
    assert result.returncode == 0, result.stdout + result.stderr
    echoed = received_json(result.stdout)[0]
    assert echoed["query"] == {"region": "b-eu"}

    legacy = tmp_path / "legacy"
    (legacy / ".voiden").mkdir(parents=True)
    (legacy / "config" / "deep").mkdir(parents=True)
    (legacy / ".env").write_text("BASE=http://127.0.0.1:9\nTOKEN=base-token-1\n", encoding="utf-8")
    (legacy / ".env.staging").write_text("REGION=staging\nTOKEN=staging-token-1\n", encoding="utf-8")
    (legacy / "config" / ".env.staging.eu").write_text("# the EU one\nREGION=eu\n", encoding="utf-8")
    (legacy / "config" / "deep" / ".env.staging").write_text("REGION=nearest-the-root-wins\n", encoding="utf-8")
    (legacy / ".env.example").write_text("REGION=not-an-environment\n", encoding="utf-8")
    (legacy / "node_modules").mkdir()
    (legacy / "node_modules" / ".env.vendor").write_text("X=1\n", encoding="utf-8")
    found = Collection.load(legacy / "doc.void")
    assert sorted(found.environments) == ["staging", "staging.eu"]
    assert found.environment("staging.eu") == {"REGION": "eu", "TOKEN": "staging-token-1"}
    assert "staging-token-1" in found.secrets
    doc = legacy / "doc.void"
    doc.write_text(
        "```void\n---\ntype: request\ncontent:\n  - type: method\n    content: GET\n  - type: url\n"
        '    content: "{{BASE}}/echo?region={{REGION}}&t={{TOKEN}}"\n---\n```\n',
        encoding="utf-8",
    )
    result = voiden("run", str(doc), "--json", "--env", "staging.eu", "--var", f"BASE={http_server.url}")
    assert result.returncode == 0, result.stdout + result.stderr
    echoed = received_json(result.stdout)[0]
    assert echoed["query"] == {"region": "eu", "t": "sta…"}  # .env.staging's token over .env's, masked
    assert "staging-token-1" not in result.stdout


def test_basic_auth_becomes_an_authorization_header() -> None:
    text = (
        "```void\n---\ntype: request\ncontent:\n  - type: method\n    content: GET\n  - type: url\n"
        "    content: http://127.0.0.1:9/x\n---\n```\n"
        "```void\n---\ntype: auth\nattrs:\n  authType: basic\ncontent:\n  - type: table\n    rows:\n"
        "      - row: [username, '{{USER}}']\n      - row: [password, s3cret]\n---\n```\n"
    )
    (request,) = parse_void(text).requests
    assert [(h.name, h.value.text) for h in request.headers] == [("Authorization", "Basic {{USER}}:s3cret")]
    assert not [p for p in parse_void(text).problems if p.code == "void-auth"]


RUNNABLE = [s for s in sorted(SAMPLES.glob("*.void")) if parse_void(s.read_text(encoding="utf-8")).requests]


@pytest.mark.parametrize("sample", RUNNABLE, ids=lambda p: p.name)
def test_every_sample_runs_and_its_conversion_sends_the_same(
    sample: Path, http_server: DemoHttpServer, tmp_path: Path
) -> None:
    """Each sample's requests, pointed at the demo server in a copy (hosts rewritten, paths and queries
    kept), run; `voiden convert` of the copy then sends the same requests."""
    (tmp_path / ".voiden").mkdir()
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "sample.jpg").write_bytes(bytes(range(256)) * 8)
    (tmp_path / "tests" / "sample.pdf").write_bytes(b"%PDF-1.4\n" + bytes(range(256)) * 4)
    copy = tmp_path / sample.name
    text = sample.read_text(encoding="utf-8")
    copy.write_text(re.sub(r"https://[^/\s?\"']+", f"{http_server.url}/echo", text), encoding="utf-8")
    converted = tmp_path / (sample.stem + ".voiden")
    assert voiden("convert", str(copy), "-o", str(converted)).returncode == 0

    def sent(path: Path) -> list[tuple[object, ...]]:
        base = f"BASE_URL={http_server.url}/echo"
        result = voiden("run", str(path), "--json", "--var", base, "--var", "AUTH_TOKEN=token-from-the-test")
        assert result.returncode == 0, result.stdout + result.stderr
        echoes = received_json(result.stdout)
        return [
            (e["method"], e["path"], e["query"], e["headers"].get("Content-Type"), e["sha256"], e["size"])
            for e in echoes
        ]

    requests = sent(copy)
    assert len(requests) == len(parse_void(text).requests)
    assert sent(converted) == requests


def test_a_void_document_outside_the_workspace_still_reads(tmp_path: Path) -> None:
    workspace, elsewhere = tmp_path / "workspace", tmp_path / "elsewhere"
    workspace.mkdir()
    elsewhere.mkdir()
    doc = elsewhere / "call.void"
    doc.write_text((SAMPLES / "query.void").read_text(encoding="utf-8"), encoding="utf-8")
    load, inherited, root, path = void_context(doc, workspace)
    assert (root, path) == ("../workspace", "")  # the workspace is the root; the document is not under it
    assert parse_document(doc.read_text(encoding="utf-8"), doc.name, load, inherited, root, path).requests


APP_23_SHAPES = """```void
---
type: request
content:
  - type: method
    content: GET
  - type: url
    content: "http://127.0.0.1:9/x"
attrs:
  pluginId: voiden-rest-api
  pluginVersion: 1.4.7
---
```

```void
---
type: headers-table
content:
  - type: table
    content:
      - type: tableRow
        content:
          - type: tableCell
            content:
              - type: paragraph
                content:
                  - type: text
                    text: X-Bold
                    marks: [{type: bold}]
          - type: tableCell
            content:
              - type: paragraph
                content:
                  - type: text
                    text: "v"
                  - type: text
                    text: "1"
                    marks: [{type: italic}]
          - type: tableCell
            content: []
      - type: tableRow
        attrs: {disabled: true}
        content:
          - type: tableCell
            content: [{type: paragraph, content: [{type: text, text: X-Off}]}]
          - type: tableCell
            content: [{type: paragraph}]
---
```

```void
---
type: query-table
content:
  - type: table
    rows:
      - row: [empty, null]
      - row: [page, "2", "n/a"]
      - row: [null, "x"]
      - row: ["n/a", "n/a"]
---
```
"""


def test_the_newer_app_shapes_read_cleanly() -> None:
    """2.3 writes `attrs` after `content`, `pluginId`/`pluginVersion`, raw tables with marks, null cells and
    rows with no name: read as the app reads them, with no problem to report."""
    doc = parse_void(APP_23_SHAPES)
    (request,) = doc.requests
    assert request.target is not None and request.target.text == "http://127.0.0.1:9/x?empty=&page=2&n/a=n/a"
    assert [(h.name, h.value.text) for h in request.headers] == [("X-Bold", "v1")]
    assert doc.problems == []


def test_blocks_that_are_not_run_say_so_and_captures_are_read() -> None:
    request_block = (
        "```void\n---\ntype: request\ncontent:\n  - type: method\n    content: GET\n  - type: url\n"
        "    content: http://127.0.0.1:9/x\n---\n```\n"
    )
    doc = parse_void(
        request_block + "```void\n---\ntype: runtime-variables\ncontent:\n  - type: table\n    rows:\n"
        '      - row: [token, "{{$res.body.data[0].token}}"]\n      - row: [bad, "{{token}}"]\n---\n```\n'
    )
    assert [(c.name, c.source) for c in doc.requests[0].captures] == [("token", "$res.body.data[0].token")]
    assert [p.code for p in doc.problems] == ["void-capture"]
    doc = parse_void(
        request_block + "```void\n---\ntype: runtime-variables\nattrs:\n  rows:\n"
        "    - {key: etag, value: '{{$res.headers.etag}}'}\n"
        "    - {key: off, value: '{{$res.status}}', enabled: false}\n---\n```\n"
        "```void\n---\ntype: pre_script\nattrs:\n  language: python\n  body: print(1)\n---\n```\n"
        "```void\n---\ntype: grpc-messages-node\n---\n```\n"
        "```void\n---\ntype: stitch\n---\n```\n"
        "```void\n---\ntype: mystery\n---\n```\n"
    )
    assert [(c.name, c.source) for c in doc.requests[0].captures] == [("etag", "$res.headers.etag")]
    assert sorted((p.severity, p.message) for p in doc.problems) == [
        ("info", "a `mystery` block, which this reader does not know: not run, kept as prose"),
        ("info", "a recorded gRPC session (the app's response panel): not run, kept as prose"),
        ("warning", "a Stitch batch run (run the files with `voiden run`): not run, kept as prose"),
        ("warning", "a script (no document runs code here): not run, kept as prose"),
    ]
