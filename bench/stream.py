"""Streaming throughput against servers faster than any client (../shared/DESIGN.md, "Benchmarks measure
the client, never the server").

    .venv/bin/python bench/stream.py [COUNT]       (scripts/bench runs it with the rest)

The servers are nobody's here: `@grpc/grpc-js` (bench.v1.Ticker/Ticks, small messages written as fast as
the stream drains) and npm `ws` (/feed?close=1), from tests/interop/servers (scripts/setup-interop). Every
reader is a whole process, start-up included, run three times; the table shows the median wall time and
the median CPU time (user + system of the reader's process, from wait4; for the language server, its
process's CPU from the command to the `closed` event). Ratios are to the bare Python library in the same
run, in wall time and in CPU time: wall time swings with this shared machine's scheduling, CPU time much
less. grpcurl and websocat (Go, Rust) show that the server is not the ceiling.
"""

from __future__ import annotations

import asyncio
import json
import os
import selectors
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from lsp import RawClient

ROOT = Path(__file__).resolve().parents[1]
SERVERS = ROOT / "tests" / "interop" / "servers"
PEERS = ROOT / "bench" / "peers"
BIN = Path(sys.executable).parent
RUNS = 3
CLK_TCK = os.sysconf("SC_CLK_TCK")


@dataclass
class Reading:
    wall: float
    cpu: float


@dataclass
class Row:
    label: str
    readings: list[Reading]

    @property
    def wall(self) -> float:
        return statistics.median(r.wall for r in self.readings)

    @property
    def cpu(self) -> float:
        return statistics.median(r.cpu for r in self.readings)


@contextmanager
def reference_server(script: str) -> Iterator[int]:
    """A server of tests/interop/servers in its own process; yields its port, stops it on the way out."""
    if not (SERVERS / "node_modules").is_dir():
        subprocess.run([str(ROOT / "scripts" / "setup-interop")], check=True)
    process = subprocess.Popen(
        ["node", script], cwd=SERVERS, stdin=subprocess.PIPE, stdout=subprocess.PIPE, start_new_session=True
    )
    assert process.stdout is not None and process.stdin is not None
    selector = selectors.DefaultSelector()
    selector.register(process.stdout, selectors.EVENT_READ)
    if not selector.select(timeout=30):
        process.kill()
        sys.exit(f"{script} did not start")
    try:
        yield int(json.loads(process.stdout.readline())["port"])
    finally:
        process.stdin.close()
        process.wait(10)


def timed_process(args: list[str], check: Callable[[Path], str | None], *, cwd: Path | None = None) -> Reading:
    """Run a reader to its end with its output in a file; `check` reads the file and says what is wrong."""
    with tempfile.NamedTemporaryFile("w+b", suffix=".out") as out:
        start = time.perf_counter()
        process = subprocess.Popen(args, stdout=out, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, cwd=cwd)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        stderr = process.stderr.read().decode(errors="replace") if process.stderr else ""
        problem = check(Path(out.name)) if process.returncode == 0 else f"exit {process.returncode}: {stderr[-500:]}"
        if problem:
            sys.exit(f"{' '.join(args[:3])}: {problem}")
        return Reading(wall, usage.ru_utime + usage.ru_stime)


def lines_with(text: str, count: int) -> Callable[[Path], str | None]:
    def check(path: Path) -> str | None:
        found = sum(1 for line in path.open("rb") if text.encode() in line)
        return None if found == count else f"{found} lines with {text!r}, not {count}"

    return check


def anything(path: Path) -> str | None:
    return None


def _process_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


async def lsp_stream(doc: Path, name: str, count: int) -> Reading:
    """`voiden.run` in the language server, read as `voiden/events` by a bare JSON-RPC client; the server's
    CPU from the command to the `closed` event."""
    client = await RawClient.start()
    uri = doc.as_uri()
    client.send(
        {
            "method": "textDocument/didOpen",
            "params": {"textDocument": {"uri": uri, "languageId": "voiden", "version": 1, "text": doc.read_text()}},
        }
    )
    await asyncio.sleep(0.5)  # the first diagnostics
    pid = client.proc.pid
    cpu = _process_cpu(pid)
    start = time.perf_counter()
    received = await client.run_to_close(uri, name)
    reading = Reading(time.perf_counter() - start, _process_cpu(pid) - cpu)
    await client.stop()
    if received != count:
        sys.exit(f"the language server delivered {received} messages, not {count}")
    return reading


def table(title: str, rows: list[Row], count: int, reference: str, peer: str | None = None) -> None:
    """Ratios to `reference` (x), and to `peer` (p) when it ran: a rate as a multiple of theirs."""
    base = next(row for row in rows if row.label == reference)
    against = next((row for row in rows if peer and row.label.startswith(peer)), None)
    print(f"\n{title}: {count:,} messages, median of {RUNS} runs, every reader a whole process")
    extra = f"{'p wall':>8}{'p CPU':>7}" if against else ""
    print(f"  {'reader':<46}{'msg/s':>9}{'wall s':>8}{'CPU s':>7}{'x wall':>8}{'x CPU':>7}{extra}")
    for row in rows:
        ratios = f"{against.wall / row.wall:>8.2f}{against.cpu / row.cpu:>7.2f}" if against else ""
        print(
            f"  {row.label:<46}{count / row.wall:>9,.0f}{row.wall:>8.2f}{row.cpu:>7.2f}"
            f"{base.wall / row.wall:>8.2f}{base.cpu / row.cpu:>7.2f}{ratios}"
        )
    print(f"  (x: the rate as a multiple of {reference}'s, by wall time and by CPU time)")
    if against:
        print(f"  (p: the same against {against.label})")


def runs(work: Callable[[], Reading]) -> list[Reading]:
    return [work() for _ in range(RUNS)]


def voiden_rows(doc: Path, name: str, count: int) -> list[Row]:
    """`voiden run --json`, `voiden run` (pretty) and the language server, each reading the whole stream."""
    voiden = [sys.executable, "-m", "voiden_lsp.cli", "run", str(doc)]
    return [
        Row("voiden run --json", runs(lambda: timed_process([*voiden, "--json"], lines_with('"received"', count)))),
        Row("voiden run (pretty)", runs(lambda: timed_process(voiden, lines_with('"n"', count)))),
        Row("language server: voiden/events to a raw client", runs(lambda: asyncio.run(lsp_stream(doc, name, count)))),
    ]


def bench_grpc(count: int, folder: Path) -> None:
    with reference_server("grpc-server.js") as port:
        address = f"127.0.0.1:{port}"
        body = json.dumps({"count": count})
        doc = folder / "ticks.voiden"
        doc.write_text(f"```grpc name=ticks\ngrpc://{address} bench.v1.Ticker/Ticks\n\n{body}\n```\n")
        clients = [sys.executable, str(ROOT / "bench" / "clients.py"), "grpcio", address, str(count)]
        rows = [
            Row("bare grpcio, sync stub", runs(lambda: timed_process(clients, anything))),
            Row(
                "bare grpclib (asyncio on h2)",
                runs(lambda: timed_process([*clients[:2], "grpclib", *clients[3:]], anything)),
            ),
            Row(
                "bare grpcio + a JSON line each (json_format)",
                runs(lambda: timed_process([*clients, "--json"], lines_with('"n"', count))),
            ),
            *voiden_rows(doc, "ticks", count),
        ]
        httpyac = PEERS / "node_modules" / ".bin" / "httpyac"
        if httpyac.exists():
            http = folder / "ticks.http"
            http.write_text(f"GRPC {address}/bench.v1.Ticker/Ticks\n\n{body}\n")
            # `-o none`: with `-o body` httpyac 6.16.7 prints every message, then fails at the end
            # ("Maximum call stack size exceeded") on a stream this long
            command = [str(httpyac), "send", http.name, "--all", "-o", "none"]  # a relative name: its globbing
            rows.append(
                Row("httpyac 6.16.7 (Node; -o none)", runs(lambda: timed_process(command, anything, cwd=folder)))
            )
        grpcurl = shutil.which("grpcurl", path=str(BIN)) or shutil.which("grpcurl")
        if grpcurl:
            command = [grpcurl, "-plaintext", "-d", body, address, "bench.v1.Ticker/Ticks"]
            rows.append(Row("grpcurl 1.8.6 (Go)", runs(lambda: timed_process(command, lines_with('"n"', count)))))
        table("gRPC server stream from @grpc/grpc-js", rows, count, "bare grpcio, sync stub", peer="httpyac")


def bench_ws(count: int, folder: Path) -> None:
    with reference_server("ws-server.js") as port:
        url = f"ws://127.0.0.1:{port}/feed?count={count}&close=1"
        doc = folder / "feed.voiden"
        doc.write_text(f"```ws name=feed\n{url}\n```\n")
        bare = [sys.executable, str(ROOT / "bench" / "clients.py"), "websockets", url, str(count)]
        rows = [
            Row("bare websockets", runs(lambda: timed_process(bare, anything))),
            *voiden_rows(doc, "feed", count),
        ]
        websocat = shutil.which("websocat", path=str(BIN)) or shutil.which("websocat")
        if websocat:
            command = [websocat, "-U", url]
            rows.append(Row("websocat 1.13 (Rust)", runs(lambda: timed_process(command, lines_with('"n"', count)))))
        table("WebSocket feed from npm ws", rows, count, "bare websockets", peer="websocat")


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    with tempfile.TemporaryDirectory() as folder:
        bench_grpc(count, Path(folder))
        bench_ws(count, Path(folder))


if __name__ == "__main__":
    main()
