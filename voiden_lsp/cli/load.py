"""`voiden load FILE [NAME...]`: a document as a Locust load test (FORMAT.md section 12). Locust runs in child
processes (`voiden_lsp.load.engine`): its gevent patching never reaches this process, `voiden run` or the
language server. `--processes P` runs a master and P workers on this machine over Locust's own protocol;
`--master` / `--worker --master-host H` do the same across machines. Thresholds are judged here at the end;
the JUnit and JSON reports are written here, the HTML and CSV ones by Locust."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET
from functools import partial
from pathlib import Path
from typing import IO, Any

from voiden_lsp.cli.output import EXIT_FAILED, EXIT_OK, EXIT_USAGE
from voiden_lsp.cli.run import open_document
from voiden_lsp.errors import VoidenError
from voiden_lsp.load.plan import LOOPBACK, Plan, PlanError, hosts
from voiden_lsp.templating import Collection, Scope

SUPPORTED = ("http", "graphql", "sse", "ws", "grpc", "mcp", "socketio")
SHOWN_ERRORS = 5


def load(args: Any, overrides: dict[str, str]) -> int:
    import importlib.util

    if importlib.util.find_spec("locust") is None:  # only its presence: importing it would patch this process
        print(
            "voiden: `voiden load` needs Locust: pip install 'voiden-lsp[load]' (or `pip install locust`)",
            file=sys.stderr,
        )
        return EXIT_USAGE
    path: Path = args.file
    opened = open_document(path)
    if opened is None:
        return EXIT_USAGE
    doc, collection = opened
    chosen = [r for r in doc.requests if not args.names or r.name in args.names]
    unknown = [n for n in args.names if doc.request(n) is None]
    if unknown or not chosen:
        known = ", ".join(r.name for r in doc.requests) or "none"
        print(f"voiden: no request {', '.join(unknown) or 'to load'} in {path} (requests: {known})", file=sys.stderr)
        return EXIT_USAGE
    others = sorted({r.protocol for r in chosen if r.protocol not in SUPPORTED})
    websocket_graphql = [
        r.name for r in chosen if r.protocol == "graphql" and (r.target and r.target.text.startswith("ws"))
    ]
    if others or websocket_graphql:
        what = ", ".join(
            others + ([f"graphql over WebSocket ({', '.join(websocket_graphql)})"] if websocket_graphql else [])
        )
        print(
            "voiden: load runs send HTTP, GraphQL over HTTP, SSE, WebSocket, Socket.IO, gRPC and MCP in this version, "
            f"not {what}: name the requests to load (`voiden load FILE NAME...`)",
            file=sys.stderr,
        )
        return EXIT_USAGE
    endless = [
        r.name
        for r in chosen
        if r.protocol == "ws" and not any(m.key in ("max-messages", "duration") for m in r.metadata)
    ]
    if endless:
        print(
            f"voiden: a WebSocket or Socket.IO session in a load run needs `@max-messages N` or `@duration D` to "
            f"end: {', '.join(endless)}",
            file=sys.stderr,
        )
        return EXIT_USAGE
    given = {
        "users": args.users,
        "spawn_rate": args.spawn_rate,
        "duration": args.duration,
        "processes": args.processes,
        "thresholds": args.threshold,
    }
    try:
        plan = Plan.read(doc.front_matter.data if doc.front_matter is not None else {}, given)
    except PlanError as exc:
        print(f"voiden: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if not args.worker:
        asked = plan.bounded_by(given)
        if asked:
            print(f"voiden: {'; '.join(asked)}", file=sys.stderr)
            return EXIT_USAGE
        scope_of = partial(Scope.for_request, doc, collection=collection, env=args.env, overrides=overrides)
        away = sorted(h for h in hosts(chosen, scope_of) if h not in LOOPBACK)
        if away and not args.yes:
            print(
                f"voiden: this load run would send to {', '.join(away)}, which is not this machine: pass --yes if "
                "you mean to load it",
                file=sys.stderr,
            )
            return EXIT_USAGE
    schemas = _grpc_schemas(doc, chosen, collection, args.env, overrides)
    if isinstance(schemas, str):
        print(f"voiden: {schemas}", file=sys.stderr)
        return EXIT_USAGE
    reports = _reports(args.report)
    if isinstance(reports, str):
        print(f"voiden: {reports}", file=sys.stderr)
        return EXIT_USAGE
    orders: dict[str, Any] = {
        "path": str(path.resolve()),
        "names": list(args.names),
        "env": args.env,
        "vars": overrides,
        "users": plan.users,
        "spawn_rate": plan.spawn_rate,
        "duration": plan.duration,
        "journey": plan.journey,
        "schemas": schemas,
        "html": str(reports["html"]) if "html" in reports else None,
        "csv": str(reports["csv"]) if "csv" in reports else None,
    }
    out = sys.stdout
    if args.worker:
        host, _, port = (args.master_host or "127.0.0.1").partition(":")
        return _worker(orders, host, int(port or args.master_port))
    if args.master or plan.processes:
        port = args.master_port if args.master else _free_port()
        orders.update(role="master", master_port=port, expect_workers=args.expect_workers or plan.processes or 1)
        if args.master:
            orders["bind_host"] = args.master_bind or "127.0.0.1"
        final = _run(orders, out, json_lines=args.json, workers=0 if args.master else plan.processes)
    else:
        orders["role"] = "local"
        final = _run(orders, out, json_lines=args.json, workers=0)
    if final is None:
        return EXIT_USAGE
    verdicts = [(t, *t.judge(final)) for t in plan.thresholds]
    for threshold, held, said in verdicts:
        if args.json:
            out.write(json.dumps({"threshold": threshold.text, "held": held, "said": said}) + "\n")
        else:
            out.write(("✔ " if held else "✘ ") + said + "\n")
    if "junit" in reports:
        Path(reports["junit"]).write_text(junit(final, verdicts), encoding="utf-8")
    if "json" in reports:
        Path(reports["json"]).write_text(
            json.dumps(
                {**final, "thresholds": [{"text": t.text, "held": h, "said": s} for t, h, s in verdicts]}, indent=2
            )
            + "\n",
            encoding="utf-8",
        )
    return EXIT_FAILED if any(not held for _, held, _ in verdicts) else EXIT_OK


def _grpc_schemas(
    doc: Any, chosen: list[Any], collection: Collection, env: str | None, overrides: dict[str, str]
) -> dict[str, str] | str:
    """Each gRPC request's schema, read once here (reflection, `@proto`, `@protoset`) and handed to the engine
    as a FileDescriptorSet (base64): the workers read no schema of their own. Words when one cannot be read,
    or when a call takes a stream from the client (only unary and server-streaming calls are loaded)."""
    import asyncio
    import base64

    from voiden_lsp.templating import render_request
    from voiden_lsp.templating.targets import parse_target
    from voiden_lsp.transports.grpc_reflection import SCHEMAS

    found: dict[str, str] = {}
    for request in chosen:
        if request.protocol != "grpc":
            continue
        scope = Scope.for_request(doc, request, collection, env=env, overrides=overrides)
        try:
            resolved = render_request(request, scope)
            target = parse_target(resolved)
            schema = asyncio.run(SCHEMAS.schema(resolved, target))
            method = schema.method(resolved.rpc)
        except VoidenError as exc:
            return f"`{request.name}`: {exc.message}"
        if method.client_streaming:
            return (
                f"`{request.name}` streams from the client ({method.kind}): load runs send unary and "
                "server-streaming calls"
            )
        found[request.name] = base64.b64encode(schema.descriptor_set()).decode()
    return found


def _reports(specs: list[str]) -> dict[str, Path] | str:
    reports: dict[str, Path] = {}
    for spec in specs:
        kind, colon, file = spec.partition(":")
        if not colon or kind not in ("html", "csv", "junit", "json") or not file:
            return f"--report takes html:FILE, csv:PREFIX, junit:FILE or json:FILE, not `{spec}`"
        reports[kind] = Path(file).resolve()
        reports[kind].parent.mkdir(parents=True, exist_ok=True)
    return reports


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _engine(orders: dict[str, Any]) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "voiden_lsp.load.engine"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert process.stdin is not None
    process.stdin.write(json.dumps(orders))
    process.stdin.close()
    return process


def _worker(orders: dict[str, Any], host: str, port: int) -> int:
    process = _engine({**orders, "role": "worker", "master_host": host, "master_port": port})
    assert process.stdout is not None
    for line in process.stdout:
        message = json.loads(line) if line.startswith("{") else {}
        if message.get("type") == "error":
            print(f"voiden: {message.get('message')}", file=sys.stderr)
    return EXIT_OK if process.wait() == 0 else EXIT_FAILED


def _run(orders: dict[str, Any], out: IO[str], *, json_lines: bool, workers: int) -> dict[str, Any] | None:
    """Run the engine (and `workers` local workers), print the live figures; the final ones."""
    engine = _engine(orders)
    helpers = [
        _engine({**orders, "role": "worker", "master_host": "127.0.0.1", "master_port": orders["master_port"]})
        for _ in range(workers)
    ]
    errors: list[str] = []

    def drain(process: subprocess.Popen[str]) -> None:
        assert process.stderr is not None
        for line in process.stderr:
            if "Traceback" in line or line.startswith(("Error", "voiden")):
                errors.append(line.rstrip())

    for process in [engine, *helpers]:
        threading.Thread(target=drain, args=(process,), daemon=True).start()
    final: dict[str, Any] | None = None
    started = time.monotonic()
    try:
        assert engine.stdout is not None
        for line in engine.stdout:
            if not line.startswith("{"):
                continue
            message = json.loads(line)
            kind = message.pop("type", "")
            if kind == "stats":
                if json_lines:
                    out.write(json.dumps({"elapsed": round(time.monotonic() - started, 1), **message}) + "\n")
                else:
                    _table(out, message, time.monotonic() - started, float(orders["duration"]))
                out.flush()
            elif kind == "final":
                final = message
            elif kind == "error":
                print(f"voiden: {message.get('message')}", file=sys.stderr)
    except KeyboardInterrupt:
        os.killpg(engine.pid, signal.SIGTERM)
    finally:
        engine.wait()
        for helper in helpers:
            try:
                helper.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(helper.pid, signal.SIGKILL)
    if final is None:
        print("voiden: the load run ended without figures" + (f": {errors[-1]}" if errors else ""), file=sys.stderr)
        return None
    if json_lines:
        out.write(json.dumps({"final": True, **final}) + "\n")
    else:
        _table(
            out, {"users": orders["users"], **final}, time.monotonic() - started, float(orders["duration"]), last=True
        )
    return final


def _table(out: IO[str], stats: dict[str, Any], elapsed: float, duration: float, *, last: bool = False) -> None:
    head = f"{'request':<28}{'reqs':>8}{'fails':>7}{'rps':>9}{'p50':>8}{'p95':>8}{'p99':>8}"
    progress = "done" if last else f"{min(elapsed, duration):.0f}/{duration:.0f}s"
    out.write(f"\n{progress}  {stats.get('users', 0)} users\n{head}\n")
    rows = [*list((stats.get("requests") or {}).items()), ("total", stats.get("total") or {})]
    for name, row in rows:
        out.write(
            f"{name[:27]:<28}{row.get('requests', 0):>8}{row.get('failures', 0):>7}{row.get('rps', 0):>9.1f}"
            f"{row.get('p50', 0):>8.0f}{row.get('p95', 0):>8.0f}{row.get('p99', 0):>8.0f}\n"
        )
    if last:
        errors = sorted(stats.get("errors") or [], key=lambda e: -int(e.get("occurrences") or 0))
        for error in errors[:SHOWN_ERRORS]:
            out.write(f"  ✘ {error['request']}: {error['error']} ({error['occurrences']}x)\n")
        if len(errors) > SHOWN_ERRORS:
            out.write(f"  … and {len(errors) - SHOWN_ERRORS} other failures (the reports have them all)\n")


def junit(final: dict[str, Any], verdicts: list[tuple[Any, bool, str]]) -> str:
    """A test case per threshold and per request (a request with failures fails)."""
    root = ET.Element("testsuites", name="voiden load")
    suite = ET.SubElement(root, "testsuite", name="load")
    count = failures = 0
    for threshold, held, said in verdicts:
        count += 1
        case = ET.SubElement(suite, "testcase", name=threshold.text, classname="thresholds")
        if not held:
            failures += 1
            ET.SubElement(case, "failure", message=said).text = said
    for name, row in (final.get("requests") or {}).items():
        count += 1
        case = ET.SubElement(suite, "testcase", name=name, classname="requests")
        if row.get("failures"):
            failures += 1
            said = f"{row['failures']} of {row['requests']} failed"
            ET.SubElement(case, "failure", message=said).text = said
    suite.set("tests", str(count))
    suite.set("failures", str(failures))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
