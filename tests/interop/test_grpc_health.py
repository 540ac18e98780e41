"""gRPC against grpcio's own health service (PyPI grpcio-health-checking) with grpcio's reflection."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent import futures

import grpc
import pytest
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from tests.helpers import of, run
from voiden_lsp.transports import grpc_wire

SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING


def _start_health_server(
    compression: grpc.Compression = grpc.Compression.NoCompression,
) -> tuple[grpc.Server, str, health.HealthServicer]:
    """grpcio's health service with grpcio's reflection, on a free port; the overall status SERVING."""
    servicer = health.HealthServicer()
    servicer.set("", SERVING)
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4), compression=compression)
    health_pb2_grpc.add_HealthServicer_to_server(servicer, server)
    reflection.enable_server_reflection(
        [health_pb2.DESCRIPTOR.services_by_name["Health"].full_name, reflection.SERVICE_NAME], server
    )
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    return server, f"127.0.0.1:{port}", servicer


@pytest.fixture
def health_server() -> Iterator[tuple[str, health.HealthServicer]]:
    server, address, servicer = _start_health_server()
    servicer.set("shop", NOT_SERVING)
    yield address, servicer
    servicer.enter_graceful_shutdown()
    server.stop(None)


def call(method: str, body: str, meta: str = "") -> str:
    return f"```grpc\n{meta}grpc://{{{{addr}}}} grpc.health.v1.Health/{method}\n\n{body}\n```\n"


async def test_check(health_server: tuple[str, health.HealthServicer]) -> None:
    address, _ = health_server
    events, _ = await run(call("Check", '{"service": ""}') + call("Check", '{"service": "shop"}'), addr=address)
    assert [r["data"] for r in of(events, "received")] == [{"status": "SERVING"}, {"status": "NOT_SERVING"}]
    events, _ = await run(call("Check", '{"service": "nope"}'), addr=address)
    assert of(events, "status")[0]["code"] == "NOT_FOUND"


async def test_watch_ends_at_max_messages(health_server: tuple[str, health.HealthServicer]) -> None:
    """Watch streams until the client cancels: `@max-messages` is what ends it."""
    address, servicer = health_server
    stop = threading.Event()

    def flip() -> None:
        status = SERVING
        while not stop.wait(0.05):
            status = NOT_SERVING if status == SERVING else SERVING
            servicer.set("shop", status)

    flipper = threading.Thread(target=flip, daemon=True)
    flipper.start()
    try:
        events, _ = await run(call("Watch", '{"service": "shop"}', "@max-messages 3\n@timeout 20s\n"), addr=address)
    finally:
        stop.set()
        flipper.join()
    statuses = [r["data"]["status"] for r in of(events, "received")]
    assert len(statuses) == 3 and set(statuses) <= {"SERVING", "NOT_SERVING"}
    assert of(events, "closed")[0] == {"by": "client", "reason": "@max-messages 3 reached", "messages": 3}
    assert of(events, "error") == []


async def test_watch_ends_at_its_duration(health_server: tuple[str, health.HealthServicer]) -> None:
    address, _ = health_server
    events, _ = await run(call("Watch", '{"service": ""}', "@duration 300ms\n"), addr=address)
    assert [r["data"] for r in of(events, "received")] == [{"status": "SERVING"}]
    assert of(events, "closed")[0]["reason"] == "@duration 300ms reached"


async def test_another_server_at_a_remembered_address_is_asked_again() -> None:
    """The schema read from grpcio's health server is remembered by address; when that server is gone and the
    demo's listens on the same port, a method the remembered schema lacks reads the reflection again instead
    of failing with "unknown service" (what failed a test whose free port had served another test's server)."""
    from voiden_lsp.demo.grpc_server import DemoGrpcServer

    server, address, _ = _start_health_server()
    try:
        events, _ = await run(call("Check", '{"service": ""}'), addr=address)
        assert [r["data"] for r in of(events, "received")] == [{"status": "SERVING"}]
    finally:
        server.stop(None).wait()
    with DemoGrpcServer(port=int(address.rsplit(":", 1)[1])) as demo:
        assert demo.address == address
        text = '```grpc\n{{addr}} routeguide.RouteGuide/GetFeature\n\n{"latitude": 3, "longitude": 4}\n```\n'
        events, _ = await run(text, addr=address)
        assert of(events, "status")[0]["code"] == "OK", events
        assert of(events, "received")[0]["data"]["location"] == {"latitude": 3, "longitude": 4}


@pytest.mark.parametrize("compression", [grpc.Compression.Gzip, grpc.Compression.Deflate])
async def test_compressed_answers_are_decoded(compression: grpc.Compression, monkeypatch: pytest.MonkeyPatch) -> None:
    """grpcio compresses every answer when the client accepts it (we say we accept gzip and deflate, as grpcio's
    client does): reflection and the call arrive decoded."""
    inflated = 0
    decompress = grpc_wire.Deframer._decompress

    def counted(self: grpc_wire.Deframer, payload: bytes) -> bytes:
        nonlocal inflated
        inflated += 1
        return decompress(self, payload)

    monkeypatch.setattr(grpc_wire.Deframer, "_decompress", counted)
    server, address, _ = _start_health_server(compression)
    try:
        events, _ = await run(call("Check", '{"service": ""}'), addr=address)
    finally:
        server.stop(None)
    assert [r["data"] for r in of(events, "received")] == [{"status": "SERVING"}]
    assert of(events, "status")[0]["code"] == "OK"
    assert inflated >= 1, inflated  # answers came compressed (grpcio leaves some small ones as they are)
