"""`voiden export FILE [NAME...] --to curl|httpie|grpcurl|websocat|http`: requests as commands, on stdout.

Nothing is sent. A request that reads another's response (`{{login.response.body.token}}`) cannot be
resolved without sending that one: it is reported, the others are still written (exit 1)."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from voiden_lsp.cli.output import EXIT_FAILED, EXIT_OK, EXIT_USAGE
from voiden_lsp.document import Request
from voiden_lsp.errors import VoidenError
from voiden_lsp.formats import parse_document
from voiden_lsp.formats.export import ExportError, Secrets, export_request
from voiden_lsp.sessions import Runner
from voiden_lsp.templating import Collection, iter_templates, render_message, render_request, void_context


def export_file(
    path: Path,
    names: Sequence[str],
    to: str,
    *,
    env: str | None = None,
    overrides: dict[str, str] | None = None,
    reveal: bool = False,
) -> int:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        print(f"voiden: cannot read {path}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_USAGE
    doc = parse_document(text, path.name, *void_context(path))
    try:
        collection = Collection.load(path.resolve())
    except VoidenError as exc:
        print(f"voiden: {exc.message}", file=sys.stderr)
        return EXIT_USAGE
    unknown = [n for n in names if doc.request(n) is None]
    if unknown:
        known = ", ".join(r.name for r in doc.requests) or "none"
        print(f"voiden: no request named {', '.join(unknown)} in {path} (requests: {known})", file=sys.stderr)
        return EXIT_USAGE
    requests = [r for n in names if (r := doc.request(n)) is not None] if names else doc.requests
    if not requests:
        print(f"voiden: {path} has no requests", file=sys.stderr)
        return EXIT_USAGE
    runner = Runner(doc, path.resolve(), collection, env=env, overrides=overrides)
    named = {**collection.private, **collection.dotenv}
    secrets = Secrets({value: name for name, value in named.items()}, reveal=reveal)
    failed = False
    written: list[str] = []
    for request in requests:
        try:
            written.append(_export_one(runner, request, to, secrets))
        except (VoidenError, ExportError) as exc:
            failed = True
            message = exc.message if isinstance(exc, VoidenError) else str(exc)
            print(f"voiden: {path}: `{request.name}` not exported: {message}", file=sys.stderr)
    if written:
        print("\n\n".join(written))
    return EXIT_FAILED if failed else EXIT_OK


def _export_one(runner: Runner, request: Request, to: str, secrets: Secrets) -> str:
    blocking = [p for p in runner.doc.problems if p.severity == "error" and request.range.contains(p.range.start)]
    if blocking:
        raise ExportError(blocking[0].message)
    lines = runner.doc.text.splitlines()[request.range.start.line : request.range.end.line + 1]
    texts = ["\n".join(lines)] + [block.body.text for block in request.messages]
    scope = runner.scope(request)
    try:
        resolved = render_request(request, scope)
        messages = [render_message(block, scope, request.protocol) for block in request.messages]
    except VoidenError:
        reads = [t.expr for text in texts for t in iter_templates(text) if ".response." in t.expr]
        if reads:
            raise ExportError(
                f"it reads another request's response ({{{{{reads[0]}}}}}), and export sends nothing: "
                "run that request with `voiden run`, or write the value into the request"
            ) from None
        raise
    fresh = list(dict.fromkeys(t.expr for text in texts for t in iter_templates(text) if t.expr.startswith("$")))
    exported = export_request(resolved, to, secrets, messages=messages, fresh=fresh)
    for note in exported.notes:
        print(f"voiden: `{request.name}`: {note}", file=sys.stderr)
    return exported.text.rstrip("\n")
