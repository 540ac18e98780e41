"""`voiden export FILE [NAME...] --to curl|httpie|grpcurl|websocat|http`: requests as commands, on stdout.

Nothing is sent. A request that reads another's response (`{{login.response.body.token}}`) cannot be
resolved without sending that one: it is reported, the others are still written (exit 1)."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from voiden_lsp.cli.output import EXIT_FAILED, EXIT_OK, EXIT_USAGE
from voiden_lsp.cli.run import open_document
from voiden_lsp.errors import VoidenError
from voiden_lsp.formats.export import ExportError
from voiden_lsp.sessions import Runner
from voiden_lsp.sessions.exporting import export


def export_file(
    path: Path,
    names: Sequence[str],
    to: str,
    *,
    env: str | None = None,
    overrides: dict[str, str] | None = None,
    reveal: bool = False,
) -> int:
    opened = open_document(path)
    if opened is None:
        return EXIT_USAGE
    doc, collection = opened
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
    failed = False
    written: list[str] = []
    for request in requests:
        try:
            exported = export(runner, request, to, reveal=reveal)
            for note in exported.notes:
                print(f"voiden: `{request.name}`: {note}", file=sys.stderr)
            written.append(exported.text.rstrip("\n"))
        except (VoidenError, ExportError) as exc:
            failed = True
            message = exc.message if isinstance(exc, VoidenError) else str(exc)
            print(f"voiden: {path}: `{request.name}` not exported: {message}", file=sys.stderr)
    if written:
        print("\n\n".join(written))
    return EXIT_FAILED if failed else EXIT_OK
