"""`voiden load` (FORMAT.md section 12) against httpbin (a server nobody here wrote): a threshold that fails the
run, Locust's HTML and CSV reports and our JUnit and JSON read back; a master and two worker processes on
loopback whose totals equal what the server counted; and the safety rules (a host away from this machine,
a document alone asking for a big run)."""

from __future__ import annotations

import csv
import importlib.util
import json
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from junitparser import JUnitXml

from tests.helpers import voiden
from tests.interop.conftest import Reference, free_port

if importlib.util.find_spec("locust") is None:  # never imported here: it would patch pytest with gevent
    pytest.skip("Locust (the load extra) is not installed", allow_module_level=True)


def load_final(doc: Path, *, users: int, seconds: int) -> dict[str, Any]:
    """`voiden load DOC --json` with `users` users for `seconds`: it must pass; its final figures."""
    run = voiden(
        "load", str(doc), "--users", str(users), "--spawn-rate", str(users), "--duration", f"{seconds}s", "--json"
    )
    assert run.returncode == 0, run.stdout + run.stderr
    final: dict[str, Any] = next(json.loads(line) for line in run.stdout.splitlines() if '"final": true' in line)
    return final


def test_a_load_run_against_httpbin_judges_thresholds_and_writes_reports(httpbin: Reference, tmp_path: Path) -> None:
    doc = tmp_path / "load.voiden"
    doc.write_text(
        "---\nload:\n  users: 4\n  spawn-rate: 4\n  duration: 3s\n---\n# Load\n\n"
        f"```http name=get\n@weight 3\nGET http://{httpbin.address}/get?q={{{{$randomInt 1 9}}}}\n```\n\n"
        "```expect\nstatus == 200\nbody.args.q exists\n```\n\n"
        f"```http name=broken\nGET http://{httpbin.address}/status/500\n```\n\n```expect\nstatus == 200\n```\n",
        encoding="utf-8",
    )
    reports = {kind: tmp_path / "reports" / name for kind, name in
               (("html", "r.html"), ("junit", "j.xml"), ("json", "r.json"), ("csv", "stats"))}  # fmt: skip
    run = voiden(
        "load",
        str(doc),
        "--threshold",
        "failures < 1%",
        "--threshold",
        "p95 < 5s",
        "--threshold",
        "get.requests > 0",
        *[f"--report={kind}:{path}" for kind, path in reports.items()],
    )
    assert run.returncode == 1, run.stdout + run.stderr  # the failures threshold missed
    assert "✘ failures < 1%: missed" in run.stdout and "✔ p95 < 5s: held" in run.stdout
    assert "✘ broken: expected status == 200, got status = 500" in run.stdout  # the expectation, counted
    figures = json.loads(reports["json"].read_text(encoding="utf-8"))
    get, broken = figures["requests"]["get"], figures["requests"]["broken"]
    assert get["failures"] == 0 and broken["failures"] == broken["requests"] > 0
    assert 2 * broken["requests"] < get["requests"]  # @weight 3 against 1
    assert figures["total"]["requests"] == get["requests"] + broken["requests"]
    assert "<html" in reports["html"].read_text(encoding="utf-8").lower()
    with (tmp_path / "reports" / "stats_stats.csv").open(encoding="utf-8") as handle:
        rows = {row["Name"]: row for row in csv.DictReader(handle)}
    assert int(rows["get"]["Request Count"]) == get["requests"]
    assert int(rows["broken"]["Failure Count"]) == broken["failures"]
    suite = next(iter(JUnitXml.fromfile(str(reports["junit"]))))
    cases = {case.name: case for case in suite}
    assert set(cases) == {"failures < 1%", "p95 < 5s", "get.requests > 0", "get", "broken"}
    assert not cases["get"].result and cases["broken"].result and cases["failures < 1%"].result


class Counting(BaseHTTPRequestHandler):
    count = 0
    lock = threading.Lock()

    def do_GET(self) -> None:
        with Counting.lock:
            Counting.count += 1
        body = b'{"ok": true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


def test_a_master_and_two_workers_count_what_the_server_saw(tmp_path: Path) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Counting)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        doc = tmp_path / "hits.voiden"
        doc.write_text(
            f"```http name=hit\nGET http://127.0.0.1:{server.server_address[1]}/hit\n```\n\n"
            "```expect\nbody.ok == true\n```\n",
            encoding="utf-8",
        )
        port = free_port()
        command = [sys.executable, "-m", "voiden_lsp.cli", "load", str(doc)]
        master = subprocess.Popen(
            [
                *command,
                "--master",
                "--master-port",
                str(port),
                "--expect-workers",
                "2",
                "--users",
                "4",
                "--spawn-rate",
                "4",
                "--duration",
                "3s",
                "--json",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        time.sleep(1.5)  # the master listens
        workers = [
            subprocess.Popen(
                [*command, "--worker", "--master-host", f"127.0.0.1:{port}"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(2)
        ]
        out, err = master.communicate(timeout=90)
        for worker in workers:
            worker.wait(timeout=30)
        assert master.returncode == 0, out + err
        final = next(json.loads(line) for line in out.splitlines() if '"final": true' in line)
        assert final["total"]["requests"] > 0 and final["total"]["failures"] == 0
        time.sleep(0.2)  # a last answer the server counted as the runners stopped
        assert final["total"]["requests"] == Counting.count, (final["total"], Counting.count)
        workers_seen = [line for line in out.splitlines() if line.startswith("{") and '"users"' in line]
        assert workers_seen, out
    finally:
        server.shutdown()


def test_a_host_away_from_this_machine_and_a_big_run_need_the_users_word(tmp_path: Path) -> None:
    doc = tmp_path / "away.voiden"
    doc.write_text("```http name=away\nGET http://example.invalid/\n```\n", encoding="utf-8")
    refused = voiden("load", str(doc), "--duration", "1s")
    assert refused.returncode == 2 and "example.invalid, which is not this machine: pass --yes" in refused.stderr
    big = tmp_path / "big.voiden"
    big.write_text("---\nload:\n  users: 5000\n---\n```http name=x\nGET http://127.0.0.1:9/\n```\n", encoding="utf-8")
    asked = voiden("load", str(big), "--duration", "1s")
    assert asked.returncode == 2 and "asks for 5000 users: pass --users to confirm" in asked.stderr
    other = tmp_path / "graphql.voiden"
    other.write_text("```graphql name=feed\nws://127.0.0.1:9/graphql\n\nsubscription { x }\n```\n", encoding="utf-8")
    unsupported = voiden("load", str(other), "--duration", "1s")
    assert unsupported.returncode == 2 and "graphql over WebSocket (feed)" in unsupported.stderr
    unreachable = tmp_path / "grpc.voiden"
    unreachable.write_text("```grpc name=call\ngrpc://127.0.0.1:9 a.B/C\n```\n", encoding="utf-8")
    refused = voiden("load", str(unreachable), "--duration", "1s")  # its schema is read first, in words
    assert refused.returncode == 2 and "`call`: connection refused by 127.0.0.1:9" in refused.stderr
    endless = tmp_path / "ws.voiden"
    endless.write_text("```ws name=feed\nws://127.0.0.1:9/\n```\n", encoding="utf-8")
    refused = voiden("load", str(endless), "--duration", "1s")
    assert refused.returncode == 2 and "needs `@max-messages N` or `@duration D`" in refused.stderr


def test_streams_report_time_to_first_message_and_messages_a_second(
    sse_server: Reference, ws_js: Reference, tmp_path: Path
) -> None:
    """Against sse-starlette and npm `ws`: each stream a row (time to its first message, judged on its
    expectations) and a `· messages` row (a row per message: its rate is the messages a second)."""
    doc = tmp_path / "streams.voiden"
    doc.write_text(
        f"```sse name=ticks\nGET http://{sse_server.address}/ticks?count=5&interval=5\n```\n\n"
        "```expect\nany message.n == 5\n```\n\n"
        f"```ws name=feed\n@max-messages 3\nws://{ws_js.address}/feed?count=10\n```\n\n"
        "```expect\nmessage[2].n == 3\n```\n",  # the feed counts from 1
        encoding="utf-8",
    )
    final = load_final(doc, users=2, seconds=3)
    rows = final["requests"]
    assert rows["ticks"]["requests"] > 0 and rows["ticks"]["failures"] == 0, rows
    assert rows["feed"]["requests"] > 0 and rows["feed"]["failures"] == 0, final["errors"]
    assert rows["ticks · messages"]["requests"] == 5 * rows["ticks"]["requests"]
    assert rows["feed · messages"]["requests"] == 3 * rows["feed"]["requests"]


def test_grpc_calls_with_the_schema_the_parent_read(grpc_js: Reference, tmp_path: Path) -> None:
    """Against @grpc/grpc-js: the schema read once by reflection and handed to the engine (grpcio in gevent
    mode): a unary call judged, a server stream cut at @max-messages, a status the server gives counted."""
    doc = tmp_path / "catalog.voiden"
    base = f"grpc://{grpc_js.address} interop.v1.Catalog"
    doc.write_text(
        f'```grpc name=get\n{base}/GetItem\n\n{{"id": "{{{{$uuid}}}}"}}\n```\n\n'
        "```expect\nstatus == OK\nbody.name exists\n```\n\n"
        f'```grpc name=list\n@max-messages 4\n{base}/ListItems\n\n{{"count": 6}}\n```\n\n'
        "```expect\nmessage[0].name exists\n```\n\n"
        f'```grpc name=missing\n{base}/GetItem\n\n{{"id": "missing"}}\n```\n',
        encoding="utf-8",
    )
    final = load_final(doc, users=3, seconds=3)
    rows = final["requests"]
    assert rows["get"]["requests"] > 0 and rows["get"]["failures"] == 0, final["errors"]
    assert rows["list"]["failures"] == 0 and rows["list · messages"]["requests"] == 4 * rows["list"]["requests"]
    assert rows["missing"]["failures"] == rows["missing"]["requests"] > 0
    assert [e["error"] for e in final["errors"]] == ["NOT_FOUND: no item with id missing"]


def test_a_worker_runs_only_the_document_its_master_named(tmp_path: Path) -> None:
    ours, other = tmp_path / "ours.voiden", tmp_path / "other.voiden"
    ours.write_text("```http name=hit\nGET http://127.0.0.1:9/ours\n```\n", encoding="utf-8")
    other.write_text("```http name=hit\nGET http://127.0.0.1:9/other\n```\n", encoding="utf-8")
    port = free_port()
    command = [sys.executable, "-m", "voiden_lsp.cli", "load"]
    master = subprocess.Popen(
        [*command, str(ours), "--master", "--master-port", str(port), "--expect-workers", "1", "--duration", "2s"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(1.5)
    worker = subprocess.Popen(
        [*command, str(other), "--worker", "--master-host", f"127.0.0.1:{port}"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    out, err = master.communicate(timeout=90)
    _, worker_err = worker.communicate(timeout=30)
    assert master.returncode == 2, out + err
    assert "run another document than this master's" in err and "nothing was sent" in err
    assert "is not the one its master runs" in worker_err


def test_mcp_tool_calls_under_load(mcp_sdk: Reference, tmp_path: Path) -> None:
    """Against the official Python SDK's MCPServer: calls in 2026-07-28 and in 2025-11-25 (a session per user),
    each judged; a tool's error counted unless an expectation is about it."""
    url = f"http://{mcp_sdk.address}/mcp"
    doc = tmp_path / "tools.voiden"
    doc.write_text(  # a journey: every call runs in each user's pass, however slow the SDK's server answers
        "---\nload:\n  journey: true\n---\n"
        f'```mcp name=add\n{url} tools/call add\n\n{{"a": {{{{$randomInt 1 9}}}}, "b": 1}}\n```\n\n'
        "```expect\nbody.structuredContent.result > 1\n```\n\n"
        f'```mcp name=legacy\n@mcp-version 2025-11-25\n{url} tools/call add\n\n{{"a": 1, "b": 1}}\n```\n\n'
        "```expect\nbody.structuredContent.result == 2\n```\n\n"
        f'```mcp name=fails\n{url} tools/call fail\n\n{{"reason": "x"}}\n```\n\n'
        f'```mcp name=expected\n{url} tools/call fail\n\n{{"reason": "x"}}\n```\n\n'
        "```expect\nbody.isError == true\n```\n",
        encoding="utf-8",
    )
    final = load_final(doc, users=2, seconds=3)
    rows = final["requests"]
    for name in ("add", "legacy", "expected"):
        assert rows[name]["requests"] > 0 and rows[name]["failures"] == 0, (name, final["errors"])
    assert rows["fails"]["failures"] == rows["fails"]["requests"] > 0
    assert any("the tool reported an error" in e["error"] for e in final["errors"])


def test_socketio_sessions_under_load(socketio_js: Reference, tmp_path: Path) -> None:
    """Against npm `socket.io`: each session's `welcome`, then the echo of what it sent, as its messages; a
    message is the fields the live transport gives it (its event name, its argument)."""
    doc = tmp_path / "io.voiden"
    doc.write_text(
        f"```socketio name=chat\n@max-messages 1\nhttp://{socketio_js.address}\n```\n\n"
        "```expect\nmessage[0].event == welcome\nmessage[0].id exists\n```\n",  # as `voiden run` reads it
        encoding="utf-8",
    )
    final = load_final(doc, users=2, seconds=3)
    rows = final["requests"]
    assert rows["chat"]["requests"] > 0 and rows["chat"]["failures"] == 0, final["errors"]
    assert rows["chat · messages"]["requests"] == rows["chat"]["requests"]


@pytest.mark.parametrize("protocol", ["connect", "grpc-web"])
def test_connect_and_grpc_web_calls(
    connect_node: Reference, catalog_protoset: Path, tmp_path: Path, protocol: str
) -> None:
    """Against @connectrpc/connect-node: a unary call and a server stream in each dialect, and a status."""
    doc = tmp_path / "web.voiden"
    base = (
        f"@protoset {catalog_protoset}\n@protocol {protocol}\nhttp://127.0.0.1:{connect_node.port} interop.v1.Catalog"
    )
    doc.write_text(
        f'```grpc name=get\n{base}/GetItem\n\n{{"id": "{{{{$uuid}}}}"}}\n```\n\n'
        "```expect\nstatus == OK\nbody.name exists\n```\n\n"
        f'```grpc name=list\n{base}/ListItems\n\n{{"count": 3}}\n```\n\n'
        f'```grpc name=missing\n{base}/GetItem\n\n{{"id": "missing"}}\n```\n\n'
        "```expect\nstatus == NOT_FOUND\n```\n",
        encoding="utf-8",
    )
    final = load_final(doc, users=2, seconds=2)
    rows = final["requests"]
    for name in ("get", "list", "missing"):
        assert rows[name]["requests"] > 0 and rows[name]["failures"] == 0, (name, final["errors"])
    assert rows["list · messages"]["requests"] == 3 * rows["list"]["requests"]


def test_a_journey_reads_each_users_own_responses_afresh(httpbin: Reference, tmp_path: Path) -> None:
    """A request that reads the response of the one before it (`{{mint.response.body.json.token}}`) gets this
    user's latest answer at every pass, fresh fake data included: the request is read once per user, its
    references and fake data made at each send. A stale or missing response would fail `echo`'s line."""
    doc = tmp_path / "journey.voiden"
    doc.write_text(
        "---\nload:\n  users: 3\n  spawn-rate: 3\n  duration: 3s\n  journey: true\n---\n"
        f"```http name=mint\nPOST http://{httpbin.address}/anything\nContent-Type: application/json\n\n"
        '{"token": "{{$uuid}}", "n": {{$randomInt 1 1000000}}}\n```\n\n'
        "```expect\nstatus == 200\nbody.json.token exists\n```\n\n"
        f"```http name=echo\nGET http://{httpbin.address}/anything?t={{{{mint.response.body.json.token}}}}\n```\n\n"
        "```expect\nbody.args.t == {{mint.response.body.json.token}}\n```\n",
        encoding="utf-8",
    )
    report = tmp_path / "r.json"
    run = voiden("load", str(doc), f"--report=json:{report}")
    assert run.returncode == 0, run.stdout + run.stderr
    figures = json.loads(report.read_text(encoding="utf-8"))
    mint, echo = figures["requests"]["mint"], figures["requests"]["echo"]
    assert echo["requests"] > 3 and echo["failures"] == 0 and mint["failures"] == 0, figures
    assert abs(mint["requests"] - echo["requests"]) <= 3  # one echo a mint, but for passes cut at the stop
