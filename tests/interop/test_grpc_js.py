"""gRPC against @grpc/grpc-js with @grpc/reflection: the common Node stack, and a proto that imports
well-known types, which that reflection service does not serve (grpc-node #3034)."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import kinds, of, received_json, run, voiden
from tests.interop.conftest import SERVERS, Reference, node_server
from voiden_lsp.document import parse
from voiden_lsp.events import Event
from voiden_lsp.sessions import Runner
from voiden_lsp.templating import Collection
from voiden_lsp.transports import grpc_call, grpc_channel


def call(method: str, body: str = "", *, meta: str = "", headers: str = "", extra: str = "") -> str:
    return f"```grpc name=call\n{meta}grpc://{{{{addr}}}} interop.v1.Catalog/{method}\n{headers}\n{body}\n```\n{extra}"


async def test_unary_with_every_field_shape(grpc_js: Reference) -> None:
    events, runner = await run(
        call("GetItem", '{"id": "{{$uuid}}"}', headers="x-request-id: r-7\n"), addr=grpc_js.address
    )
    assert "error" not in kinds(events), of(events, "error")
    assert of(events, "status")[0] == {"code": "OK", "message": ""}
    assert of(events, "open")[0]["headers"]["x-request-id"] == "r-7"
    item = of(events, "received")[0]["data"]
    sent_id = of(events, "sent")[0]["data"]["id"]
    assert item["id"] == sent_id
    # Every shape in the protobuf JSON mapping: enum names, int64 as a string, a map, a oneof member,
    # Timestamp and Duration as strings, a wrapper as its bare value, a nested message, a Struct as JSON.
    assert item["kind"] == "BOOK" and item["tags"] == ["a", "b"] and item["stock"] == {"paris": 1, "lima": 2}
    assert item["price"] == {"currency": "EUR", "units": "101"} and "free" not in item
    assert item["created"] == "2023-11-14T22:13:21Z" and item["warranty"] == "3600s"
    assert item["note"] == "note 1" and item["size"] == {"width": 1.5, "height": 2.0}
    assert item["extra"] == {"colour": "red"}
    assert runner.responses["call"].json()["name"] == "item 1"


async def test_a_status_from_the_server_is_reported_as_sent(grpc_js: Reference) -> None:
    events, _ = await run(call("GetItem", '{"id": "missing"}'), addr=grpc_js.address)
    assert of(events, "status")[0] == {"code": "NOT_FOUND", "message": "no item with id missing"}
    assert of(events, "received") == []


async def test_server_streaming_whole_and_limited(grpc_js: Reference) -> None:
    events, _ = await run(call("ListItems", '{"count": 5}'), addr=grpc_js.address)
    assert [r["data"]["id"] for r in of(events, "received")] == ["i1", "i2", "i3", "i4", "i5"]
    assert of(events, "status")[0]["code"] == "OK"

    events, _ = await run(call("ListItems", '{"count": 5}', meta="@max-messages 2\n"), addr=grpc_js.address)
    assert len(of(events, "received")) == 2
    assert of(events, "closed")[0] == {"by": "client", "reason": "@max-messages 2 reached", "messages": 2}


async def test_server_streaming_ends_at_its_duration(grpc_js: Reference) -> None:
    events, _ = await run(
        call("ListItems", '{"count": 100000, "interval_ms": 20}', meta="@duration 300ms\n"), addr=grpc_js.address
    )
    closed = of(events, "closed")[0]
    assert closed["by"] == "client" and closed["reason"] == "@duration 300ms reached"
    assert 3 <= closed["messages"] <= 20


async def test_client_streaming_sends_the_body_and_every_message(grpc_js: Reference) -> None:
    extra = '```message\n{"name": "{{$faker.word}}"}\n```\n```message\n{"name": "last", "free": true}\n```\n'
    events, _ = await run(call("AddItems", '{"name": "first"}', extra=extra), addr=grpc_js.address)
    summary = of(events, "received")[0]["data"]
    assert summary["count"] == 3 and summary["names"][0] == "first" and summary["names"][2] == "last"
    assert summary["received"] == "2023-11-14T22:13:20Z"


async def test_bidirectional_streaming(grpc_js: Reference) -> None:
    extra = '```message\n{"text": "two"}\n```\n```message wait=1\n{"text": "three"}\n```\n'
    events, _ = await run(call("Chat", '{"text": "one"}', extra=extra), addr=grpc_js.address)
    assert [r["data"] for r in of(events, "received")] == [
        {"text": "echo: one", "n": 1},
        {"text": "echo: two", "n": 2},
        {"text": "echo: three", "n": 3},
    ]
    assert of(events, "status")[0]["code"] == "OK"


async def test_a_wrong_field_is_named_before_anything_is_sent(grpc_js: Reference) -> None:
    events, _ = await run(call("GetItem", '{"idd": "x"}'), addr=grpc_js.address)
    (error,) = of(events, "error")
    assert "idd" in error["message"] and "interop.v1.GetItemRequest" in error["message"]
    assert of(events, "sent") == []


def test_the_cli_agrees_with_grpcurl(grpc_js: Reference, tmp_path: Path) -> None:
    """grpcurl cannot use this server's reflection (it lacks the well-known types); given the `.proto` it reads
    the same message as we do by reflection, field for field."""
    grpcurl = shutil.which("grpcurl", path=str(Path(sys.executable).parent)) or shutil.which("grpcurl")
    if grpcurl is None:
        pytest.skip("grpcurl is installed with the test extra")
    target = [grpc_js.address, "interop.v1.Catalog/GetItem"]
    by_reflection = subprocess.run(
        [grpcurl, "-plaintext", "-d", '{"id": "x"}', *target],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert by_reflection.returncode != 0 and "google.protobuf" in by_reflection.stderr  # the defect we mend
    by_proto = subprocess.run(
        [grpcurl, "-plaintext", "-import-path", str(SERVERS), "-proto", "catalog.proto", "-d", '{"id": "x"}', *target],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert by_proto.returncode == 0, by_proto.stderr
    doc = tmp_path / "call.voiden"
    doc.write_text(call("GetItem", '{"id": "x"}').replace("{{addr}}", grpc_js.address), encoding="utf-8")
    ours = voiden("run", "--json", str(doc))
    assert ours.returncode == 0, ours.stderr
    # grpcurl prints proto field names; ours are the JSON names, which are the same for this proto
    assert received_json(ours.stdout) == [json.loads(by_proto.stdout)]


async def test_a_server_that_dies_mid_stream_is_an_error_in_words() -> None:
    """Killed between two messages: the call ends in an `error` event, never a traceback, and not as OK."""
    import asyncio
    import signal

    servers = node_server("grpc-server.js")
    dying = next(servers)
    try:

        async def kill_after_first() -> None:
            await asyncio.sleep(0.4)
            dying.process.send_signal(signal.SIGKILL)

        killer = asyncio.create_task(kill_after_first())
        events, _ = await run(
            call("ListItems", '{"count": 1000, "interval_ms": 50}', meta="@timeout 10s\n"), addr=dying.address
        )
        await killer
    finally:
        servers.close()
    assert 2 <= len(of(events, "received")) <= 20
    (error,) = of(events, "error")
    assert dying.address in error["message"] or "UNAVAILABLE" in error["message"], error
    assert not any(s["code"] == "OK" for s in of(events, "status"))


def ticks(count: int, meta: str = "") -> str:
    return f'```grpc name=ticks\n{meta}grpc://{{{{addr}}}} bench.v1.Ticker/Ticks\n\n{{"count": {count}}}\n```\n'


async def test_a_fast_stream_arrives_whole_in_order_in_batches(
    grpc_js: Reference, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A server stream is cut into messages as the network delivers it and reaches the reader in batches: far
    fewer loop turns than messages, every message in order, with its status."""
    turns = 0
    batches = grpc_call.Call.batches

    async def counted(self: grpc_call.Call) -> Any:
        nonlocal turns
        async for items in batches(self):
            turns += 1
            yield items

    monkeypatch.setattr(grpc_call.Call, "batches", counted)
    events, runner = await run(ticks(20_000), addr=grpc_js.address)
    received = of(events, "received")
    assert [r["data"]["n"] for r in received] == list(range(1, 20_001))
    assert received[0] == {"data": {"n": 1, "label": "tick"}, "encoding": "json", "size": 8}
    assert kinds(events)[-2:] == ["status", "closed"] and of(events, "status")[0]["code"] == "OK"
    assert 1 <= turns < 20_000 / 5, turns
    assert runner.responses["ticks"].json() == {"n": 20_000, "label": "tick"}


async def test_a_slow_reader_holds_a_bounded_backlog(grpc_js: Reference, monkeypatch: pytest.MonkeyPatch) -> None:
    """While the loop is busy (a slow sink), what the reader has not taken is not acknowledged: the server
    stops at the HTTP/2 window, the backlog never grows past it, and nothing is lost."""
    window = 65_536
    monkeypatch.setattr(grpc_channel, "WINDOW", window)
    peak = 0
    add = grpc_call._Sink.add

    def measured(self: grpc_call._Sink, data: bytes, ack_size: int) -> None:
        nonlocal peak
        add(self, data, ack_size)
        peak = max(peak, self.unacked)

    monkeypatch.setattr(grpc_call._Sink, "add", measured)
    seen = 0

    def slow(event: Event) -> None:
        nonlocal seen
        seen += event.kind == "received"
        if seen in (1, 5_000):
            time.sleep(0.5)  # the loop stalls; the server keeps sending

    doc = parse(ticks(30_000).replace("{{addr}}", grpc_js.address))
    await Runner(doc, None, Collection(), sinks=[slow]).run(doc.requests[0])
    assert seen == 30_000
    assert window // 2 < peak <= window, peak  # it filled the window while the loop slept, and no more


async def test_limits_and_cancel_end_the_call(grpc_js: Reference) -> None:
    def readers() -> list[asyncio.Task[Any]]:
        return [t for t in asyncio.all_tasks() if t.get_name().startswith("grpc reader") and not t.done()]

    events, _ = await run(ticks(1_000_000, "@max-messages 3\n"), addr=grpc_js.address)
    assert [r["data"]["n"] for r in of(events, "received")] == [1, 2, 3]
    assert of(events, "closed")[0]["reason"] == "@max-messages 3 reached" and "error" not in kinds(events)
    events, _ = await run(ticks(100_000_000, "@duration 300ms\n"), addr=grpc_js.address)
    assert of(events, "closed")[0] == {
        "by": "client",
        "reason": "@duration 300ms reached",
        "messages": len(of(events, "received")),
    }
    doc = parse(ticks(100_000_000).replace("{{addr}}", grpc_js.address))
    session = Runner(doc, None, Collection()).session(doc.requests[0])
    task = session.start()
    assert await session.until(lambda: session.received > 100)
    session.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert readers() == [], "every reader ends with its call"
