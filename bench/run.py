"""Benchmarks: each figure is printed beside a reference measured in the same run.

    .venv/bin/python bench/run.py

- parse: re-parsing a 10,000-line document, against markdown-it-py's block tokenising of the same text.
- http: sequential GETs through voiden's Runner (resolve, send, events), against bare httpx doing the same.
- sse: a stream of small events through the SSE transport, against bare httpx reading the same lines.
- grpc, ws: 100,000 small messages from the project's own Python demo servers, which are slower than every
  client here: these rows measure the demo servers, and stay only as such. bench/stream.py measures the
  clients, against servers faster than any of them.

Servers of the streaming benchmarks run in a process of their own, so no client shares an interpreter with them.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import grpc
import httpx
from google.protobuf import message_factory
from markdown_it import MarkdownIt

from voiden_lsp.demo.grpc_server import demo_pool
from voiden_lsp.demo.http_server import DemoHttpServer
from voiden_lsp.document import parse
from voiden_lsp.sessions import Runner
from voiden_lsp.templating import Collection

BLOCK = """## Request {i}

Some prose about request {i}, with a [link](https://example.com) and `code`.

```http name=r{i}
@timeout 5s
POST {{{{base_url}}}}/users/{i}
  ?page={{{{$randomInt 1 9}}}}
Authorization: Bearer {{{{token}}}}
Content-Type: application/json

{{"id": {{{{$faker.pyint}}}}, "name": "{{{{$faker.name}}}}", "tags": ["a", "b"]}}
```

"""


def best_of(runs: int, work: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def bench_parse() -> None:
    text = "".join(BLOCK.format(i=i) for i in range(10_000 // BLOCK.count("\n") + 1))
    lines = text.count("\n")
    md = MarkdownIt("commonmark").disable("inline")  # the same block-level tokenising the parser does
    ours = best_of(5, lambda: parse(text))
    floor = best_of(5, lambda: md.parse(text))
    print(
        f"parse    {lines} lines: {ours * 1000:7.1f} ms   markdown-it alone {floor * 1000:7.1f} ms   "
        f"ratio {ours / floor:4.2f}x"
    )


async def bench_http(server: DemoHttpServer, count: int = 200) -> None:
    doc = parse("```http name=h\nGET {{base}}/health\n```\n")
    runner = Runner(doc, None, Collection(), overrides={"base": server.url}, sinks=[lambda e: None])

    async def ours() -> None:
        for _ in range(count):
            await runner.run(doc.requests[0])

    async def bare() -> None:
        async with httpx.AsyncClient() as client:  # one pooled client: the fastest a hand-written loop gets
            for _ in range(count):
                response = await client.get(f"{server.url}/health", headers={"Connection": "close"})
                response.json()

    ours_s = await timed(ours)
    bare_s = await timed(bare)
    print(
        f"http     {count} GETs: voiden {count / ours_s:7.0f} req/s   "
        f"bare httpx {count / bare_s:7.0f} req/s   ratio {bare_s / ours_s:4.2f}x of bare speed"
    )


async def bench_sse(server: DemoHttpServer, count: int = 20_000) -> None:
    url = f"{server.url}/events?count={count}&interval=0"
    doc = parse(f"```sse name=s\n{url}\n```\n")
    received = 0

    def sink(event: object) -> None:
        nonlocal received
        received += 1

    runner = Runner(doc, None, Collection(), sinks=[sink])

    async def ours() -> None:
        await runner.run(doc.requests[0])

    async def bare() -> None:
        async with httpx.AsyncClient() as client, client.stream("GET", url) as response:
            data = 0
            async for line in response.aiter_lines():
                data += line.startswith("data:")

    ours_s = await timed(ours)
    bare_s = await timed(bare)
    print(
        f"sse      {count} events: voiden {count / ours_s:7.0f} ev/s   "
        f"bare httpx {count / bare_s:7.0f} ev/s   ratio {bare_s / ours_s:4.2f}x of bare speed"
    )


async def timed(work: Callable[[], object]) -> float:
    times = []
    for _ in range(3):
        start = time.perf_counter()
        await work()  # type: ignore[misc]
        times.append(time.perf_counter() - start)
    return statistics.median(times)


async def bare_grpc_stream(address: str, count: int) -> int:
    pool = demo_pool()
    tick = message_factory.GetMessageClass(pool.FindMessageTypeByName("routeguide.Tick"))
    request = message_factory.GetMessageClass(pool.FindMessageTypeByName("routeguide.TickerRequest"))(count=count)
    received = 0
    async with grpc.aio.insecure_channel(address) as channel:
        call = channel.unary_stream(
            "/routeguide.RouteGuide/Ticker",
            request_serializer=lambda m: m.SerializeToString(),
            response_deserializer=tick.FromString,
        )(request)
        async for _ in call:
            received += 1
    return received


def timed_process(args: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def bench_grpc_stream(count: int = 100_000) -> None:
    with demo_process("grpc") as address:
        _grpc_rows(address, count)


def _grpc_rows(address: str, count: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        doc = Path(folder) / "ticker.voiden"
        body = f'{{"count": {count}}}'
        doc.write_text(f"```grpc\ngrpc://{address} routeguide.RouteGuide/Ticker\n\n{body}\n```\n", encoding="utf-8")
        start = time.perf_counter()
        assert asyncio.run(bare_grpc_stream(address, count)) == count
        bare = time.perf_counter() - start
        rows = [("bare grpcio", bare)]
        rows.append(
            (
                "voiden run --json",
                timed_process([sys.executable, "-m", "voiden_lsp.cli", "run", str(doc), "--json"]),
            )
        )
        grpcurl = shutil.which("grpcurl", path=str(Path(sys.executable).parent)) or shutil.which("grpcurl")
        if grpcurl:
            rows.append(
                (
                    "grpcurl",
                    timed_process([grpcurl, "-plaintext", "-d", body, address, "routeguide.RouteGuide/Ticker"]),
                )
            )
        for label, seconds in rows:
            print(
                f"grpc     {count} messages from the (Python) demo server, {label:18} {count / seconds:8.0f} msg/s   "
                f"ratio {bare / seconds:4.2f}x of bare grpcio"
            )


async def bare_ws_feed(url: str, count: int) -> int:
    from websockets.asyncio.client import connect

    received = 0
    async with connect(url, max_size=None) as ws:
        async for _ in ws:
            received += 1
    return received


def bench_ws_feed(count: int = 100_000) -> None:
    with demo_process("ws") as base, tempfile.TemporaryDirectory() as folder:
        url = f"{base}/ticker?rate=0&count={count}"
        doc = Path(folder) / "feed.voiden"
        doc.write_text(f"```ws\n{url}\n```\n", encoding="utf-8")
        start = time.perf_counter()
        assert asyncio.run(bare_ws_feed(url, count)) == count
        bare = time.perf_counter() - start
        ours = timed_process([sys.executable, "-m", "voiden_lsp.cli", "run", str(doc), "--json"])
        for label, seconds in (("bare websockets", bare), ("voiden run --json", ours)):
            print(
                f"ws       {count} messages from the (Python) demo server, {label:18} {count / seconds:8.0f} msg/s   "
                f"ratio {bare / seconds:4.2f}x of bare websockets"
            )


@contextlib.contextmanager
def demo_process(kind: str) -> Iterator[str]:
    """A demo server in a process of its own; yields its address."""
    server = subprocess.Popen([sys.executable, "-m", "voiden_lsp.demo", kind], stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        yield server.stdout.readline().strip()
    finally:
        server.terminate()
        server.wait(timeout=10)


def main() -> None:
    bench_parse()
    with DemoHttpServer() as server:
        asyncio.run(bench_http(server))
        asyncio.run(bench_sse(server))
    bench_grpc_stream()
    bench_ws_feed()


if __name__ == "__main__":
    main()
