"""Postman collections imported (`voiden import`): every collection of the corpus (exports nobody here wrote:
Insomnia's importer fixtures and newman's sample, tests/formats/corpus/postman/SOURCES.md) becomes documents
that parse cleanly, a request for each of the source's, credentials only in `.env`; and on the wire, newman
(Postman's own runner) and `voiden run` send the same requests to a recording server."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import voiden
from tests.recording import Recorder, command_headers
from voiden_lsp.formats import parse_document
from voiden_lsp.formats.postman import PostmanError, read_postman
from voiden_lsp.formats.postman_tests import script_expectations

CORPUS = Path(__file__).parent / "corpus" / "postman"
FILES = sorted(CORPUS.glob("*.json"))
V3 = CORPUS / "v3" / "postman"
NEWMAN = Path(__file__).resolve().parents[1] / "interop" / "servers" / "node_modules" / ".bin" / "newman"


def _requests(item: Any) -> list[dict[str, Any]]:
    if isinstance(item, dict) and "item" in item:
        return [r for child in item["item"] for r in _requests(child)]
    return [item] if isinstance(item, dict) and "request" in item else []


def _credentials(item: Any) -> set[str]:
    """Every credential value an `auth` of the source holds (not templates)."""
    found: set[str] = set()
    if isinstance(item, dict):
        auth = item.get("auth")
        if isinstance(auth, dict) and auth.get("type") in ("basic", "bearer", "apikey"):
            given = auth.get(auth["type"]) or []
            rows = [{"key": k, "value": v} for k, v in given.items()] if isinstance(given, dict) else given
            for row in rows:
                value = row.get("value")
                if row.get("key") in ("password", "token", "value") and isinstance(value, str) and "{{" not in value:
                    found.add(value)
        for value in item.values():
            found |= _credentials(value)
    elif isinstance(item, list):
        for value in item:
            found |= _credentials(value)
    return found


def test_the_corpus_is_there() -> None:
    assert len(FILES) == 25, FILES  # the sources listed in SOURCES.md


@pytest.mark.parametrize("source", FILES, ids=[f.stem for f in FILES])
def test_every_collection_of_the_corpus_imports(source: Path, tmp_path: Path) -> None:
    result = voiden("import", str(source), "--out", str(tmp_path))
    assert result.returncode in (0, 1), result.stderr
    assert (result.returncode == 1) == ("note:" in result.stdout), result.stdout
    data = json.loads(source.read_text(encoding="utf-8"))
    documents = sorted(tmp_path.rglob("*.voiden"))
    written = [parse_document(d.read_text(encoding="utf-8"), d.name) for d in documents]
    for document, doc in zip(documents, written, strict=True):
        errors = [p for p in doc.problems if p.severity == "error"]
        assert not errors, (document.read_text(), errors)
    assert sum(len(doc.requests) for doc in written) == len(_requests(data))
    text = "".join(d.read_text(encoding="utf-8") for d in documents)
    for credential in _credentials(data):
        assert not re.search(rf"[:= ]{re.escape(credential)}(?:\b|$)", text), credential  # as a value: .env only
        assert credential in (tmp_path / ".env").read_text(encoding="utf-8")


def test_what_a_test_script_says_becomes_expectations() -> None:
    script = """
pm.test("Status code is 200", function () {
    pm.response.to.have.status(200);
});
pm.test("fast", () => pm.expect(pm.response.responseTime).to.be.below(500));
var jsonData = pm.response.json();
pm.test("Body", function () {
    pm.expect(jsonData.user.name).to.eql('Ada');
    pm.expect(jsonData.items[0].id).to.equal(7);
    pm.expect(jsonData).to.have.property("token");
    pm.expect(pm.response.json().ok).to.be.true;
    pm.expect(jsonData.tags).to.include("new");
    pm.expect(jsonData.count).to.be.above(2);
    pm.response.to.have.header("X-Trace");
    pm.environment.set("token", jsonData.token);
});
pm.expect(other.value).to.eql(1);
tests["Status code is 201"] = responseCode.code === 201;
"""
    read, left = script_expectations(script)
    assert read == [
        "status == 200",
        "time < 500ms",
        'body.user.name == "Ada"',
        "body.items.0.id == 7",
        "body.token exists",
        "body.ok == true",
        'body.tags contains "new"',
        "body.count > 2",
        "header X-Trace exists",
        "status == 201",
    ]
    assert left == ['pm.environment.set("token", jsonData.token)', "pm.expect(other.value).to.eql(1)"]


def test_bad_and_hostile_sources_say_why(tmp_path: Path) -> None:
    with pytest.raises(PostmanError, match="not a Postman collection"):
        read_postman('{"info": {"name": "x"}}', "x")
    with pytest.raises(PostmanError, match="not JSON: line 1"):
        read_postman("{", "x")
    deep = '{"info": {"schema": "https://schema.getpostman.com/json/collection/v2.1.0/"}, "item": ' + (
        '[{"name": "f", "item": ' * 10_000 + "[]" + "}]" * 10_000 + "}"
    )
    with pytest.raises(PostmanError, match="nested"):
        read_postman(deep, "deep")
    source = tmp_path / "evil.json"  # a file body outside the collection is a note, and is never read
    source.write_text(
        json.dumps(
            {
                "info": {"name": "evil", "schema": "https://schema.getpostman.com/json/collection/v2.1.0/"},
                "item": [
                    {
                        "name": "steal",
                        "request": {
                            "method": "POST",
                            "url": "http://x.example/",
                            "body": {"mode": "file", "file": {"src": "/etc/passwd"}},
                        },
                    }
                ],
            }
        )
    )
    result = voiden("import", str(source), "--out", str(tmp_path / "out"))
    assert result.returncode == 1 and "/etc/passwd" in result.stdout, result.stdout
    assert "root:" not in (tmp_path / "out" / "evil.voiden").read_text()


#: Hosts of the corpus, sent to the recording server instead (the same text goes to newman and to import).
_HOSTS = re.compile(r"(?:https?://)?(?:insomnia\.rest|mockbin\.org|echo\.getpostman\.com|httpbin\.org)")
#: What newman adds of its own, beside what every client adds (tests/recording.OWN).
_NEWMAN_OWN = {"postman-token", "cache-control"}
WIRE = [
    "insomnia-api-key-header-v2_1-input.json",
    "insomnia-api-key-queryParams-v2_1-input.json",
    "insomnia-basic-auth-v2_1-input.json",
    "insomnia-bearer-token-v2_1-input.json",
    "insomnia-complex-url-v2_1-input.json",
    "insomnia-complex-v2_1-input.json",
    "insomnia-scripts-import-v2_1-input.json",
    "newman-sample-collection.json",
]


VARS = {"username": "ada", "password": "pass"}  # what the corpus reads and does not define (newman sends `{{x}}`)


def _rehost(value: Any, port: str) -> None:
    """URLs given by their parts (which Postman sends by) pointed at the recording server."""
    if isinstance(value, dict):
        host = value.get("host")
        if isinstance(host, list) and ".".join(host) in ("insomnia.rest", "mockbin.org", "httpbin.org"):
            value.update(protocol="http", host=["127", "0", "0", "1"], port=port)
        for child in value.values():
            _rehost(child, port)
    elif isinstance(value, list):
        for child in value:
            _rehost(child, port)


def _key(record: dict[str, Any]) -> tuple[str, str, bytes]:
    """A GraphQL body by meaning: newman sends Postman's text as it is, voiden the query trimmed and the
    operation's name (as the GraphQL over HTTP spec has it)."""
    body = record["body"]
    if body.startswith(b'{"query"'):
        value = json.loads(body)
        value.pop("operationName", None)
        body = json.dumps({**value, "query": value["query"].strip()}, sort_keys=True).encode()
    return record["method"], record["path"], body


@pytest.mark.skipif(not NEWMAN.exists(), reason="newman comes with the npm reference packages (scripts/setup-interop)")
@pytest.mark.parametrize("name", WIRE)
def test_newman_and_voiden_run_send_the_same(recorder: str, tmp_path: Path, name: str) -> None:
    port = recorder.rsplit(":", 1)[1]
    data = json.loads(_HOSTS.sub(recorder, (CORPUS / name).read_text(encoding="utf-8")))
    _rehost(data, port)
    text = json.dumps(data)
    source = tmp_path / name
    source.write_text(text, encoding="utf-8")
    values = [f"--env-var={k}={v}" for k, v in {**VARS, "base_url": recorder}.items()]
    newman = subprocess.run(
        [str(NEWMAN), "run", str(source), *values, "--reporters", "cli", "--color", "off"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    theirs = [r for r in Recorder.seen if "multipart" not in str(r["headers"])]  # a file outside: not ours to send
    assert theirs, newman.stdout + newman.stderr
    Recorder.seen = []
    imported = voiden("import", str(source), "--out", str(tmp_path / "out"))
    assert imported.returncode in (0, 1), imported.stderr
    for document in sorted((tmp_path / "out").rglob("*.voiden")):
        values = [f"--var={k}={v}" for k, v in {**VARS, "base_url": recorder}.items()]
        voiden("run", str(document), *values, cwd=tmp_path / "out")
    ours = Recorder.seen
    assert sorted(map(_key, ours)) == sorted(map(_key, theirs)), (ours, theirs)
    left = list(theirs)
    for mine in ours:  # each request of ours paired with one of newman's: the same method, path, body, headers
        headers = command_headers(mine)
        same = [t for t in left if _key(t) == _key(mine)]
        match = next((t for t in same if [h for h in command_headers(t) if h[0] not in _NEWMAN_OWN] == headers), None)
        assert match is not None, (mine, same)
        left.remove(match)


def test_an_environment_becomes_a_voiden_toml_environment_and_env_secrets(recorder: str, tmp_path: Path) -> None:
    environment = {
        "id": "a7cc1846",
        "name": "Shop - Local",
        "values": [
            {"key": "baseUrl", "value": recorder, "type": "default", "enabled": True},
            {"key": "adminPassword", "value": "12345678", "type": "secret", "enabled": True},
            {"key": "apiToken", "value": "tok-123456", "type": "default", "enabled": True},  # named like a secret
            {"key": "old", "value": "x", "type": "default", "enabled": False},
        ],
        "_postman_variable_scope": "environment",
    }
    collection = {
        "info": {"name": "Shop", "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"},
        "auth": {"type": "bearer", "bearer": [{"key": "token", "value": "{{apiToken}}", "type": "string"}]},
        "item": [{"name": "Login", "request": {"method": "GET", "url": "{{baseUrl}}/login?p={{adminPassword}}"}}],
    }
    (tmp_path / "env.json").write_text(json.dumps(environment))
    (tmp_path / "shop.json").write_text(json.dumps(collection))
    result = voiden("import", "shop.json", "env.json", "--out", "api", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    config = (tmp_path / "api" / "voiden.toml").read_text()
    assert "[env.shop-local]\nbaseUrl = " in config and "old" not in config and "tok-" not in config
    assert (tmp_path / "api" / ".env").read_text().splitlines() == ["adminPassword=12345678", "apiToken=tok-123456"]
    assert ".env" in (tmp_path / "api" / ".gitignore").read_text()
    again = voiden("import", "env.json", "--out", "api", cwd=tmp_path)
    assert "has [env.shop-local] already" in again.stderr and (tmp_path / "api" / "voiden.toml").read_text() == config
    ran = voiden("run", "shop.voiden", "--env", "shop-local", cwd=tmp_path / "api")
    assert ran.returncode == 0, ran.stdout + ran.stderr
    (seen,) = Recorder.seen
    assert seen["path"] == "/login?p=12345678" and ("Authorization", "Bearer tok-123456") in seen["headers"]


def test_a_git_native_v3_collection(tmp_path: Path) -> None:
    """Postman's own worked example of a v3 collection and environment, and the v3 gRPC and WebSocket shapes."""
    result = voiden("import", str(V3), "--out", str(tmp_path / "out"))
    assert result.returncode == 0, result.stdout + result.stderr
    text = (tmp_path / "out" / "bookstore-api.voiden").read_text()
    assert text.index("## get all books") < text.index("## get book by :id") < text.index("## add new book")  # order
    assert "GET {{base_url}}/books/1\n" in text  # the path variable filled
    assert '"base_url": "https://api.bookstore.com/v1"' in text  # the definition's variables
    assert (
        '[env.staging]\nbase_url = "https://staging.api.example.com"' in (tmp_path / "out" / "voiden.toml").read_text()
    )
    assert (tmp_path / "out" / ".env").read_text() == "api_key=sk_live_examplenotreal\n"  # type: secret
    live = tmp_path / "live"
    live.mkdir()
    (live / "feature.request.yaml").write_text(
        "$kind: grpc-request\nurl: 'localhost:50051'\nmethodPath: routeguide.RouteGuide/GetFeature\n"
        "message:\n  content: '{\"latitude\": 1}'\nmetadata:\n  - key: x-trace\n    value: t-1\norder: 1\n"
    )
    (live / "chat.request.yaml").write_text("$kind: websocket-request\nurl: 'ws://localhost:9/chat'\norder: 2\n")
    result = voiden("import", str(live), "--out", str(tmp_path / "out2"))
    assert result.returncode == 0, result.stdout + result.stderr
    text = (tmp_path / "out2" / "live.voiden").read_text()
    assert "```grpc name=feature\ngrpc://localhost:50051 routeguide.RouteGuide/GetFeature\nx-trace: t-1\n" in text
    assert "```ws name=chat\nws://localhost:9/chat\n```" in text
