"""Connect and gRPC-Web against @connectrpc/connect-node 2 (Connect, gRPC-Web and gRPC on one handler,
nobody's here), and the same calls made by `buf curl` (npm @bufbuild/buf), the reference client of the three
protocols."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.helpers import kinds, of, run
from tests.interop.conftest import SERVERS, Reference
from voiden_lsp.document import parse
from voiden_lsp.events import Event
from voiden_lsp.sessions import Runner

BUF = SERVERS / "node_modules" / ".bin" / "buf"


def call(method: str, body: str = "", *, meta: str = "", headers: str = "", extra: str = "", name: str = "call") -> str:
    return (
        f"```grpc name={name}\n@protoset {{{{protoset}}}}\n{meta}{{{{base}}}} interop.v1.Catalog/{method}\n"
        f"{headers}\n{body}\n```\n{extra}"
    )


async def on(server: Reference, protoset: Path, text: str, *, h2: bool = False) -> tuple[list[Event], Runner]:
    port = server.others[0] if h2 else server.port
    return await run(text, base=f"http://127.0.0.1:{port}", protoset=str(protoset))


@pytest.mark.parametrize("encoding", ["proto", "json"])
async def test_connect_unary_with_metadata_both_ways(
    connect_node: Reference, catalog_protoset: Path, encoding: str
) -> None:
    text = call("GetItem", '{"id": "{{$uuid}}"}', meta=f"@encoding {encoding}\n", headers="x-request-id: r-9\n")
    events, runner = await on(connect_node, catalog_protoset, text)
    assert kinds(events) == ["connecting", "sent", "open", "received", "status", "trailers", "closed"], events
    assert of(events, "open")[0]["headers"]["x-request-id"] == "r-9"
    # GetItem says `idempotency_level = NO_SIDE_EFFECTS`: Connect's GET form, the message in the query
    assert of(events, "open")[0]["headers"]["x-http-method"] == "GET"
    item = of(events, "received")[0]["data"]
    assert item["id"] == of(events, "sent")[0]["data"]["id"]
    # the protobuf JSON mapping, whichever encoding travelled: int64 as a string, Timestamp, a wrapper, a Struct
    assert item["price"] == {"currency": "EUR", "units": "101"} and item["created"] == "2023-11-14T22:13:21Z"
    assert item["note"] == "note 1" and item["extra"] == {"colour": "red"} and item["kind"] == "BOOK"
    assert of(events, "status")[0] == {"code": "OK", "message": ""}
    assert of(events, "trailers")[0]["headers"] == {"x-served-by": "connect-node"}  # from `trailer-` headers
    assert runner.responses["call"].json()["name"] == "item 1"


@pytest.mark.parametrize("protocol", ["connect", "grpc-web"])
async def test_an_error_is_its_grpc_code(connect_node: Reference, catalog_protoset: Path, protocol: str) -> None:
    text = call("GetItem", '{"id": "missing"}', meta=f"@protocol {protocol}\n")
    events, _ = await on(connect_node, catalog_protoset, text)
    assert of(events, "status")[0] == {"code": "NOT_FOUND", "message": "no item with id missing"}
    assert of(events, "trailers")[0]["headers"] == {"x-served-by": "connect-node"}
    assert of(events, "closed")[0] == {"by": "server", "reason": "NOT_FOUND", "messages": 0}
    assert "error" not in kinds(events)


@pytest.mark.parametrize("protocol", ["connect", "grpc-web", "grpc"])
async def test_server_streaming_whole_and_limited(
    connect_node: Reference, catalog_protoset: Path, protocol: str
) -> None:
    """Connect and gRPC-Web on HTTP/1.1; plain gRPC (`@protocol grpc` on an http:// address) on HTTP/2."""
    h2 = protocol == "grpc"
    events, _ = await on(
        connect_node, catalog_protoset, call("ListItems", '{"count": 4}', meta=f"@protocol {protocol}\n"), h2=h2
    )
    assert [r["data"]["id"] for r in of(events, "received")] == ["i1", "i2", "i3", "i4"]
    assert of(events, "status")[0]["code"] == "OK" and of(events, "closed")[0]["messages"] == 4
    limited = call("ListItems", '{"count": 1000, "intervalMs": 5}', meta=f"@protocol {protocol}\n@max-messages 2\n")
    events, _ = await on(connect_node, catalog_protoset, limited, h2=h2)
    assert len(of(events, "received")) == 2
    assert of(events, "closed") == [{"by": "client", "reason": "@max-messages 2 reached", "messages": 2}]


async def test_a_deadline_ends_a_connect_stream(connect_node: Reference, catalog_protoset: Path) -> None:
    text = call("ListItems", '{"count": 100, "intervalMs": 50}', meta="@timeout 400ms\n")
    events, _ = await on(connect_node, catalog_protoset, text)
    assert of(events, "status")[0]["code"] == "DEADLINE_EXCEEDED"
    assert 2 <= len(of(events, "received")) <= 9 and of(events, "closed")[0]["by"] == "client"


async def test_connect_client_streaming(connect_node: Reference, catalog_protoset: Path) -> None:
    extra = '```message\n{"name": "two"}\n```\n```message\n{"name": "three"}\n```\n'
    events, _ = await on(connect_node, catalog_protoset, call("AddItems", '{"name": "one"}', extra=extra))
    (summary,) = [r["data"] for r in of(events, "received")]
    assert summary["count"] == 3 and summary["names"] == ["one", "two", "three"]
    assert of(events, "status")[0]["code"] == "OK"


async def test_connect_bidi_on_http2_answers_as_it_goes(connect_node: Reference, catalog_protoset: Path) -> None:
    """A bidirectional Connect call needs both directions at once: HTTP/2 without TLS (prior knowledge). The
    second message waits for the answer to the first."""
    extra = '```message wait=1\n{"text": "second"}\n```\n'
    events, _ = await on(connect_node, catalog_protoset, call("Chat", '{"text": "first"}', extra=extra), h2=True)
    order = [(e.kind, e.fields["data"]["text"]) for e in events if e.kind in ("sent", "received")]
    assert order == [("sent", "first"), ("received", "echo: first"), ("sent", "second"), ("received", "echo: second")]
    assert of(events, "status")[0]["code"] == "OK" and of(events, "open")[0]["call"] == "bidi"


async def test_what_a_dialect_cannot_carry_is_said_in_words(connect_node: Reference, catalog_protoset: Path) -> None:
    web = call("AddItems", '{"name": "x"}', meta="@protocol grpc-web\n", name="web")
    one = call("Chat", '{"text": "x"}', meta="@timeout 3s\n", name="bidi")
    events, _ = await on(connect_node, catalog_protoset, web + one)
    refused, http1 = (e["message"] for e in of(events, "error"))
    assert "gRPC-Web carries unary and server-streaming calls only" in refused
    assert "needs HTTP/2" in http1 and "h2c" in http1


def buf_curl(protocol: str, protoset: Path, url: str, body: str, *, h2: bool = False) -> list[object]:
    schema = protoset.with_suffix(".binpb")  # buf reads a FileDescriptorSet by this extension
    schema.write_bytes(protoset.read_bytes())
    argv = [str(BUF), "curl", "--protocol", protocol, "--schema", str(schema), "-d", body, url]
    if h2:
        argv.insert(2, "--http2-prior-knowledge")
    done = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    decoder, text, values = json.JSONDecoder(), done.stdout.strip(), []
    while text:  # buf prints one pretty JSON value per message
        value, end = decoder.raw_decode(text)
        values.append(value)
        text = text[end:].strip()
    return values


@pytest.mark.parametrize(
    ("protocol", "method", "body", "h2"),
    [
        ("connect", "GetItem", '{"id": "b-1"}', False),
        ("grpcweb", "GetItem", '{"id": "b-2"}', False),
        ("connect", "ListItems", '{"count": 3}', False),
        ("grpcweb", "ListItems", '{"count": 3}', False),
        ("grpc", "ListItems", '{"count": 3}', True),
    ],
)
async def test_the_same_answers_as_buf_curl(
    connect_node: Reference, catalog_protoset: Path, protocol: str, method: str, body: str, h2: bool
) -> None:
    if not BUF.exists():
        pytest.skip("buf is not installed: run scripts/setup-interop")
    port = connect_node.others[0] if h2 else connect_node.port
    url = f"http://127.0.0.1:{port}/interop.v1.Catalog/{method}"
    expected = buf_curl(protocol, catalog_protoset, url, body, h2=h2)
    ours = {"grpcweb": "grpc-web"}.get(protocol, protocol)
    events, _ = await on(connect_node, catalog_protoset, call(method, body, meta=f"@protocol {ours}\n"), h2=h2)
    assert [r["data"] for r in of(events, "received")] == expected
    assert len(expected) == (1 if method == "GetItem" else 3)


def test_voiden_run_and_a_document_parse_without_problems(connect_node: Reference, catalog_protoset: Path) -> None:
    """An http(s):// gRPC address with `@protocol` and `@encoding` is a clean document (no diagnostics)."""
    text = call("GetItem", "{}", meta="@protocol grpc-web\n@encoding text\n")
    assert parse(text).problems == []


async def test_a_message_too_long_for_a_url_goes_as_post(connect_node: Reference, catalog_protoset: Path) -> None:
    events, _ = await on(connect_node, catalog_protoset, call("GetItem", '{"id": "' + "x" * 9000 + '"}'))
    assert of(events, "open")[0]["headers"]["x-http-method"] == "POST"
    assert len(of(events, "received")[0]["data"]["id"]) == 9000


async def test_the_size_limit_counts_what_travels(connect_node: Reference, catalog_protoset: Path) -> None:
    """With `@encoding json` the message travels as JSON: `{"id": "abcdef"}` is 16 bytes (8 as protobuf)."""
    text = call("GetItem", '{"id": "abcdef"}', meta="@encoding json\n@max-message-size 12\n")
    events, _ = await on(connect_node, catalog_protoset, text)
    (error,) = of(events, "error")
    assert "is 16 bytes, over `@max-message-size` (12 bytes)" in error["message"] and not of(events, "sent")
