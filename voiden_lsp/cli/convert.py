"""`voiden convert FILE`: the `.voiden` document equivalent to a Voiden app `.void` file."""

from __future__ import annotations

import sys
from pathlib import Path

from voiden_lsp.cli.output import EXIT_OK, EXIT_USAGE
from voiden_lsp.formats import convert_void
from voiden_lsp.templating import void_context


def convert_file(path: Path, output: str | None) -> int:
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
