"""Bruno collections imported (`voiden import FOLDER`): Bruno's own test collection (tests/formats/corpus/
bruno/SOURCES.md: 223 requests in 40 folders) becomes a document per folder that parses cleanly with a
request for each `.bru` request file, `assert` rows as `expect` lines, environments in `voiden.toml` with
their `vars:secret` names in `.env.example`; a broken `.bru` says where."""

from __future__ import annotations

import tarfile
from pathlib import Path

import pytest

from tests.helpers import voiden
from voiden_lsp.formats import parse_document
from voiden_lsp.formats.bru import BrunoError, parse_bru
from voiden_lsp.formats.bruno import _assertion, read_bruno

ARCHIVE = Path(__file__).parent / "corpus" / "bruno" / "bruno-tests-collection.tar.gz"


@pytest.fixture
def collection(tmp_path: Path) -> Path:
    with tarfile.open(ARCHIVE) as archive:
        archive.extractall(tmp_path / "src", filter="data")
    return tmp_path / "src" / "collection"


def test_brunos_own_test_collection_imports(collection: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = voiden("import", str(collection), "--out", str(out))
    assert result.returncode == 1, result.stdout + result.stderr  # its scripts and tests are notes
    requests = [
        p
        for p in collection.rglob("*.bru")
        if p.name not in ("collection.bru", "folder.bru") and p.parent.name != "environments"
    ]
    documents = sorted(out.rglob("*.voiden"))
    parsed = [parse_document(d.read_text(encoding="utf-8"), d.name) for d in documents]
    for document, doc in zip(documents, parsed, strict=True):
        assert [p for p in doc.problems if p.severity == "error"] == [], document
    assert sum(len(doc.requests) for doc in parsed) == len(requests) == 223
    config = (out / "voiden.toml").read_text()
    assert "[env.local]" in config and "[env.prod]" in config
    assert "github_client_secret=" in (out / ".env.example").read_text().split()
    echo = (out / "echo.voiden").read_text()
    assert "```http name=echo-numbers\nPOST {{echo-host}}\n" in echo
    assert "body.integer == 123\nbody.integer type-is number" in echo
    assert "collection-header: collection-header-value" in echo  # the collection's headers on every request
    graphql = (out / "graphql.voiden").read_text()
    assert "```graphql name=spacex\nPOST {{localhost}}/api/graphql" in graphql
    assert 'body.data.company.ceo == "Elon Musk"' in graphql


def test_opencollection_yaml_folders_import_and_are_checked_against_the_schema(tmp_path: Path) -> None:
    with tarfile.open(ARCHIVE.with_name("opencollection.tar.gz")) as archive:
        archive.extractall(tmp_path / "src", filter="data")
    result = voiden("import", str(tmp_path / "src" / "yml-collection"), "--out", str(tmp_path / "a"))
    assert result.returncode == 1, result.stdout + result.stderr  # its tests and runtime variables are notes
    text = (tmp_path / "a" / "variable-datatypes.voiden").read_text()
    assert text.count("```http name=") == 3 and "POST {{echo-host}}\nx-h-str: {{req_str}}" in text
    assert "[env.local]" in (tmp_path / "a" / "voiden.toml").read_text()
    result = voiden("import", str(tmp_path / "src" / "cli-collection"), "--out", str(tmp_path / "b"))
    assert "users/create-user.yml does not follow the OpenCollection schema: at http/body:" in result.stdout
    users = (tmp_path / "b" / "users.voiden").read_text()
    assert "POST https://api.example.com/users\nX-Collection-Header: collection-header-value" in users
    assert (tmp_path / "b" / ".env").read_text().strip() == "apiKey=dev-api-key-123"  # named like a secret
    for document in (tmp_path / "a").glob("*.voiden"):
        assert [p for p in parse_document(document.read_text(), document.name).problems if p.severity == "error"] == []


def test_assert_rows_become_expectations() -> None:
    assert _assertion("res.status", "eq 200") == "status == 200"
    assert _assertion("res.status", "200") == "status == 200"  # no operator: eq
    assert _assertion("res.body.id", "isDefined") == "body.id exists"
    assert _assertion("res.body.name", "eq 'foo'") == 'body.name == "foo"'
    assert _assertion("res.body.msg", "contains Hello world") == 'body.msg contains "Hello world"'
    assert _assertion("res.headers.content-type", "contains json") == "header content-type contains json"
    assert _assertion("res.responseTime", "lt 500") == "time < 500ms"
    assert _assertion("res.body.tags", "isArray") == "body.tags type-is array"
    assert _assertion("res.body.ok", "isTruthy") is None  # no single expectation: a note
    assert _assertion("req.url", "eq x") is None


def test_a_bru_file_read_and_a_broken_one(tmp_path: Path) -> None:
    bru = parse_bru(
        "meta {\n  name: Login\n  seq: 2\n}\n\npost {\n  url: {{host}}/login\n  body: json\n  auth: bearer\n}\n\n"
        "headers {\n  ~X-Off: 1\n  X-On: 2\n}\n\nauth:bearer {\n  token: s3cret-token\n}\n\n"
        'body:json {\n  {\n    "user": "ada"\n  }\n}\n\nvars:secret [\n  a,\n  b\n]\n',
        "login.bru",
    )
    assert bru.value("meta", "name") == "Login" and bru.value("headers", "X-Off") is None
    assert bru.texts["body:json"] == '{\n  "user": "ada"\n}' and bru.lists["vars:secret"] == ["a", "b"]
    (tmp_path / "login.bru").write_text(
        "meta {\n  name: Login\n}\n\npost {\n  url: {{host}}/login\n  auth: bearer\n}\n\n"
        "auth:bearer {\n  token: s3cret-token\n}\n"
    )
    imported = read_bruno(tmp_path / "login.bru")
    (document,) = imported.documents
    assert "Authorization: Bearer {{LOGIN_TOKEN}}" in document.text and "s3cret" not in document.text
    assert imported.secrets == {"LOGIN_TOKEN": "s3cret-token"}
    with pytest.raises(BrunoError, match=r"broken.bru, line 1: the block `meta` never closes"):
        parse_bru("meta {\n  name: x\n", "broken.bru")
