"""`voiden import SOURCE... [--from FORMAT] [--out DIR] [--force]`: other formats as `.voiden` documents.

Formats so far: `curl` (command lines: a file or `-` for a paste on standard input) and `void` (the Voiden
app's files, as `voiden convert`). Exit 0 when everything carried over, 1 when anything was carried over only
as a note (all else written), 2 when a source cannot be read at all or a file would be overwritten."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

from voiden_lsp.cli.output import EXIT_FAILED, EXIT_OK, EXIT_USAGE
from voiden_lsp.formats import convert_void
from voiden_lsp.formats.bru import BrunoError
from voiden_lsp.formats.bruno import looks_like_bruno, read_bruno
from voiden_lsp.formats.building import Written
from voiden_lsp.formats.commands import looks_like_command, read_commands
from voiden_lsp.formats.curl import CurlError
from voiden_lsp.formats.dothttp import looks_like_http, read_http, read_http_env
from voiden_lsp.formats.insomnia import InsomniaError, looks_like_insomnia, read_insomnia
from voiden_lsp.formats.openapi import read_openapi
from voiden_lsp.formats.openapi_files import OpenApiError, load_text, looks_like_openapi
from voiden_lsp.formats.postman import PostmanError, looks_like_postman, read_postman
from voiden_lsp.formats.postman_v3 import looks_like_postman_v3, read_postman_v3
from voiden_lsp.formats.voiden import render_document
from voiden_lsp.templating import CONFIG_FILE, dotenv_value, parse_dotenv, void_context

FORMATS = ("bruno", "curl", "grpcurl", "http", "insomnia", "openapi", "postman", "void", "websocat")
MAX_SOURCE = 16 * 1024 * 1024
MAX_NOTES_SHOWN = 50
ENV_FILES = ("http-client.env.json", "http-client.private.env.json")


def import_sources(sources: list[str], fmt: str | None, out: Path, force: bool) -> int:
    worst = EXIT_OK
    for source in sources:
        worst = max(worst, _import(source, fmt, out, force))
    return worst


def _import(source: str, fmt: str | None, out: Path, force: bool) -> int:
    where = "standard input" if source == "-" else source
    if fmt == "bruno" or (fmt is None and source != "-" and looks_like_bruno(Path(source))):
        return _import_bruno(Path(source), out, force)
    if (
        source != "-"
        and Path(source).is_dir()
        and (fmt == "postman" or (fmt is None and looks_like_postman_v3(Path(source))))
    ):
        return _import_postman_v3(Path(source), out, force)
    try:
        if source == "-":
            text = sys.stdin.read(MAX_SOURCE + 1)
        else:
            path = Path(source)
            if path.is_file() and path.stat().st_size > MAX_SOURCE:
                raise ValueError(f"it is over {MAX_SOURCE // (1024 * 1024)} MB")
            text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        print(f"voiden: cannot read {where}: {getattr(exc, 'strerror', None) or exc}", file=sys.stderr)
        return EXIT_USAGE
    kind = fmt or _detect(source, text)
    if kind is None:
        print(f"voiden: cannot tell the format of {where}: pass --from ({', '.join(FORMATS)})", file=sys.stderr)
        return EXIT_USAGE
    if kind == "postman":
        return _import_postman(text, where, out, force)
    if kind == "insomnia":
        return _import_insomnia(text, where, out, force)
    if kind == "openapi":
        return _import_openapi(source, where, out, force)
    if kind == "http":
        return _import_http(source, text, where, out, force)
    stem = "imported" if source == "-" else Path(source).stem
    target = out / f"{stem}.voiden"
    if target.exists() and not force:
        print(f"voiden: {target} exists: pass --force to overwrite it", file=sys.stderr)
        return EXIT_USAGE
    if kind == "void":
        written = convert_void(text, *void_context(Path(source).resolve()))
        notes: list[str] = []
        count = sum(1 for line in written.splitlines() if re.match(r"```(http|sse|ws|grpc|socketio|graphql)\b", line))
    else:
        try:
            imported = read_commands(text)
        except CurlError as exc:
            print(f"voiden: {where}: {exc}", file=sys.stderr)
            return EXIT_USAGE
        title = f"Imported from {'a pasted command' if source == '-' else Path(source).name}"
        written = render_document(title, imported)
        notes = [f"{i.request.name}: {note}" for i in imported for note in i.notes]
        count = len(imported)
    secrets: dict[str, str] = {}
    if kind != "void":
        secrets, renames = _settle_secrets(out, {k: v for i in imported for k, v in i.secrets.items()})
        written = _renamed(written, renames)
    out.mkdir(parents=True, exist_ok=True)
    target.write_text(written, encoding="utf-8")
    _keep_secrets(out, secrets)
    plural = ("s" if count != 1 else "", "s" if len(notes) != 1 else "")
    print(f"voiden: wrote {target}: {count} request{plural[0]}, {len(notes)} note{plural[1]}")
    for note in notes:
        print(f"  note: {note}")
    return EXIT_FAILED if notes else EXIT_OK


def _detect(source: str, text: str) -> str | None:
    if source.endswith(".void"):
        return "void"
    if source.endswith((".http", ".rest")):
        return "http"
    if looks_like_command(text):
        return text.split()[0].lstrip("$") if text.split()[0] in ("grpcurl", "websocat") else "curl"
    if text.lstrip().startswith("{"):
        try:
            data = json.loads(text)
        except (ValueError, RecursionError):
            return None
        if looks_like_insomnia(data):
            return "insomnia"
        return "postman" if looks_like_postman(data) else "openapi" if looks_like_openapi(data) else None
    if re.search(r"^(?:_type:\s*export|type:\s*collection\.insomnia\.rest/)", text, re.MULTILINE):
        return "insomnia"
    if re.search(r"^openapi:\s*['\"]?3\.", text, re.MULTILINE):
        return "openapi"
    return "http" if looks_like_http(text) else None


def _import_postman(text: str, where: str, out: Path, force: bool) -> int:
    try:
        imported = read_postman(text, Path(where).stem)
    except PostmanError as exc:
        print(f"voiden: {where}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    return _write(where, out, force, imported.documents, imported.environments, secrets=imported.secrets)


def _import_insomnia(text: str, where: str, out: Path, force: bool) -> int:
    try:
        imported = read_insomnia(load_text(text, where))
    except (InsomniaError, OpenApiError) as exc:
        print(f"voiden: {where}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    return _write(where, out, force, imported.documents, imported.environments, secrets=imported.secrets)


def _import_bruno(source: Path, out: Path, force: bool) -> int:
    if not source.exists():
        print(f"voiden: cannot read {source}: no such file or folder", file=sys.stderr)
        return EXIT_USAGE
    try:
        imported = read_bruno(source)
    except (BrunoError, OSError) as exc:
        print(f"voiden: {exc}", file=sys.stderr)
        return EXIT_USAGE
    secrets = dict(imported.secrets)
    dotenv = (source if source.is_dir() else source.parent) / ".env"  # what {{process.env.X}} reads
    if dotenv.is_file():
        secrets = {**parse_dotenv(dotenv.read_text(encoding="utf-8", errors="replace")), **secrets}
    return _write(
        str(source),
        out,
        force,
        imported.documents,
        imported.environments,
        secrets=secrets,
        example_names=imported.secret_names,
    )


def _import_postman_v3(source: Path, out: Path, force: bool) -> int:
    try:
        imported = read_postman_v3(source)
    except (PostmanError, OSError) as exc:
        print(f"voiden: {exc}", file=sys.stderr)
        return EXIT_USAGE
    return _write(str(source), out, force, imported.documents, imported.environments, secrets=imported.secrets)


def _import_openapi(source: str, where: str, out: Path, force: bool) -> int:
    if source == "-":
        print("voiden: an OpenAPI spec is read from its file (its $refs are relative to it), not from stdin",
              file=sys.stderr)  # fmt: skip
        return EXIT_USAGE
    try:
        imported = read_openapi(Path(source))
    except OpenApiError as exc:
        print(f"voiden: {exc}", file=sys.stderr)
        return EXIT_USAGE
    return _write(
        where,
        out,
        force,
        imported.documents,
        imported.environments,
        default_env=imported.default_env,
        example_names=imported.secret_names,
        notes=imported.notes,
    )


def _import_http(source: str, text: str, where: str, out: Path, force: bool) -> int:
    title = "imported" if source == "-" else Path(source).stem
    document, secrets = read_http(text, title)
    environments: dict[str, dict[str, str]] = {}
    if source != "-":  # the JetBrains environment files beside it
        folder = Path(source).parent
        public, private = (_json_file(folder / name) for name in ENV_FILES)
        if public or private:
            environments, private_values = read_http_env(public or {}, private)
            secrets = {**secrets, **private_values}
    return _write(where, out, force, [document], environments, secrets=secrets)


def _json_file(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None
    except (OSError, ValueError, RecursionError):
        print(f"voiden: {path} is not JSON: left out", file=sys.stderr)
        return None
    return data if isinstance(data, dict) else None


def _write(
    where: str,
    out: Path,
    force: bool,
    documents: list[Written],
    environments: dict[str, dict[str, str]],
    *,
    secrets: dict[str, str] | None = None,
    default_env: str | None = None,
    example_names: list[str] | None = None,
    notes: list[str] | None = None,
) -> int:
    """An importer's documents into `out` (the collection root), its environments into `voiden.toml`, its
    secrets into `.env` and the names it reads into `.env.example`; the summary on the terminal."""
    written = [d for d in documents if d.path]
    targets = [out / d.path for d in written]
    existing = [t for t in targets if t.exists()]
    if existing and not force:
        print(f"voiden: {existing[0]} exists: pass --force to overwrite it", file=sys.stderr)
        return EXIT_USAGE
    notes = [*(notes or []), *(note for d in documents for note in d.notes)]
    secrets, renames = _settle_secrets(out, secrets or {})
    for document, target in zip(written, targets, strict=True):
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(_renamed(document.text, renames), encoding="utf-8")
        plural = ("s" if document.requests != 1 else "", "s" if len(document.notes) != 1 else "")
        print(f"voiden: wrote {target}: {document.requests} request{plural[0]}, {len(document.notes)} note{plural[1]}")
    out.mkdir(parents=True, exist_ok=True)
    config = out / CONFIG_FILE
    if not config.exists() and written:  # the folder becomes the collection root: `.env` is read from there
        head = f"# The collection root, written by `voiden import` from {Path(where).name}.\n"
        config.write_text(head + (f'default_env = "{default_env}"\n' if default_env else ""), encoding="utf-8")
    for name, values in environments.items():
        _add_environment(out, name, values)
    _keep_secrets(out, secrets)
    _keep_example_names(out, example_names or [])
    for note in notes[:MAX_NOTES_SHOWN]:
        print(f"  note: {note}")
    if len(notes) > MAX_NOTES_SHOWN:
        print(f"  ... and {len(notes) - MAX_NOTES_SHOWN:,} more notes, each above its request in the documents")
    return EXIT_FAILED if notes else EXIT_OK


def _add_environment(out: Path, name: str, values: dict[str, str]) -> None:
    """A Postman environment as `[env.NAME]` of `voiden.toml` (kept as it is when it has one of that name)."""
    config = out / CONFIG_FILE
    text = config.read_text(encoding="utf-8") if config.is_file() else ""
    if re.search(rf"^\[env\.{re.escape(name)}\]", text, re.MULTILINE):
        print(f"voiden: {config} has [env.{name}] already: left as it is", file=sys.stderr)
        return
    rows = [
        f"{k if re.fullmatch(r'[A-Za-z0-9_-]+', k) else json.dumps(k)} = {json.dumps(v)}" for k, v in values.items()
    ]
    block = "\n".join([f"[env.{name}]", *rows])
    out.mkdir(parents=True, exist_ok=True)
    config.write_text((text.rstrip() + "\n\n" if text.strip() else "") + block + "\n", encoding="utf-8")
    print(f"voiden: wrote [env.{name}] ({len(values)} variables) into {config}: select it with --env {name}")


def _keep_example_names(out: Path, names: list[str]) -> None:
    """The secrets the documents read, by name and without values, into `.env.example` (which git keeps):
    an undefined one then says to copy it to `.env` and fill it in."""
    if not names:
        return
    example = out / ".env.example"
    lines = example.read_text(encoding="utf-8").splitlines() if example.is_file() else []
    known = {line.split("=", 1)[0].strip() for line in lines if "=" in line}
    added = [f"{name}=" for name in names if name not in known]
    if added:
        example.write_text("\n".join([*lines, *added]) + "\n", encoding="utf-8")
        print(f"voiden: the secrets it reads are named in {example} ({', '.join(names)}): copy it to .env and fill in")


def _settle_secrets(out: Path, secrets: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """Names for the secrets that `.env` in `out` does not hold with another value: a name taken there by a
    different value (an earlier import's) becomes NAME_2, NAME_3... The secrets by their final names, and
    the renames (old -> new) for the documents that read them."""
    dotenv = out / ".env"
    known = parse_dotenv(dotenv.read_text(encoding="utf-8", errors="replace")) if dotenv.is_file() else {}
    settled: dict[str, str] = {}
    renames: dict[str, str] = {}
    for name, value in secrets.items():
        final, n = name, 2
        while (final in known and known[final] != value) or (final in settled and settled[final] != value):
            final, n = f"{name}_{n}", n + 1
        settled[final] = value
        if final != name:
            renames[name] = final
    return settled, renames


def _renamed(text: str, renames: dict[str, str]) -> str:
    for old, new in renames.items():
        text = text.replace("{{" + old + "}}", "{{" + new + "}}")
    return text


def _keep_secrets(out: Path, secrets: dict[str, str]) -> None:
    """The credentials into `.env` beside the documents (`_settle_secrets` named them so that no value there
    changes), and `.env` into `.gitignore`: secrets never go into a document or into git."""
    if not secrets:
        return
    dotenv = out / ".env"
    lines = dotenv.read_text(encoding="utf-8").splitlines() if dotenv.is_file() else []
    known = {line.split("=", 1)[0].strip() for line in lines if "=" in line}
    added = [f"{name}={dotenv_value(value)}" for name, value in secrets.items() if name not in known]
    if added:
        dotenv.write_text("\n".join([*lines, *added]) + "\n", encoding="utf-8")
        print(f"voiden: the credentials are in {dotenv} ({', '.join(secrets)}), never in a document")
    ignore = out / ".gitignore"
    ignored = ignore.read_text(encoding="utf-8").splitlines() if ignore.is_file() else []
    if ".env" not in (line.strip() for line in ignored):
        ignore.write_text("\n".join([*ignored, ".env"]) + "\n", encoding="utf-8")
