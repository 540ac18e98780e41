"""Language-server benchmarks, driven by a real LSP client (pygls) over stdio.

    .venv/bin/python bench/lsp.py

- start: process start to the `initialize` result.
- completion, hover, code lens on a 10,000-line document: p50 / p95 over 60 requests each (schema cached).
- diagnostics: from an edit to its `publishDiagnostics` (the server debounces 30 ms).
- stream: a 100,000-message server-streaming gRPC call started with `voiden.run`, counted as `voiden/events`
  reach the client, against a bare grpcio client in the same run; and the server's peak memory.
"""

from __future__ import annotations

import asyncio
import gc
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.client import LanguageClient

sys.path[:0] = [str(Path(__file__).parent), str(Path(__file__).parents[1])]
from run import bare_grpc_stream, demo_process  # noqa: E402

from tests.rawclient import RawClient  # noqa: E402

SERVER = [sys.executable, "-m", "voiden_lsp.server"]
#: The reference: a pygls server with no features at all (its own imports are most of the start-up).
BARE_PYGLS = [
    sys.executable,
    "-c",
    "from pygls.lsp.server import LanguageServer; LanguageServer('bare', '1').start_io()",
]
#: The floor under any pygls server: lsprotocol's types, imported (with the collector off, as we do).
LSPROTOCOL_ONLY = [sys.executable, "-c", "import gc; gc.disable(); import lsprotocol.types"]
COUNT = 100_000


async def _seconds_to_run(command: list[str]) -> float:
    start = time.perf_counter()
    process = await asyncio.create_subprocess_exec(*command)
    await process.wait()
    return time.perf_counter() - start


async def started_client(command: list[str] = SERVER) -> tuple[LanguageClient, float]:
    client = LanguageClient("bench", "1")
    events: list[Any] = []
    client.events = events  # type: ignore[attr-defined]

    @client.feature("voiden/events")
    def on_events(params: Any) -> None:
        events.extend(params.events)

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def on_diagnostics(params: Any) -> None:
        client.last_diagnostics = time.perf_counter()  # type: ignore[attr-defined]

    start = time.perf_counter()
    await client.start_io(*command)
    await client.initialize_async(types.InitializeParams(capabilities=types.ClientCapabilities(), process_id=None))
    elapsed = time.perf_counter() - start
    client.initialized(types.InitializedParams())
    return client, elapsed


async def stop(client: LanguageClient) -> None:
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))]


async def timed(make: Any, n: int = 60) -> list[float]:
    times = []
    for _ in range(n):
        start = time.perf_counter()
        await make()
        times.append((time.perf_counter() - start) * 1000)
    return times


async def main() -> None:
    starts: dict[str, list[float]] = {"voiden-lsp": [], "bare pygls": []}
    for _ in range(5):
        for label, command in (("voiden-lsp", SERVER), ("bare pygls", BARE_PYGLS)):
            client, elapsed = await started_client(command)
            starts[label].append(elapsed * 1000)
            await stop(client)
    ours, bare = statistics.median(starts["voiden-lsp"]), statistics.median(starts["bare pygls"])
    floor = statistics.median([await _seconds_to_run(LSPROTOCOL_ONLY) * 1000 for _ in range(5)])
    print(
        f"start    process start to initialize result: voiden-lsp {ours:6.1f} ms, a featureless pygls server "
        f"{bare:6.1f} ms (ratio {ours / bare:4.2f}x; budget 300 ms; a Python that only imports lsprotocol, "
        f"which pygls needs, runs {floor:6.1f} ms)"
    )

    with demo_process("grpc") as address, tempfile.TemporaryDirectory() as folder:
        block = (
            "## Request {i}\n\nProse about it.\n\n```grpc name=r{i}\n"
            "grpc://{address} routeguide.RouteGuide/GetFeature\n"
            'x-id: {{{{$uuid}}}}\n\n{{"latitude": {{{{$faker.pyint}}}}, "longitude": 2}}\n```\n\n'
        )
        text = "".join(block.format(i=i, address=address) for i in range(10_000 // 12 + 1))
        path = Path(folder) / "big.voiden"
        path.write_text(text, encoding="utf-8")
        uri = path.as_uri()
        client, _ = await started_client()
        client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(uri=uri, language_id="voiden", version=1, text=text)
            )
        )
        doc = types.TextDocumentIdentifier(uri=uri)
        middle = text.count("\n") // 2
        line = next(i for i in range(middle, middle + 20) if text.splitlines()[i].startswith("grpc://"))
        body_line = line + 3
        # warm the schema cache (one reflection round trip), then measure
        await client.text_document_completion_async(types.CompletionParams(doc, types.Position(body_line, 2)))
        completion = await timed(
            lambda: client.text_document_completion_async(types.CompletionParams(doc, types.Position(body_line, 2)))
        )
        hover = await timed(
            lambda: client.text_document_hover_async(types.HoverParams(doc, types.Position(line, len(address) + 12)))
        )
        lens = await timed(lambda: client.text_document_code_lens_async(types.CodeLensParams(doc)))
        lines = text.count("\n")
        for label, values in (("completion", completion), ("hover", hover), ("code lens", lens)):
            print(
                f"{label:10} {lines} lines (pytest-lsp client): p50 {percentile(values, 0.5):6.1f} ms   "
                f"p95 {percentile(values, 0.95):6.1f} ms   (budget p95 20 ms)"
            )
        latencies = []
        end = text.count("\n")
        for version in range(2, 7):
            client.last_diagnostics = 0.0  # type: ignore[attr-defined]
            start = time.perf_counter()
            # what an editor sends: an incremental change (here, typing a line at the end)
            at = types.Position(end + version - 2, 0)
            client.text_document_did_change(
                types.DidChangeTextDocumentParams(
                    text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                    content_changes=[
                        types.TextDocumentContentChangePartial(range=types.Range(at, at), text=f"edit {version}\n")
                    ],
                )
            )
            while client.last_diagnostics == 0.0:  # type: ignore[attr-defined]
                await asyncio.sleep(0.002)
            latencies.append((client.last_diagnostics - start) * 1000)  # type: ignore[attr-defined]
        print(
            f"diagnose {lines} lines: edit to publishDiagnostics median {statistics.median(latencies):6.1f} ms"
            " (incl. the 30 ms debounce; budget 100 ms)"
        )
        await stop(client)
        await raw_timings(uri, text, line, address)

        stream_doc = Path(folder) / "stream.voiden"
        stream_doc.write_text(
            f'```grpc name=ticks\ngrpc://{address} routeguide.RouteGuide/Ticker\n\n{{"count": {COUNT}}}\n```\n',
            encoding="utf-8",
        )
        start = time.perf_counter()
        assert await bare_grpc_stream(address, COUNT) == COUNT
        bare = time.perf_counter() - start
        received, ours, peak = await raw_stream(stream_doc)
        print(
            f"stream   {COUNT} gRPC messages from the (Python) demo server to the LSP client as events: "
            f"{received / ours:8.0f} msg/s   "
            f"bare grpcio {COUNT / bare:8.0f} msg/s   ratio {bare / ours * received / COUNT:4.2f}x   "
            f"server peak RSS {peak} MB"
        )


async def raw_timings(uri: str, text: str, line: int, address: str) -> None:
    """Completion, hover, code lens and diagnostics as an editor sees them (a bare JSON-RPC client)."""
    client = await RawClient.start()
    doc = {"uri": uri}
    client.send(
        {
            "method": "textDocument/didOpen",
            "params": {"textDocument": {"uri": uri, "languageId": "voiden", "version": 1, "text": text}},
        }
    )
    body = {"textDocument": doc, "position": {"line": line + 3, "character": 2}}
    await client.request("textDocument/completion", body)  # warms the schema cache
    await asyncio.sleep(1)  # the diagnostics the schema brings settle before measuring
    for label, method, params in (
        ("completion", "textDocument/completion", body),
        (
            "hover",
            "textDocument/hover",
            {"textDocument": doc, "position": {"line": line, "character": len(address) + 12}},
        ),
        ("code lens", "textDocument/codeLens", {"textDocument": doc}),
    ):
        values = []
        gc.disable()  # the bench's own collector (parsing 170 KB answers) is not the server's latency
        for _ in range(60):
            start = time.perf_counter()
            await client.request(method, params)
            values.append((time.perf_counter() - start) * 1000)
        gc.enable()
        print(
            f"{label:10} (bare JSON-RPC client): p50 {percentile(values, 0.5):6.1f} ms   "
            f"p95 {percentile(values, 0.95):6.1f} ms   (budget p95 10 ms)"
        )
    end = text.count("\n")
    for where, first_line in (("a new last line", end), ("a new line in the middle, moving 5,000 lines", end // 2)):
        latencies = []
        for version in range(2, 12):
            at = {"line": first_line + version - 2, "character": 0}
            start = time.perf_counter()
            client.send(
                {
                    "method": "textDocument/didChange",
                    "params": {
                        "textDocument": {"uri": uri, "version": version},
                        "contentChanges": [{"range": {"start": at, "end": at}, "text": f"edit {version}\n"}],
                    },
                }
            )
            await client.until_diagnostics(uri, version)
            latencies.append((time.perf_counter() - start) * 1000)
        print(
            f"diagnose (bare JSON-RPC client), {where}: edit to publishDiagnostics median "
            f"{statistics.median(latencies):6.1f} ms, max {max(latencies):6.1f} ms (incl. the 30 ms debounce; "
            "budget 100 ms)"
        )
    # A freshly opened 10,000-line document (every section new to the server, so parsed from scratch), and at
    # once 50 requests of one kind: the first waits for the parse, the next ones come while the document's
    # first check runs on the event loop in slices.
    for label, method, params_of in (
        ("completion", "textDocument/completion", lambda u: {**body, "textDocument": {"uri": u}}),
        (
            "hover",
            "textDocument/hover",
            lambda u: {"textDocument": {"uri": u}, "position": {"line": line, "character": len(address) + 12}},
        ),
        ("code lens", "textDocument/codeLens", lambda u: {"textDocument": {"uri": u}}),
    ):
        fresh_uri = uri.replace("big.voiden", f"fresh-{label.replace(' ', '-')}.voiden")
        fresh_text = text.replace("Prose about it.", f"Prose about it, {label}.")
        client.send(
            {
                "method": "textDocument/didOpen",
                "params": {
                    "textDocument": {"uri": fresh_uri, "languageId": "voiden", "version": 1, "text": fresh_text}
                },
            }
        )
        opened = time.perf_counter()
        values = []
        gc.disable()
        for _ in range(50):
            start = time.perf_counter()
            await client.request(method, params_of(fresh_uri))
            values.append((time.perf_counter() - start) * 1000)
        gc.enable()
        checked = "checked" if fresh_uri in client.published else "still being checked"
        print(
            f"{label:10} from the first request after opening a fresh 10,000-line document (50 requests in "
            f"{(time.perf_counter() - opened) * 1000:.0f} ms, the document {checked} by then): first "
            f"{values[0]:6.1f} ms (the parse)   p50 {percentile(values, 0.5):6.1f} ms   "
            f"p95 {percentile(values, 0.95):6.1f} ms   (budget p95 10 ms)"
        )
    await client.stop()


async def raw_stream(doc: Path) -> tuple[int, float, str]:
    """`voiden.run` on a streaming call, read by the bare JSON-RPC client."""
    client = await RawClient.start()
    uri = doc.as_uri()
    client.send(
        {
            "method": "textDocument/didOpen",
            "params": {"textDocument": {"uri": uri, "languageId": "voiden", "version": 1, "text": doc.read_text()}},
        }
    )
    start = time.perf_counter()
    received = await client.run_to_close(uri, "ticks")
    elapsed = time.perf_counter() - start
    peak = client.memory_mb("VmHWM")
    await client.stop()
    return received, elapsed, f"{peak:.0f}"


if __name__ == "__main__":
    asyncio.run(main())
