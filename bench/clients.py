"""The bare references of bench/stream.py, each run as a whole process like every other client there.

    python bench/clients.py grpcio ADDRESS COUNT [--json]   a sync grpcio stub reads bench.v1.Ticker/Ticks
    python bench/clients.py grpclib ADDRESS COUNT           grpclib (asyncio on h2) reads the same stream
    python bench/clients.py websockets URL COUNT            a `websockets` client reads a feed to its close

`--json` also writes each message as one JSON line (protobuf's own `json_format`), the least a client that
shows what it reads must do. Both exit 1 unless exactly COUNT messages came.
"""

from __future__ import annotations

import asyncio
import sys

TICKER = "bench.v1.Ticker/Ticks"


def ticker_classes() -> tuple[type, type]:
    """TicksRequest and Tick, built from their descriptors (tests/interop/servers/ticker.proto), no protoc."""
    from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

    field = descriptor_pb2.FieldDescriptorProto
    proto = descriptor_pb2.FileDescriptorProto(name="ticker.proto", package="bench.v1", syntax="proto3")
    proto.message_type.add(name="TicksRequest").field.add(
        name="count", number=1, type=field.TYPE_INT32, label=field.LABEL_OPTIONAL
    )
    tick = proto.message_type.add(name="Tick")
    tick.field.add(name="n", number=1, type=field.TYPE_INT32, label=field.LABEL_OPTIONAL)
    tick.field.add(name="label", number=2, type=field.TYPE_STRING, label=field.LABEL_OPTIONAL)
    pool = descriptor_pool.DescriptorPool()
    pool.Add(proto)
    return (
        message_factory.GetMessageClass(pool.FindMessageTypeByName("bench.v1.TicksRequest")),
        message_factory.GetMessageClass(pool.FindMessageTypeByName("bench.v1.Tick")),
    )


def grpcio(address: str, count: int, as_json: bool) -> int:
    import grpc
    from google.protobuf import json_format

    request, tick = ticker_classes()
    received = 0
    out = sys.stdout
    with grpc.insecure_channel(address) as channel:
        call = channel.unary_stream(
            "/" + TICKER, request_serializer=lambda m: m.SerializeToString(), response_deserializer=tick.FromString
        )(request(count=count))
        for message in call:
            received += 1
            if as_json:
                out.write(json_format.MessageToJson(message, indent=None) + "\n")
    return received


async def grpclib_stream(address: str, count: int) -> int:
    from grpclib.client import Channel
    from grpclib.const import Cardinality

    request, tick = ticker_classes()
    host, _, port = address.rpartition(":")
    received = 0
    channel = Channel(host, int(port))
    try:
        async with channel.request("/" + TICKER, Cardinality.UNARY_STREAM, request, tick) as stream:
            await stream.send_message(request(count=count), end=True)
            async for _ in stream:
                received += 1
    finally:
        channel.close()
    return received


async def websockets_feed(url: str) -> int:
    from websockets.asyncio.client import connect

    received = 0
    async with connect(url, max_size=None) as ws:
        async for _ in ws:
            received += 1
    return received


def main(argv: list[str]) -> int:
    kind, target, count = argv[0], argv[1], int(argv[2])
    if kind == "grpcio":
        received = grpcio(target, count, "--json" in argv)
    elif kind == "grpclib":
        received = asyncio.run(grpclib_stream(target, count))
    else:
        received = asyncio.run(websockets_feed(target))
    if received != count:
        print(f"{kind}: {received} messages, not {count}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
