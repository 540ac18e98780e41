"""`voiden`: the documents, headless. The argument parser and `main` here; one module per command beside it
(`run`, `test`, `demo`, `convert`, `import`, `export`), the terminal and JSON printers in `output`. Nothing
below imports it."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from voiden_lsp import __version__
from voiden_lsp.cli.output import EXIT_USAGE, JsonPrinter, TerminalPrinter
from voiden_lsp.formats.export import TARGETS
from voiden_lsp.templating import logmask


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="voiden", description="Send the requests of .voiden documents.")
    parser.add_argument("--version", action="version", version=f"voiden {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="send a document's requests (all, in order, or the named ones)")
    run.add_argument("file", type=Path)
    run.add_argument("names", nargs="*", help="request names (default: every request, in document order)")
    _add_run_options(run)
    run.add_argument(
        "--no-history", action="store_true", help="keep nothing of this run in the history (voiden history)"
    )

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
    test.add_argument(
        "--update-snapshots",
        action="store_true",
        help="each `matches snapshot` takes this run's value into __snapshots__/ (review the diff before committing)",
    )
    test.add_argument("--no-color", action="store_true", help="plain output without colours")
    test.add_argument("--log-level", default="WARNING", help="log to stderr from this level (secrets masked)")

    load = commands.add_parser(
        "load",
        help="run a document's requests as a Locust load test (users, duration, thresholds, reports)",
    )
    load.add_argument("file", type=Path, help="the .voiden (or .void) document")
    load.add_argument("names", nargs="*", help="the requests to load (default: all)")
    load.add_argument("--users", type=int, help="simulated users (front matter `load: users`; default 10)")
    load.add_argument("--spawn-rate", type=float, help="users started per second (default 10)")
    load.add_argument("--duration", help="how long: 30s, 2m (default 30s)")
    load.add_argument("--processes", type=int, help="worker processes on this machine (a master and P workers)")
    load.add_argument("--master", action="store_true", help="be the master of workers on other machines")
    load.add_argument("--master-bind", help="the address the master listens on (default 127.0.0.1)")
    load.add_argument("--master-port", type=int, default=5557, help="the master's port (default 5557)")
    load.add_argument("--expect-workers", type=int, help="workers the master waits for before it starts")
    load.add_argument("--worker", action="store_true", help="be a worker of a master (--master-host)")
    load.add_argument("--master-host", help="HOST[:PORT] of the master, for --worker")
    load.add_argument(
        "--threshold", action="append", default=[], help="`p95 < 300ms`, `failures < 1%%`, `rps > 100`; repeatable"
    )
    load.add_argument(
        "--report", action="append", default=[], help="html:FILE, csv:PREFIX, junit:FILE or json:FILE; repeatable"
    )
    load.add_argument("--json", action="store_true", help="one JSON stats line a second, then the final figures")
    load.add_argument("--env", help="the environment to use, as for `run`")
    load.add_argument("--profile", help="a Voiden app environment profile, as for `run`")
    load.add_argument("--var", action="append", default=[], metavar="NAME=VALUE", help="set a variable; repeatable")
    load.add_argument("--yes", action="store_true", help="load a host that is not this machine")
    load.add_argument("--no-color", action="store_true", help="plain output without colours")
    load.add_argument("--log-level", default="WARNING", help="log to stderr from this level (secrets masked)")

    mcp = commands.add_parser(
        "mcp",
        help="serve the collection to coding agents over MCP (stdio; --http for Streamable HTTP on loopback)",
    )
    mcp.add_argument("--root", type=Path, default=Path("."), help="the collection's folder (default: .)")
    mcp.add_argument("--http", metavar="[HOST:]PORT", help="Streamable HTTP on the loopback, with a bearer token")
    mcp.add_argument(
        "--allow-run",
        action="store_true",
        help="also offer the tools that send requests (run_request, run_tests, `@tool` requests)",
    )
    mcp.add_argument("--env", help="the environment requests use unless a call names one")
    mcp.add_argument("--log-level", default="WARNING", help="log to stderr from this level (secrets masked)")

    history = commands.add_parser(
        "history",
        help="the exchanges kept by `voiden run` and the editor: `history FILE [NAME]` lists, `history show ID` "
        "shows one",
    )
    history.add_argument("target", help="a document, or `show`")
    history.add_argument("rest", nargs="?", help="a request name (or, after `show`, a record id)")

    compare = commands.add_parser(
        "diff", help="compare a request's newest kept exchange with an earlier one (JSON by meaning, keys sorted)"
    )
    compare.add_argument("file", type=Path)
    compare.add_argument("name")
    compare.add_argument(
        "--against", type=int, default=1, metavar="N", help="the exchange N before the newest (default 1)"
    )
    compare.add_argument(
        "--ignore",
        action="append",
        default=[],
        metavar="PATH",
        help="leave out a body path (id, items[*].id) or a header (headers.date); repeatable",
    )
    compare.add_argument("--no-color", action="store_true", help="plain output without colours")

    convert = commands.add_parser("convert", help="write the .voiden document equivalent to a Voiden app .void file")
    convert.add_argument("file", type=Path)
    convert.add_argument("-o", "--output", help="where to write it (default: FILE with .voiden; `-` for stdout)")

    imports = commands.add_parser(
        "import",
        help="write .voiden documents from other formats (curl, grpcurl and websocat command lines, .http files, "
        "OpenAPI 3, Postman and Insomnia exports, Bruno collections, Voiden app .void files)",
    )
    imports.add_argument(
        "sources",
        nargs="+",
        metavar="SOURCE",
        help="files, a Bruno collection's folder, or - for standard input (a paste)",
    )
    imports.add_argument(
        "--from",
        dest="source_format",
        choices=("bruno", "curl", "grpcurl", "http", "insomnia", "openapi", "postman", "void", "websocat"),
        help="the format (default: detected)",
    )
    imports.add_argument("--out", type=Path, default=Path("."), help="the folder to write into (default: .)")
    imports.add_argument("--force", action="store_true", help="overwrite documents that exist")

    export = commands.add_parser(
        "export", help="write requests as the command you would type: curl, HTTPie, grpcurl, websocat or .http"
    )
    export.add_argument("file", type=Path)
    export.add_argument("names", nargs="*", metavar="NAME", help="the requests to export (default: all)")
    export.add_argument("--to", required=True, choices=TARGETS, help="what to write")
    export.add_argument("--env", help="the environment to use, as for `run`")
    export.add_argument("--profile", help="a Voiden app environment profile, as for `run`")
    export.add_argument("--var", action="append", default=[], metavar="NAME=VALUE", help="set a variable; repeatable")
    export.add_argument(
        "--reveal-secrets",
        action="store_true",
        help="write the secrets' values (default: as $NAME, the shell variable of their .env name)",
    )

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
    if args.command == "import":
        from voiden_lsp.cli.imports import import_sources

        sys.exit(
            _quiet_on_a_closed_pipe(lambda: import_sources(args.sources, args.source_format, args.out, args.force))
        )
    if args.command == "convert":
        from voiden_lsp.cli.convert import convert_file

        sys.exit(convert_file(args.file, args.output))
    if args.command == "mcp":
        from voiden_lsp.cli.mcp import serve

        sys.exit(serve(args.root, http=args.http, allow_run=args.allow_run, env=args.env))
    if args.command in ("history", "diff"):
        from voiden_lsp.cli import history

        if args.command == "diff":
            colour = not args.no_color and sys.stdout.isatty()
            sys.exit(history.diff(args.file, args.name, args.against, args.ignore, color=colour))
        if args.target == "show" and args.rest and not Path("show").is_file():
            sys.exit(history.show(args.rest))
        sys.exit(_quiet_on_a_closed_pipe(lambda: history.list_history(Path(args.target), args.rest)))
    try:
        overrides = _parse_vars(args.var)
    except ValueError as exc:
        print(f"voiden: {exc}", file=sys.stderr)
        sys.exit(EXIT_USAGE)
    printer = (
        JsonPrinter()
        if getattr(args, "json", False)
        else TerminalPrinter(colour=False if getattr(args, "no_color", False) else None)
    )
    try:
        code = _dispatch(args, printer, overrides)
    except KeyboardInterrupt:
        print("\nvoiden: interrupted", file=sys.stderr)
        code = 130
    sys.exit(code)


def _dispatch(args: argparse.Namespace, printer: JsonPrinter | TerminalPrinter, overrides: dict[str, str]) -> int:
    if args.profile:
        args.env = f"{args.profile}/{args.env}" if args.env else args.profile  # profiles' environments are named so
    if args.command == "test":
        from voiden_lsp.cli.test import run_tests

        return run_tests(
            args.paths,
            env=args.env,
            overrides=overrides,
            jobs=args.jobs,
            reports=args.report,
            colour=False if args.no_color else None,
            update_snapshots=args.update_snapshots,
        )
    if args.command == "load":
        from voiden_lsp.cli.load import load

        return load(args, overrides)
    if args.command == "export":
        from voiden_lsp.cli.export import export_file

        return export_file(
            args.file, args.names, args.to, env=args.env, overrides=overrides, reveal=args.reveal_secrets
        )
    if args.command == "run":
        from voiden_lsp.cli.run import run

        return run(
            args.file,
            args.names,
            printer,
            env=args.env,
            overrides=overrides,
            fail_on_status=args.fail_on_status,
            history=not args.no_history,
        )
    from voiden_lsp.cli.demo import demo

    return demo(args, printer, overrides)


def _quiet_on_a_closed_pipe(work: Callable[[], int]) -> int:
    """`voiden import ... | head`: the reader left; stop quietly (what was written stays written)."""
    try:
        return work()
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error when Python flushes
        return 1


def _parse_vars(pairs: list[str]) -> dict[str, str]:
    values: dict[str, str] = {}
    for pair in pairs:
        name, eq, value = pair.partition("=")
        if not eq or not name:
            raise ValueError(f"--var takes NAME=VALUE, not `{pair}`")
        values[name.strip()] = value
    return values
