"""Semantic tokens (Neovim has no TextMate grammar): protocol words, metadata keys, methods, header names,
gRPC methods and template expressions; go to definition of a variable."""

from __future__ import annotations

import logging
import re
from itertools import islice
from pathlib import Path

from lsprotocol import types

from voiden_lsp.document import Document, Position, Range, Span
from voiden_lsp.server.server import VoidenServer, range_of
from voiden_lsp.templating import CONFIG_FILE, DOTENV_FILE, iter_templates, template_at

log = logging.getLogger(__name__)
TOKEN_TYPES = ["keyword", "decorator", "property", "method", "variable", "function", "macro"]
LEGEND = types.SemanticTokensLegend(token_types=TOKEN_TYPES, token_modifiers=[])
_INDEX = {name: i for i, name in enumerate(TOKEN_TYPES)}


MAX_TEMPLATE_TOKENS = 2000
"""Per piece of a request: past that a pasted line is not worth colouring template by template."""


def _template_tokens(span: Span | None) -> list[tuple[Range, str]]:
    if span is None:
        return []
    found: list[tuple[Range, str]] = []
    for template in islice(iter_templates(span.text), MAX_TEMPLATE_TOKENS):
        where = span.range_at(template.start, template.end)
        if where.start.line != where.end.line:
            continue
        expr = template.expr
        kind = "function" if expr.startswith("$faker.") else "macro" if expr.startswith("$") else "variable"
        found.append((where, kind))
    return found


def tokens(doc: Document) -> list[int]:
    found: list[tuple[Range, str]] = []
    for request in doc.requests:
        info = request.info_range
        word_end = info.start.character + len(request.protocol if request.protocol != "http" else "http")
        found.append((Range(info.start, Position(info.start.line, min(word_end, info.end.character))), "keyword"))
        found += [(m.key_range, "decorator") for m in request.metadata]
        if request.method and request.request_line_range is not None:
            start = request.request_line_range.start
            found.append((Range(start, Position(start.line, start.character + len(request.method))), "keyword"))
        if request.rpc is not None:
            found.append((request.rpc.range, "method"))
        found += [(h.name_range, "property") for h in request.headers]
        for span in (request.target, request.body, *(h.value for h in request.headers)):
            found += _template_tokens(span)
        for message in request.messages:
            found += _template_tokens(message.body)
    for message in doc.messages:
        if message.request is None:
            found += _template_tokens(message.body)
    data: list[int] = []
    previous = Position(0, 0)
    last_end = Position(-1, 0)
    for where, kind in sorted(found, key=lambda item: (item[0].start.line, item[0].start.character)):
        if where.start < last_end or where.end.line != where.start.line or where.end.character <= where.start.character:
            continue  # overlapping or empty
        line_delta = where.start.line - previous.line
        start_delta = where.start.character - (previous.character if line_delta == 0 else 0)
        data += [line_delta, start_delta, where.end.character - where.start.character, _INDEX[kind], 0]
        previous, last_end = where.start, where.end
    return data


def definition(ls: VoidenServer, uri: str, position: types.Position) -> list[types.Location]:
    """Where a variable is defined: the front matter, the environment in voiden.toml, or .env."""
    doc = ls.document(uri)
    pos = Position(position.line, position.character)
    request = doc.request_at(pos)
    spans: list[Span | None] = []
    if request is not None:
        spans = [request.target, request.body, *(h.value for h in request.headers), *(m.body for m in request.messages)]
    spans += [m.body for m in doc.messages if m.range.contains(pos)]
    name = None
    for span in spans:
        template = template_at(span, pos) if span is not None else None
        if template is not None:
            name = template.expr
    if name is None or name.startswith("$"):
        return []
    found = []
    if doc.front_matter is not None and name in doc.front_matter.vars:
        line = next(
            (
                i
                for i, text in enumerate(doc.text.splitlines()[: doc.front_matter.range.end.line])
                if re.match(rf"^\s+{re.escape(name)}\s*:", text)
            ),
            0,
        )
        found.append(types.Location(uri=uri, range=range_of(Range.of(line, 0))))
    root = ls.collection(uri).root
    for file_name, pattern in (
        (CONFIG_FILE, rf"^\s*{re.escape(name)}\s*="),
        (DOTENV_FILE, rf"^\s*(export\s+)?{re.escape(name)}\s*="),
    ):
        path = (root / file_name) if root else None
        if path is None or not path.is_file():
            continue
        for index, text in enumerate(Path(path).read_text(encoding="utf-8").splitlines()):
            if re.match(pattern, text):
                found.append(types.Location(uri=path.as_uri(), range=range_of(Range.of(index, 0))))
    return found


def register(server: VoidenServer) -> None:
    @server.feature(
        types.TEXT_DOCUMENT_SEMANTIC_TOKENS_FULL, types.SemanticTokensRegistrationOptions(legend=LEGEND, full=True)
    )
    async def semantic_tokens(ls: VoidenServer, params: types.SemanticTokensParams) -> types.SemanticTokens:
        try:
            return types.SemanticTokens(data=tokens(await ls.document_async(params.text_document.uri)))
        except Exception:
            log.exception("semantic tokens failed")
            return types.SemanticTokens(data=[])

    @server.feature(types.TEXT_DOCUMENT_DEFINITION)
    async def on_definition(ls: VoidenServer, params: types.DefinitionParams) -> list[types.Location]:
        try:
            await ls.document_async(params.text_document.uri)
            return definition(ls, params.text_document.uri, params.position)
        except Exception:
            log.exception("definition failed")
            return []
