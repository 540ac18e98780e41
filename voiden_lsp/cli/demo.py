"""`voiden demo`: the demo servers on free loopback ports and every bundled example run against them; with
`--serve`, the servers kept running for an editor."""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
from pathlib import Path

from voiden_lsp.cli.output import EXIT_OK, EXIT_USAGE, JsonPrinter, TerminalPrinter
from voiden_lsp.cli.run import run_file


def demo(args: argparse.Namespace, printer: JsonPrinter | TerminalPrinter, overrides: dict[str, str]) -> int:
    if args.serve:
        from voiden_lsp.demo.serve import serve

        folder = find_examples(args.examples)
        if folder is None:
            print("voiden: no examples folder found: run from the repository, or pass --examples DIR", file=sys.stderr)
            return EXIT_USAGE
        return serve(editable_examples(folder), command_name())
    return asyncio.run(
        run_demo(
            args.examples,
            printer,
            env=args.env,
            overrides=overrides,
            fail_on_status=args.fail_on_status,
            json_mode=args.json,
        )
    )


PACKAGED_EXAMPLES = Path(__file__).resolve().parents[1] / "examples"  # an installed wheel's copy of examples/


def find_examples(explicit: Path | None) -> Path | None:
    """The examples: DIR when given, else ./examples, else the repository's (a checkout), else the wheel's."""
    here = Path(__file__).resolve()
    candidates = [explicit] if explicit else [Path.cwd() / "examples", here.parents[2] / "examples", PACKAGED_EXAMPLES]
    return next((c for c in candidates if c is not None and c.is_dir()), None)


def editable_examples(folder: Path) -> Path:
    """`--serve` writes the servers' addresses into the folder's voiden.toml and the user opens it in an editor:
    an installed package's copy is copied to ./voiden-examples first (once), never written in place."""
    if folder != PACKAGED_EXAMPLES:
        return folder
    target = Path.cwd() / "voiden-examples"
    if not target.exists():
        shutil.copytree(folder, target, ignore=shutil.ignore_patterns("__pycache__"))
        print(f"copied the examples to {target}", flush=True)
    return target


def command_name() -> str:
    """How the user calls this voiden again: `voiden` when that is on the PATH and is this one; else the
    script as it was run (`.venv/bin/voiden`), or `python -m voiden_lsp.cli`."""
    script = Path(sys.argv[0])
    if script.name != "voiden":
        return f"{Path(sys.executable).name} -m voiden_lsp.cli"
    found = shutil.which("voiden")
    if found is not None and Path(found).resolve() == script.resolve():
        return "voiden"
    try:
        return str(script.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(script.resolve())


async def run_demo(
    examples: Path | None,
    printer: JsonPrinter | TerminalPrinter,
    *,
    env: str | None = None,
    overrides: dict[str, str] | None = None,
    fail_on_status: bool = False,
    json_mode: bool = False,
) -> int:
    """Start the demo servers on free loopback ports, run every example against them, stop them."""
    from voiden_lsp.demo.grpc_server import DemoGrpcServer
    from voiden_lsp.demo.http_server import DemoHttpServer
    from voiden_lsp.demo.socketio_server import DemoSocketIoServer
    from voiden_lsp.demo.ws_server import DemoWebSocketServer

    folder = find_examples(examples)
    if folder is None:
        print(
            "voiden: no examples folder found: run from the repository, or pass --examples DIR",
            file=sys.stderr,
        )
        return EXIT_USAGE
    files = sorted(folder.glob("*.voiden"))
    worst = EXIT_OK
    with (
        DemoHttpServer() as http,
        DemoGrpcServer() as grpc_server,
        DemoWebSocketServer() as ws,
        DemoSocketIoServer() as sio,
    ):
        demo_vars = {
            "base_url": http.url,
            "grpc_addr": grpc_server.address,
            "ws_url": ws.url,
            "socketio_url": sio.url,
            **(overrides or {}),
        }
        servers = (
            f"HTTP + SSE + GraphQL {http.url}, gRPC (with reflection) {grpc_server.address}, "
            f"WebSocket {ws.url}, Socket.IO {sio.url}"
        )
        if not json_mode:
            print(f"demo servers: {servers}\n")
        tally: list[tuple[str, list[tuple[str, str | None]]]] = []
        for file in files:
            if not json_mode:
                print(f"━━ {file.relative_to(folder.parent)} ━━")
            # A fresh clone has no .env: the demo then takes the example's secrets (still masked).
            outcomes: list[tuple[str, str | None]] = []
            code = await run_file(
                file,
                [],
                printer,
                env=env,
                overrides=demo_vars,
                fail_on_status=fail_on_status,
                dotenv_files=(".env", ".env.example"),
                outcomes=outcomes,
            )
            tally.append((file.name, outcomes))
            worst = max(worst, code)
            if not json_mode:
                print()
    if not json_mode:
        print(summary(tally, servers))
    return worst


def summary(tally: list[tuple[str, list[tuple[str, str | None]]]], servers: str) -> str:
    """The tally the demo ends with: a line per document, what failed with why, the servers' addresses last."""
    lines = ["━━ demo finished ━━"]
    width = max((len(name) for name, _ in tally), default=0)
    for name, outcomes in tally:
        failed = [(request, why) for request, why in outcomes if why is not None]
        done = f"{len(outcomes)} request{'s' if len(outcomes) != 1 else ''}"
        lines.append(f"  {name:<{width}}  {done}, " + (f"{len(failed)} failed" if failed else "all completed"))
        lines += [f"      ✗ {request}: {why}" for request, why in failed]
    total = sum(len(o) for _, o in tally)
    failures = sum(why is not None for _, o in tally for _, why in o)
    verdict = "every request completed" if not failures else f"{failures} failed"
    lines.append(f"demo finished: {total} requests in {len(tally)} documents, {verdict}")
    lines.append(f"the demo servers were: {servers} (stopped now; `{command_name()} demo --serve` keeps them running)")
    return "\n".join(lines)
