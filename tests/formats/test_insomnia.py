"""Insomnia exports imported (`voiden import`): the v4 exports Insomnia's own smoke tests use (tests/formats/
corpus/insomnia/SOURCES.md) become documents that parse cleanly with a request for each of theirs (HTTP,
GraphQL, gRPC, WebSocket), environments in `voiden.toml`; and a v5 collection in Insomnia's schema."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.helpers import voiden
from voiden_lsp.formats import parse_document

CORPUS = Path(__file__).parent / "corpus" / "insomnia"
FILES = sorted([*CORPUS.glob("*.yaml"), *CORPUS.glob("*.json")])
KINDS = ("request", "grpc_request", "websocket_request", "socketio_request")


@pytest.mark.parametrize("source", FILES, ids=[f.stem for f in FILES])
def test_every_export_of_the_corpus_imports(source: Path, tmp_path: Path) -> None:
    result = voiden("import", str(source), "--out", str(tmp_path))
    assert result.returncode in (0, 1), result.stdout + result.stderr
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    workspaces = {r["_id"] for r in data["resources"] if r["_type"] == "workspace"}
    parents = {r["_id"]: r.get("parentId") for r in data["resources"]}

    def in_a_workspace(resource_id: str) -> bool:
        seen = 0
        while resource_id not in workspaces and resource_id in parents and seen < 100:
            resource_id, seen = parents[resource_id], seen + 1
        return resource_id in workspaces

    expected = [r for r in data["resources"] if r["_type"] in KINDS and in_a_workspace(r["_id"])]
    documents = sorted(tmp_path.rglob("*.voiden"))
    parsed = [parse_document(d.read_text(encoding="utf-8"), d.name) for d in documents]
    for document, doc in zip(documents, parsed, strict=True):
        assert [p for p in doc.problems if p.severity == "error"] == [], document
    assert sum(len(doc.requests) for doc in parsed) == len(expected)


def test_the_simple_export_reads_as_insomnia_shows_it(tmp_path: Path) -> None:
    voiden("import", str(CORPUS / "insomnia-simple.yaml"), "--out", str(tmp_path))
    text = (tmp_path / "simple.voiden").read_text()
    assert "```ws name=example-websocket\nws://localhost:4010\n```\n\n```message\ntest\n```" in text
    assert "```grpc name=example-grpc\ngrpc://localhost:50051 hello.HelloService/SayHello" in text
    assert "```graphql name=example-graphql\nPOST http://localhost:4010/graphql" in text
    config = (tmp_path / "voiden.toml").read_text()
    assert '[env.staging]\nfoo = "bar"\ncurrent-env = "staging"' in config  # a sub-environment over the base


def test_a_v5_collection(tmp_path: Path) -> None:
    (tmp_path / "shop.yaml").write_text(
        """type: collection.insomnia.rest/5.0
name: Shop
meta: {id: wrk_1, description: The shop's API}
collection:
  - name: Orders
    meta: {id: fld_1}
    children:
      - url: "{{ _.base }}/orders"
        name: List orders
        method: GET
        meta: {id: req_1}
        parameters: [{name: page, value: "2"}, {name: off, value: x, disabled: true}]
        headers: [{name: Accept, value: application/json}]
        authentication: {type: bearer, token: tok-123456}
      - url: "{{ _.base }}/orders"
        name: Create order
        method: POST
        meta: {id: req_2}
        body: {mimeType: application/json, text: '{"item": "{% faker randomProductName %}"}'}
  - url: localhost:50051
    name: Get feature
    meta: {id: greq_1}
    protoMethodName: /routeguide.RouteGuide/GetFeature
    body: {text: '{"latitude": 1}'}
environments:
  name: Base
  meta: {id: env_1}
  data: {base: "http://127.0.0.1:9"}
  subEnvironments:
    - name: Prod
      meta: {id: env_2}
      data: {base: "https://shop.example"}
"""
    )
    result = voiden("import", "shop.yaml", "--out", "out", cwd=tmp_path)
    assert result.returncode == 1 and "template tag" in result.stdout, result.stdout
    orders = (tmp_path / "out" / "orders.voiden").read_text()
    assert "GET {{base}}/orders?page=2\nAccept: application/json\nAuthorization: Bearer {{LIST_ORDERS_TOKEN}}" in orders
    assert (tmp_path / "out" / ".env").read_text().strip() == "LIST_ORDERS_TOKEN=tok-123456"
    shop = (tmp_path / "out" / "shop.voiden").read_text()
    assert "The shop's API" in shop and "grpc://localhost:50051 routeguide.RouteGuide/GetFeature" in shop
    config = (tmp_path / "out" / "voiden.toml").read_text()
    assert '[env.prod]\nbase = "https://shop.example"' in config
