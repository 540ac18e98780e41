"""OpenAPI imported (`voiden import`): the specs of the corpus (the OpenAPI Initiative's examples, Yaak's
real-world fixtures, DigitalOcean's public API in 2,907 files of `$ref`s; tests/formats/corpus/openapi/
SOURCES.md) become documents that parse cleanly with a request per operation; hostile specs (a billion
laughs, `$ref` cycles, `$ref`s to the network or outside the folder, 10,000-deep nesting) end in words and
read nothing they should not. (It runs against a real server in tests/interop/test_openapi_httpbin.py.)"""

from __future__ import annotations

import tarfile
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.helpers import voiden
from tests.recording import Recorder
from voiden_lsp.formats import parse_document
from voiden_lsp.formats.openapi import METHODS, read_openapi
from voiden_lsp.formats.openapi_files import OpenApiError

CORPUS = Path(__file__).parent / "corpus" / "openapi"
SPECS = sorted(CORPUS.glob("*.yaml"))


def _operations(spec: dict[str, Any]) -> int:
    return sum(1 for item in spec["paths"].values() if isinstance(item, dict) for m in METHODS if m in item)


def _imported(source: Path, out: Path) -> list[Any]:
    result = voiden("import", str(source), "--out", str(out))
    assert result.returncode in (0, 1), result.stdout + result.stderr
    documents = sorted(out.glob("*.voiden"))
    parsed = [parse_document(d.read_text(encoding="utf-8"), d.name) for d in documents]
    for document, doc in zip(documents, parsed, strict=True):
        errors = [p for p in doc.problems if p.severity == "error"]
        assert not errors, (document.name, errors)
    return parsed


def test_the_corpus_is_there() -> None:
    assert len(SPECS) == 11 and (CORPUS / "digitalocean-specification.tar.gz").is_file()


@pytest.mark.parametrize("source", SPECS, ids=[s.stem for s in SPECS])
def test_every_spec_of_the_corpus_imports(source: Path, tmp_path: Path) -> None:
    parsed = _imported(source, tmp_path)
    spec = yaml.safe_load(source.read_text(encoding="utf-8"))
    requests = [r for doc in parsed for r in doc.requests]
    assert len(requests) == _operations(spec)
    config = (tmp_path / "voiden.toml").read_text(encoding="utf-8")
    assert "default_env" in config and "base_url = " in config


def test_the_petstore_requests_read_as_the_spec_says(tmp_path: Path) -> None:
    _imported(CORPUS / "yaak-petstore.yaml", tmp_path)
    pet = (tmp_path / "pet.voiden").read_text(encoding="utf-8")
    assert "```http name=getPetById\nGET {{base_url}}/pet/" in pet  # named by operationId, in the tag's document
    assert "Authorization: Bearer {{PETSTORE_AUTH_TOKEN}}" in pet  # oauth2: a token from .env
    assert '"name": "doggie"' in pet  # the schema's example
    assert "```expect\nstatus == 200\n```" in pet
    store = (tmp_path / "store.voiden").read_text(encoding="utf-8")
    assert "api_key: {{API_KEY}}" in store  # an apiKey header
    assert (tmp_path / ".env.example").read_text().split() == ["PETSTORE_AUTH_TOKEN=", "API_KEY="]
    assert not (tmp_path / ".env").exists()  # the values are the user's to give


def test_digitalocean_in_2907_files_of_refs(tmp_path: Path) -> None:
    with tarfile.open(CORPUS / "digitalocean-specification.tar.gz") as archive:
        archive.extractall(tmp_path / "src", filter="data")
    source = tmp_path / "src" / "specification" / "DigitalOcean-public.v2.yaml"
    parsed = _imported(source, tmp_path / "out")
    requests = [r for doc in parsed for r in doc.requests]
    assert len(requests) == _operations(yaml.safe_load(source.read_text(encoding="utf-8"))) == 659
    assert len(parsed) > 50  # a document per tag
    droplets = (tmp_path / "out" / "droplets.voiden").read_text(encoding="utf-8")
    assert "```http name=droplets_create\nPOST {{base_url}}/v2/droplets" in droplets
    assert "Authorization: Bearer {{BEARER_AUTH_TOKEN}}" in droplets


def _spec(tmp_path: Path, body: str, name: str = "api.yaml") -> Path:
    path = tmp_path / name
    path.write_text("openapi: 3.0.3\ninfo: {title: t, version: '1'}\n" + body, encoding="utf-8")
    return path


def test_hostile_specs_end_in_words(tmp_path: Path, recorder: str) -> None:
    laughs = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\nx-a: &a [lol, lol, lol, lol, lol, lol]\n"
    for level in "bcdefghij":  # 6 * 10^8 lols, written out
        laughs += f"x-{level}: &{level} [" + ", ".join(f"*{chr(ord(level) - 1)}" for _ in range(10)) + "]\n"
    laughs += "paths:\n  /x:\n    post:\n      requestBody:\n        content:\n          application/json:\n"
    laughs += "            example: *j\n      responses: {'200': {description: ok}}\n"
    (tmp_path / "laughs.yaml").write_text(laughs)
    result = voiden("import", str(tmp_path / "laughs.yaml"), "--out", str(tmp_path / "o0"))
    assert result.returncode == 1 and "over 10,000 values" in result.stdout, result.stdout
    many = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\nx-a: &a 1\nx-b: [" + "*a, " * 1001 + "]\n"
    (tmp_path / "many.yaml").write_text(many)
    with pytest.raises(OpenApiError, match="YAML aliases"):
        read_openapi(tmp_path / "many.yaml")

    cycle = _spec(tmp_path, "paths:\n  /a:\n    $ref: '#/paths/~1b'\n  /b:\n    $ref: '#/paths/~1a'\n", "cycle.yaml")
    result = voiden("import", str(cycle), "--out", str(tmp_path / "o1"))
    assert result.returncode == 1 and "cycle" in result.stdout, result.stdout

    node = "{$ref: '#/components/schemas/Node'}"
    selfish = f"components:\n  schemas:\n    Node:\n      type: object\n      properties:\n        next: {node}\n"
    body = f"requestBody:\n        content:\n          application/json:\n            schema: {node}\n"
    looped = _spec(
        tmp_path, selfish + f"paths:\n  /n:\n    post:\n      {body}      responses: {{'201': {{}}}}\n", "l.yaml"
    )
    result = voiden("import", str(looped), "--out", str(tmp_path / "o2"))
    assert result.returncode == 0, result.stdout + result.stderr  # a recursive schema is cut, not followed forever

    remote = _spec(tmp_path, f"paths:\n  /r:\n    $ref: '{recorder}/paths.yaml'\n", "remote.yaml")
    result = voiden("import", str(remote), "--out", str(tmp_path / "o3"))
    assert "nothing is fetched over the network" in result.stdout and Recorder.seen == []

    (tmp_path / "secret.yaml").write_text("get: {responses: {'200': {description: stolen}}}\n")
    inner = tmp_path / "spec"
    inner.mkdir()
    outside = _spec(inner, "paths:\n  /s:\n    $ref: '../secret.yaml'\n", "outside.yaml")
    result = voiden("import", str(outside), "--out", str(tmp_path / "o4"))
    assert "outside the spec's folder" in result.stdout and "stolen" not in (tmp_path / "o4" / "t.voiden").read_text()

    deep = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\nx: " + "[" * 10_000 + "]" * 10_000 + "\n"
    (tmp_path / "deep.yaml").write_text(deep)
    result = voiden("import", str(tmp_path / "deep.yaml"), "--out", str(tmp_path / "o5"))
    assert result.returncode == 2 and "nested too deep" in result.stderr, result.stderr

    swagger = tmp_path / "swagger.yaml"
    swagger.write_text("swagger: '2.0'\ninfo: {title: t, version: '1'}\npaths: {}\n")
    result = voiden("import", str(swagger), "--from", "openapi", "--out", str(tmp_path / "o6"))
    assert result.returncode == 2 and "not OpenAPI 3" in result.stderr, result.stderr
