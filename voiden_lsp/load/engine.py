"""The child process of `voiden load` (never imported by anything else: `import locust` patches the process
with gevent). It reads its orders as one JSON object on stdin, builds a Locust User class from the parsed
document at run time (`voiden_lsp.load.user`), runs Locust's local, master or worker runner, and writes JSON
lines on stdout: `stats` each second, then `final`.

`python -m voiden_lsp.load.engine` < orders"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

from gevent import monkey  # type: ignore[import-untyped]

monkey.patch_all()

import gevent  # noqa: E402
from locust import events  # noqa: E402
from locust.env import Environment  # noqa: E402

from voiden_lsp.errors import VoidenError  # noqa: E402
from voiden_lsp.load.user import build_user  # noqa: E402


def emit(kind: str, **fields: Any) -> None:
    sys.stdout.write(json.dumps({"type": kind, **fields}) + "\n")
    sys.stdout.flush()


def figures(env: Environment) -> dict[str, Any]:
    """Per request and in total: requests, failures, rps, avg, max and the percentiles (ms)."""

    def row(entry: Any) -> dict[str, Any]:
        return {
            "requests": entry.num_requests,
            "failures": entry.num_failures,
            "rps": round(entry.total_rps, 2),
            "avg": round(entry.avg_response_time, 2),
            "max": round(entry.max_response_time or 0, 2),
            "p50": entry.get_response_time_percentile(0.5) or 0,
            "p90": entry.get_response_time_percentile(0.9) or 0,
            "p95": entry.get_response_time_percentile(0.95) or 0,
            "p99": entry.get_response_time_percentile(0.99) or 0,
        }

    requests = {name: row(entry) for (name, _method), entry in env.stats.entries.items()}
    errors = [
        {"request": e.name, "error": str(e.error), "occurrences": e.occurrences} for e in env.stats.errors.values()
    ][:50]
    return {"total": row(env.stats.total), "requests": requests, "errors": errors}


PERCENTILES = [0.5, 0.9, 0.95, 0.99]


def plan_digest(orders: dict[str, Any]) -> str:
    """What master and workers must share: the document's text and the requests chosen."""
    import hashlib

    text = Path(orders["path"]).read_bytes()
    names = ",".join(sorted(orders.get("names") or []))
    return hashlib.sha256(text + b"\0" + names.encode() + b"\0" + str(bool(orders.get("journey"))).encode()).hexdigest()


def final_csv(env: Environment, prefix: str) -> None:
    """The stats, failures and exceptions files as the run ended (the writer's last rows may be a second old)."""
    import csv

    from locust.stats import StatsCSV

    table = StatsCSV(env, PERCENTILES)
    for suffix, write in (
        ("stats", table.requests_csv),
        ("failures", table.failures_csv),
        ("exceptions", table.exceptions_csv),
    ):
        with open(f"{prefix}_{suffix}.csv", "w", newline="", encoding="utf-8") as handle:
            write(csv.writer(handle))


def main() -> None:
    orders = json.loads(sys.stdin.read())
    role = orders.get("role", "local")
    try:
        user = build_user(orders)
    except (OSError, VoidenError) as exc:
        emit("error", message=getattr(exc, "message", None) or str(exc))
        sys.exit(2)
    # users finish the request in flight when the run stops: the counts reported are the counts the server saw
    env = Environment(user_classes=[user], events=events, stop_timeout=float(orders.get("stop_timeout") or 10))
    runner: Any
    digest = plan_digest(orders)
    if role == "worker":
        runner = env.create_worker_runner(orders["master_host"], int(orders["master_port"]))

        def on_plan(environment: Any, msg: Any, **_: Any) -> None:
            """A worker runs only the document its master named: the same text and requests, by digest."""
            if msg.data.get("digest") == digest:
                runner.send_message("voiden-accept", {"digest": digest})
                return
            runner.send_message("voiden-refuse", {"document": Path(orders["path"]).name})
            emit("error", message="this worker's document is not the one its master runs: it runs nothing")
            gevent.spawn_later(0.5, runner.quit)

        runner.register_message("voiden-plan", on_plan)
        emit("ready")
        runner.greenlet.join()
        return
    if role == "master":
        runner = env.create_master_runner(orders.get("bind_host", "127.0.0.1"), int(orders["master_port"]))
        emit("ready")
        expected = int(orders.get("expect_workers") or 1)
        answers: dict[str, bool] = {}
        runner.register_message("voiden-accept", lambda environment, msg, **_: answers.update({msg.node_id: True}))
        runner.register_message("voiden-refuse", lambda environment, msg, **_: answers.update({msg.node_id: False}))
        deadline = time.monotonic() + 60
        while len(runner.clients.ready) < expected:
            if time.monotonic() > deadline:
                emit("error", message=f"{len(runner.clients.ready)} of {expected} workers came")
                runner.quit()
                sys.exit(2)
            gevent.sleep(0.1)
        runner.send_message("voiden-plan", {"digest": digest})
        while len(answers) < expected and time.monotonic() < deadline:
            gevent.sleep(0.05)
        refused = [node for node, accepted in answers.items() if not accepted]
        if refused or len(answers) < expected:
            emit(
                "error",
                message=f"{len(refused) or expected - len(answers)} worker(s) run another document than this "
                "master's (the same file, and the same request names, on every machine): nothing was sent",
            )
            runner.quit()
            sys.exit(2)
    else:
        runner = env.create_local_runner()
    csv_prefix = orders.get("csv")
    writer = history = None
    if csv_prefix:
        from locust.stats import StatsCSVFileWriter

        writer = StatsCSVFileWriter(env, PERCENTILES, csv_prefix, full_history=True)
        history = gevent.spawn(writer)  # the history file, a row a second

    def report() -> None:
        while True:
            gevent.sleep(1)
            emit("stats", users=runner.user_count, **figures(env))

    reporter = gevent.spawn(report)
    runner.start(int(orders["users"]), spawn_rate=float(orders["spawn_rate"]))
    gevent.spawn_later(float(orders["duration"]), runner.quit)
    runner.greenlet.join()
    reporter.kill()
    if orders.get("html"):
        from locust.html import get_html_report

        html = get_html_report(env, show_download_link=False)  # type: ignore[no-untyped-call]
        Path(orders["html"]).write_text(html, encoding="utf-8")
    if writer is not None and history is not None:
        history.kill()
        writer.close_files()
        final_csv(env, csv_prefix)
    emit("final", **figures(env))


if __name__ == "__main__":
    main()
