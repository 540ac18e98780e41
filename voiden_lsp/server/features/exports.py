"""Requests as commands and commands as requests, in the editor: `voiden.export` (what "Copy as curl /
grpcurl / websocat / HTTPie / .http" asks for; the client puts the text on its clipboard), and "Convert to a
request" for a line or a ```sh block that holds a curl, grpcurl, websocat or wscat command (the command's
credentials go to `.env`)."""

from __future__ import annotations

import logging
import re

from lsprotocol import types

from voiden_lsp.document import Range
from voiden_lsp.errors import VoidenError
from voiden_lsp.formats.commands import looks_like_command, read_commands
from voiden_lsp.formats.curl import CurlError
from voiden_lsp.formats.export import SUPPORTS, TARGETS, ExportError
from voiden_lsp.formats.voiden import render_imported
from voiden_lsp.server import protocol
from voiden_lsp.server.features.sessions import request_named
from voiden_lsp.server.rpc import UserError
from voiden_lsp.server.server import VoidenServer, range_of
from voiden_lsp.sessions.exporting import export
from voiden_lsp.templating import dotenv_value

log = logging.getLogger(__name__)

TITLES = {"curl": "curl", "httpie": "HTTPie", "grpcurl": "grpcurl", "websocat": "websocat", "http": ".http"}
_SHELL_FENCE = re.compile(r"^\s*(`{3,}|~{3,})\s*(sh|bash|shell|zsh|console)?\s*$")
"""A fence whose block may hold a command: a shell's, or none named."""


def copy_actions(ls: VoidenServer, uri: str, where: types.Range) -> list[types.Command]:
    """ "Copy `NAME` as ..." for the request under the cursor, one per target that can send its protocol."""
    doc = ls.document(uri)
    line = where.start.line
    request = next((r for r in doc.requests if r.range.start.line <= line <= r.range.end.line), None)
    if request is None:
        return []
    protocol_name = request.protocol
    target = request.target.text if request.target is not None else ""
    dialect = protocol_name == "grpc" and target.startswith(("http://", "https://"))
    if dialect and all(m.value != "grpc" for m in request.metadata if m.key == "protocol"):
        return []  # Connect or gRPC-Web: grpcurl and the .http format speak plain gRPC only
    return [
        types.Command(f"Copy `{request.name}` as {TITLES[to]}", protocol.CMD_COPY_AS, arguments=[uri, request.name, to])
        for to in TARGETS
        if protocol_name in SUPPORTS[to]
    ]


def _command_at(lines: list[str], line: int) -> tuple[int, int, str] | None:
    """The command under the cursor (curl, grpcurl, websocat...): a whole ```sh block (its fences in the
    range), or the line with the lines it continues with a trailing `\\`. (first line, last line, text)."""
    if not 0 <= line < len(lines):
        return None
    opened: int | None = None  # the fence a line sits in, found from the top: an opener and a closer look alike
    for i in range(line + 1):
        if lines[i].lstrip().startswith(("```", "~~~")):
            opened = i if opened is None else None
    if opened is not None or lines[line].lstrip().startswith(("```", "~~~")):
        start = opened if opened is not None else line
        match = _SHELL_FENCE.match(lines[start])
        end = next((i for i in range(start + 1, len(lines)) if lines[i].lstrip().startswith(("```", "~~~"))), -1)
        if match is None or end < line:
            return None
        text = "\n".join(lines[start + 1 : end])
        return (start, end, text) if looks_like_command(text) else None
    first = line
    while first > 0 and lines[first - 1].rstrip().endswith("\\"):
        first -= 1
    last = line
    while last + 1 < len(lines) and lines[last].rstrip().endswith("\\"):
        last += 1
    text = "\n".join(lines[first : last + 1])
    return (first, last, text) if looks_like_command(text) else None


def convert_actions(ls: VoidenServer, uri: str, where: types.Range) -> list[types.CodeAction]:
    """ "Convert to a request": the command under the cursor replaced in place by the request(s) it
    makes, outside any request block; its credentials appended to `.env` under fresh names."""
    doc = ls.document(uri)
    line = where.start.line
    if any(r.range.start.line <= line <= r.range.end.line for r in doc.requests):
        return []
    lines = doc.text.splitlines()
    found = _command_at(lines, line)
    if found is None:
        return []
    first, last, text = found
    try:
        imported = read_commands(text)
    except CurlError as exc:
        log.info("not a command to convert: %s", exc)
        return []
    path = ls.path_of(uri)
    dotenv = path.parent / ".env" if path is not None else None
    existing = dotenv.read_text(encoding="utf-8") if dotenv is not None and dotenv.is_file() else ""
    taken = {row.split("=", 1)[0].strip() for row in existing.splitlines() if "=" in row}
    blocks: list[str] = []
    secrets: list[str] = []
    for item in imported:
        block = render_imported(item)
        for name, value in item.secrets.items():
            fresh, n = name, 1
            while fresh in taken:
                n += 1
                fresh = f"{name}_{n}"
            taken.add(fresh)
            block = block.replace("{{" + name + "}}", "{{" + fresh + "}}")
            secrets.append(f"{fresh}={dotenv_value(value)}")
        notes = "".join(f"> Not carried over: {note}\n" for note in item.notes)
        blocks.append(notes + block.rstrip("\n"))
    replace = types.TextEdit(range_of(Range.of(first, 0, last, len(lines[last]))), "\n\n".join(blocks))
    changes: list[types.TextDocumentEdit | types.CreateFile] = []
    version = ls.workspace.get_text_document(uri).version
    changes.append(types.TextDocumentEdit(types.OptionalVersionedTextDocumentIdentifier(uri, version), [replace]))
    if secrets and dotenv is not None:
        env_uri = dotenv.as_uri()
        if not dotenv.is_file():
            changes.append(types.CreateFile(uri=env_uri, options=types.CreateFileOptions(ignore_if_exists=True)))
        rows = existing.splitlines()
        end = types.Position(len(rows), 0)
        prefix = "" if not existing or existing.endswith("\n") else "\n"
        insert = types.TextEdit(types.Range(end, end), prefix + "\n".join(secrets) + "\n")
        if prefix:
            end = types.Position(len(rows) - 1, len(rows[-1]))
            insert = types.TextEdit(types.Range(end, end), prefix + "\n".join(secrets) + "\n")
        changes.append(types.TextDocumentEdit(types.OptionalVersionedTextDocumentIdentifier(env_uri, None), [insert]))
    count = len(imported)
    title = "Convert to a request" if count == 1 else f"Convert to {count} requests"
    if secrets:
        title += " (credentials to .env)"
    return [
        types.CodeAction(
            title=title,
            kind=types.CodeActionKind.RefactorRewrite,
            edit=types.WorkspaceEdit(document_changes=changes),
        )
    ]


def register(server: VoidenServer) -> None:
    @server.command(protocol.CMD_EXPORT)
    def export_command(ls: VoidenServer, uri: str, name: str, to: str) -> dict[str, object]:
        if to not in TARGETS:
            raise UserError(f"no exporter `{to}`: choose one of {', '.join(TARGETS)}")
        request = request_named(ls, uri, name)
        try:
            exported = export(ls.runner(uri), request, to)
        except ExportError as exc:
            raise UserError(f"`{name}` cannot be copied as {TITLES[to]}: {exc}") from None
        except VoidenError as exc:
            raise UserError(f"`{name}` cannot be copied as {TITLES[to]}: {exc.message}") from None
        return {"text": exported.text, "notes": exported.notes}
