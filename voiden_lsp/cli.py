"""`voiden run FILE [NAME...]`, `voiden test [PATH...]` and `voiden demo`: the documents, headless."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

from voiden_lsp import __version__, logmask
from voiden_lsp.cli_output import JsonPrinter, TerminalPrinter
from voiden_lsp.document.model import Document, Metadata
from voiden_lsp.formats import parse_document
from voiden_lsp.errors import VoidenError
from voiden_lsp.events import STATUS
from voiden_lsp.sessions import Runner, Session
from voiden_lsp.templating import Collection, void_context

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="voiden", description="Send the requests of .voiden documents.")
    parser.add_argument("--version", action="version", version=f"voiden {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="send a document's requests (all, in order, or the named ones)")
    run.add_argument("file", type=Path)
    run.add_argument("names", nargs="*", help="request names (default: every request, in document order)")
    _add_run_options(run)

    test = commands.add_parser(
        "test",
        help="run every document under the paths and judge their expectations (exit 0 only when all pass)",
    )
    test.add_argument("paths", nargs="*", type=Path, help=".voiden / .void files or folders (default: .)")
    test.add_argument("--env", help="the environment to use, as for `run`")
    test.add_argument("--profile", help="a Voiden app environment profile, as for `run`")
    test.add_argument("--var", action="append", default=[], metavar="NAME=VALUE", help="set a variable; repeatable")
    test.add_argument(
        "--report",
        action="append",
        default=[],
        metavar="KIND:FILE",
        help="also write a report: junit:FILE (JUnit XML for CI) or json:FILE; repeatable",
    )
    test.add_argument("--jobs", "-j", type=int, default=1, help="documents run at once (default 1)")
    test.add_argument("--no-color", action="store_true", help="plain output without colours")
    test.add_argument("--log-level", default="WARNING", help="log to stderr from this level (secrets masked)")

    convert = commands.add_parser("convert", help="write the .voiden document equivalent to a Voiden app .void file")
    convert.add_argument("file", type=Path)
    convert.add_argument("-o", "--output", help="where to write it (default: FILE with .voiden; `-` for stdout)")

    demo = commands.add_parser("demo", help="start the demo servers and run the bundled examples against them")
    demo.add_argument("--examples", type=Path, default=None, help="the examples folder (default: ./examples)")
    demo.add_argument(
        "--serve",
        action="store_true",
        help="keep the demo servers running (until Ctrl-C), with the examples' `local` environment pointing at them",
    )
    _add_run_options(demo)
    return parser


def _add_run_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--env", help="the environment to use (voiden.toml, or the Voiden app's dot path such as staging.eu)"
    )
    parser.add_argument(
        "--profile", help="a Voiden app environment profile (.voiden/env-PROFILE-*.yaml): --env names one of its"
    )
    parser.add_argument(
        "--var",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="set a variable (wins over every other source); repeatable",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON event per line")
    parser.add_argument(
        "--fail-on-status",
        action="store_true",
        help="exit 1 when a response has a 4xx/5xx status (or a gRPC status other than OK)",
    )
    parser.add_argument("--no-color", action="store_true", help="plain output without colours")
    parser.add_argument("--log-level", default="WARNING", help="log to stderr from this level (secrets masked)")


def main(argv: Sequence[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    level = str(getattr(args, "log_level", "WARNING")).upper()
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    logmask.install()
    if args.command == "convert":
        sys.exit(convert_file(args.file, args.output))
    try:
        overrides = _parse_vars(args.var)
    except ValueError as exc:
        print(f"voiden: {exc}", file=sys.stderr)
        sys.exit(EXIT_USAGE)
    printer = (
        JsonPrinter() if getattr(args, "json", False) else TerminalPrinter(colour=False if args.no_color else None)
    )
    try:
        code = _dispatch(args, printer, overrides)
    except KeyboardInterrupt:
        print("\nvoiden: interrupted", file=sys.stderr)
        code = 130
    sys.exit(code)


def convert_file(path: Path, output: str | None) -> int:
    from voiden_lsp.formats import convert_void

    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        print(f"voiden: cannot read {path}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_USAGE
    converted = convert_void(text, *void_context(path))
    if output == "-":
        sys.stdout.write(converted)
        return EXIT_OK
    target = Path(output) if output else path.with_suffix(".voiden")
    if target.resolve() == path.resolve():
        print("voiden: the output would overwrite the .void file: pass -o", file=sys.stderr)
        return EXIT_USAGE
    target.write_text(converted, encoding="utf-8")
    print(f"voiden: wrote {target}", file=sys.stderr)
    return EXIT_OK


def _dispatch(args: argparse.Namespace, printer: JsonPrinter | TerminalPrinter, overrides: dict[str, str]) -> int:
    if args.profile:
        args.env = f"{args.profile}/{args.env}" if args.env else args.profile  # profiles' environments are named so
    if args.command == "test":
        from voiden_lsp.suite import run_tests

        return run_tests(
            args.paths,
            env=args.env,
            overrides=overrides,
            jobs=args.jobs,
            reports=args.report,
            colour=False if args.no_color else None,
        )
    if args.command == "run":
        return asyncio.run(
            run_file(
                args.file,
                args.names,
                printer,
                env=args.env,
                overrides=overrides,
                fail_on_status=args.fail_on_status,
            )
        )
    if args.serve:
        from voiden_lsp.demo.serve import serve

        folder = find_examples(args.examples)
        if folder is None:
            print("voiden: no examples folder found: run from the repository, or pass --examples DIR", file=sys.stderr)
            return EXIT_USAGE
        return serve(editable_examples(folder))
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


def _parse_vars(pairs: list[str]) -> dict[str, str]:
    values: dict[str, str] = {}
    for pair in pairs:
        name, eq, value = pair.partition("=")
        if not eq or not name:
            raise ValueError(f"--var takes NAME=VALUE, not `{pair}`")
        values[name.strip()] = value
    return values


async def run_file(
    path: Path,
    names: Sequence[str],
    printer: JsonPrinter | TerminalPrinter,
    *,
    env: str | None = None,
    overrides: dict[str, str] | None = None,
    fail_on_status: bool = False,
    dotenv_files: tuple[str, ...] = (".env",),
) -> int:
    """Run a document's requests; the exit status: 0 all completed, 1 any failed, 2 bad usage."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        print(f"voiden: cannot read {path}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_USAGE
    doc = parse_document(text, path.name, *void_context(path))
    printer.problems(str(path), [p for p in doc.problems if p.severity != "info"])
    try:
        collection = Collection.load(path.resolve(), dotenv_files=dotenv_files)
    except VoidenError as exc:
        print(f"voiden: {exc.message}", file=sys.stderr)
        return EXIT_USAGE
    requests = doc.requests
    if names:
        unknown = [n for n in names if doc.request(n) is None]
        if unknown:
            known = ", ".join(r.name for r in doc.requests) or "none"
            print(
                f"voiden: no request named {', '.join(unknown)} in {path} (requests: {known})",
                file=sys.stderr,
            )
            return EXIT_USAGE
        requests = [r for n in names if (r := doc.request(n)) is not None]
    if not requests:
        print(
            f"voiden: {path} has no requests (fenced blocks starting with http, sse, ws, grpc or socketio)",
            file=sys.stderr,
        )
        return EXIT_USAGE
    if path.suffix == ".void":
        _limit_app_sockets(doc, path)
    runner = Runner(doc, path.resolve(), collection, env=env, overrides=overrides, sinks=[printer])
    failed = False
    for request in requests:
        spinner = asyncio.create_task(printer.waiting())
        session = runner.session(request)
        printer.out.on_close = session.cancel  # `voiden run | head`: the reader left, so stop, quietly
        try:
            await runner.run_session(session, request)
        except asyncio.CancelledError:
            if not printer.out.closed:
                raise
        finally:
            spinner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await spinner
        if printer.out.closed:
            break
        failed |= Runner.failure(session, request) is not None or (fail_on_status and _bad_status(session))
    if isinstance(printer, JsonPrinter):
        printer.flush()  # what a last timer would have written
    return EXIT_FAILED if failed else EXIT_OK


APP_SOCKET_DURATION = "10s"


def _limit_app_sockets(doc: Document, path: Path) -> None:
    """The app's files cannot say how long a WebSocket session lasts; unattended, one closes after 10 s
    instead of waiting forever (a converted .voiden can say `@duration` or `@max-messages`)."""
    for request in doc.requests:
        if request.protocol in ("ws", "socketio") and not (
            request.has_meta("duration") or request.has_meta("max-messages")
        ):
            request.metadata.append(Metadata("duration", APP_SOCKET_DURATION, request.range, request.range))
            print(
                f"voiden: {path}: `{request.name}` sets no limit (.void files cannot); "
                f"the session closes after {APP_SOCKET_DURATION}",
                file=sys.stderr,
            )


def _bad_status(session: Session) -> bool:
    for event in session.log:
        if event.kind == STATUS:
            code = event.fields.get("code")
            if (isinstance(code, int) and code >= 400) or (isinstance(code, str) and code != "OK"):
                return True
    return False


PACKAGED_EXAMPLES = Path(__file__).resolve().parent / "examples"  # an installed wheel's copy of examples/


def find_examples(explicit: Path | None) -> Path | None:
    """The examples: DIR when given, else ./examples, else the repository's (a checkout), else the wheel's."""
    here = Path(__file__).resolve()
    candidates = [explicit] if explicit else [Path.cwd() / "examples", here.parents[1] / "examples", PACKAGED_EXAMPLES]
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
        if not json_mode:
            print(
                f"demo servers: HTTP + SSE {http.url}, gRPC (with reflection) {grpc_server.address}, "
                f"WebSocket {ws.url}, Socket.IO {sio.url}\n"
            )
        for file in files:
            if not json_mode:
                print(f"━━ {file.relative_to(folder.parent)} ━━")
            # A fresh clone has no .env: the demo then takes the example's secrets (still masked).
            code = await run_file(
                file,
                [],
                printer,
                env=env,
                overrides=demo_vars,
                fail_on_status=fail_on_status,
                dotenv_files=(".env", ".env.example"),
            )
            worst = max(worst, code)
            if not json_mode:
                print()
    if not json_mode:
        print("demo finished: " + ("every request completed" if worst == EXIT_OK else "some requests failed"))
    return worst


if __name__ == "__main__":
    main()
