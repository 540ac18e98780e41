"""`voiden run FILE [NAME...]`: a document's requests, all in order or the named ones."""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import Sequence
from pathlib import Path

from voiden_lsp.cli.output import EXIT_FAILED, EXIT_OK, EXIT_USAGE, JsonPrinter, TerminalPrinter
from voiden_lsp.document import Document
from voiden_lsp.errors import VoidenError
from voiden_lsp.events import STATUS
from voiden_lsp.formats import parse_document
from voiden_lsp.sessions import Runner, Session
from voiden_lsp.sessions.suite import limit_app_sockets
from voiden_lsp.templating import Collection, void_context


def run(
    path: Path,
    names: Sequence[str],
    printer: JsonPrinter | TerminalPrinter,
    *,
    env: str | None,
    overrides: dict[str, str],
    fail_on_status: bool,
    history: bool = True,
) -> int:
    return asyncio.run(
        run_file(path, names, printer, env=env, overrides=overrides, fail_on_status=fail_on_status, history=history)
    )


async def run_file(
    path: Path,
    names: Sequence[str],
    printer: JsonPrinter | TerminalPrinter,
    *,
    env: str | None = None,
    overrides: dict[str, str] | None = None,
    fail_on_status: bool = False,
    dotenv_files: tuple[str, ...] = (".env",),
    outcomes: list[tuple[str, str | None]] | None = None,
    history: bool = False,
) -> int:
    """Run a document's requests; the exit status: 0 all completed, 1 any failed, 2 bad usage. `outcomes`
    gets (request, why it failed or None) for each request run."""
    opened = open_document(path, dotenv_files)
    if opened is None:
        return EXIT_USAGE
    doc, collection = opened
    printer.problems(str(path), [p for p in doc.problems if p.severity != "info"])
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
        for warning in limit_app_sockets(doc, path):
            print(f"voiden: {warning}", file=sys.stderr)
    kept = None
    if history:
        from voiden_lsp.sessions.history import History

        kept = History(collection.root or path.resolve().parent, by="cli")
    runner = Runner(doc, path.resolve(), collection, env=env, overrides=overrides, sinks=[printer], history=kept)
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
        failure = Runner.failure(session, request)
        if failure is None and fail_on_status and _bad_status(session):
            failure = "a 4xx/5xx status (--fail-on-status)"
        failed |= failure is not None
        if outcomes is not None:
            outcomes.append((request.name, failure))
    if isinstance(printer, JsonPrinter):
        printer.flush()  # what a last timer would have written
    if kept is not None and kept.warning:
        print(f"voiden: warning: {kept.warning}", file=sys.stderr)
    return EXIT_FAILED if failed else EXIT_OK


def open_document(path: Path, dotenv_files: tuple[str, ...] = (".env",)) -> tuple[Document, Collection] | None:
    """A document and its collection read, or None once the reason is printed (exit 2 for the caller)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        print(f"voiden: cannot read {path}: {exc.strerror or exc}", file=sys.stderr)
        return None
    doc = parse_document(text, path.name, *void_context(path))
    try:
        return doc, Collection.load(path.resolve(), dotenv_files=dotenv_files)
    except VoidenError as exc:
        print(f"voiden: {exc.message}", file=sys.stderr)
        return None


def _bad_status(session: Session) -> bool:
    for event in session.log:
        if event.kind == STATUS:
            code = event.fields.get("code")
            if (isinstance(code, int) and code >= 400) or (isinstance(code, str) and code != "OK"):
                return True
    return False
