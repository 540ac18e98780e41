""".http files imported (`voiden import`): httpyac's own examples (tests/formats/corpus/http/SOURCES.md) become
documents that parse cleanly with a request for each of theirs; and on the wire, httpyac running the file and
`voiden run` running the import send the same requests to a recording server. The dialects' own forms
(`###` names, `# @name`, `@var = value`, continuation lines, GRPC / WEBSOCKET / SSE, env files) are read too."""

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

CORPUS = Path(__file__).parent / "corpus" / "http"
FILES = sorted(CORPUS.glob("*.http"))
HTTPYAC = Path(__file__).resolve().parents[1] / "interop" / "servers" / "node_modules" / ".bin" / "httpyac"
#: requests each file holds, as httpyac counts them (`httpyac send FILE --all` sends these many)
COUNTS = {
    "httpyac-assert": 2,
    "httpyac-basicAuth": 2,
    "httpyac-graphql": 2,
    "httpyac-httpMethods": 24,
    "httpyac-intellij": 6,
    "httpyac-json": 1,
    "httpyac-multipartFormData": 1,
    "httpyac-restClient": 20,
    "kulala-2.variables": 3,
    "kulala-7.testing-and-reporting": 1,
    "kulala-advanced_A": 2,
}


@pytest.mark.parametrize("source", FILES, ids=[f.stem for f in FILES])
def test_every_file_of_the_corpus_imports(source: Path, tmp_path: Path) -> None:
    result = voiden("import", str(source), "--out", str(tmp_path))
    assert result.returncode in (0, 1), result.stderr
    (document,) = tmp_path.glob("*.voiden")
    doc = parse_document(document.read_text(encoding="utf-8"), document.name)
    assert [p for p in doc.problems if p.severity == "error"] == []
    assert len(doc.requests) == COUNTS[source.stem]


def test_kulalas_file_variables_between_requests(tmp_path: Path) -> None:
    result = voiden("import", str(CORPUS / "kulala-2.variables.http"), "--out", str(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    text = (tmp_path / "kulala-2-variables.voiden").read_text()
    assert '"BASE_URL": "https://api.thecatapi.com/v1"' in text and "your_api_key_here" not in text
    assert "GET https://api.thecatapi.com/v1/images/search\n```" in text  # the variables are no body
    assert (tmp_path / ".env").read_text() == "API_KEY=your_api_key_here\n"  # named like a secret


def test_the_dialects_own_forms(tmp_path: Path) -> None:
    (tmp_path / "api.http").write_text(
        "@base = http://127.0.0.1:9\n\n"
        "### Log in\n# @name login\n# @no-redirect\nPOST {{base}}/login\n  ?next=/home\n"
        "Content-Type: application/json\n\n"
        '{"user": "ada"}\n\n> {% client.global.set("token", response.body.token); %}\n\n'
        "###\nGET {{base}}/me\nAuthorization: Bearer {{login.response.body.$.token}}\n\n"
        "###\nGRPC 127.0.0.1:50051/routeguide.RouteGuide/GetFeature\n\n"
        '{"latitude": 1, "longitude": 2}\n\n'
        "### chat\nWEBSOCKET ws://127.0.0.1:9/chat\n\n===\nhello\n=== wait-for-server\nbye\n\n"
        "###\nSSE http://127.0.0.1:9/events\n"
    )
    (tmp_path / "http-client.env.json").write_text(
        json.dumps({"dev": {"base": "http://dev"}, "prod": {"base": "https://p"}})
    )
    (tmp_path / "http-client.private.env.json").write_text(json.dumps({"dev": {"API_TOKEN": "t-123456"}}))
    result = voiden("import", "api.http", "--out", "out", cwd=tmp_path)
    assert result.returncode == 1 and "response handler script" in result.stdout, result.stdout
    text = (tmp_path / "out" / "api.voiden").read_text()
    assert '"base": "http://127.0.0.1:9"' in text  # file variables in the front matter
    assert "```http name=login\n@no-redirect\nPOST {{base}}/login?next=/home\n" in text
    assert "Bearer {{login.response.body.token}}" in text
    assert "```grpc name=" in text and "127.0.0.1:50051 routeguide.RouteGuide/GetFeature" in text
    assert (
        "```ws name=chat\nws://127.0.0.1:9/chat\n```\n\n```message\nhello\n```\n\n```message wait=1\nbye\n```" in text
    )
    assert "```sse name=" in text
    doc = parse_document(text, "api.voiden")
    assert [p.message for p in doc.problems if p.severity == "error"] == []
    assert [r.protocol for r in doc.requests] == ["http", "http", "grpc", "ws", "sse"]
    config = (tmp_path / "out" / "voiden.toml").read_text()
    assert '[env.dev]\nbase = "http://dev"' in config and "[env.prod]" in config
    assert (tmp_path / "out" / ".env").read_text() == "API_TOKEN=t-123456\n"


_HOSTS = re.compile(r"https://(?:httpbin\.org|api\.github\.com)")
WIRE = ["httpyac-httpMethods", "httpyac-intellij", "httpyac-json", "httpyac-assert", "httpyac-basicAuth"]
#: What httpyac sends and voiden, by design, does not (each import says so in a note): a header that is a
#: JavaScript expression (`{{Buffer.from(...)}}`), and a body file outside the collection.
UNSENT = {"httpyac-basicAuth": 1, "httpyac-intellij": 1}


def _headers(ours: dict[str, Any], theirs: dict[str, Any]) -> list[tuple[str, str]]:
    """Our headers, less the one voiden adds by design (docs/format.md): a JSON body without a Content-Type
    goes with `application/json`, where httpyac sends none."""
    headers = command_headers(ours)
    if not any(k == "content-type" for k, _ in command_headers(theirs)):
        headers = [h for h in headers if h != ("content-type", "application/json")]
    return headers


def _key(record: dict[str, Any]) -> tuple[str, str, bytes]:
    return record["method"], record["path"], record["body"]


@pytest.mark.skipif(
    not HTTPYAC.exists(), reason="httpyac comes with the npm reference packages (scripts/setup-interop)"
)
@pytest.mark.parametrize("name", WIRE)
def test_httpyac_and_voiden_run_send_the_same(recorder: str, tmp_path: Path, name: str) -> None:
    source = tmp_path / f"{name}.http"
    text = _HOSTS.sub(recorder, (CORPUS / f"{name}.http").read_text(encoding="utf-8"))
    # CONNECT asks a proxy for a tunnel: httpyac stops its run there, so the file goes without it
    source.write_text(re.sub(r"^CONNECT .*\n\n", "", text, flags=re.MULTILINE))
    sent = subprocess.run(
        [str(HTTPYAC), "send", str(source), "--all", "--var", f"host={recorder}", "-o", "none"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    theirs = list(Recorder.seen)
    assert len(theirs) == COUNTS[name] - (name == "httpyac-httpMethods"), sent.stdout + sent.stderr
    Recorder.seen = []
    imported = voiden("import", str(source), "--out", str(tmp_path / "out"))
    assert imported.returncode in (0, 1), imported.stderr
    (document,) = (tmp_path / "out").glob("*.voiden")
    voiden("run", document.name, "--var", f"host={recorder}", cwd=tmp_path / "out")
    ours = Recorder.seen
    assert len(ours) == len(theirs) - UNSENT.get(name, 0), (ours, theirs)
    left = list(theirs)
    for mine in ours:
        match = next((t for t in left if _key(t) == _key(mine) and command_headers(t) == _headers(mine, t)), None)
        assert match is not None, (mine, [t for t in left if _key(t) == _key(mine)])
        left.remove(match)
