"""Document symbols (sections, requests, message blocks), folding ranges and workspace symbols."""

from __future__ import annotations

import logging
from pathlib import Path

from lsprotocol import types

from voiden_lsp.document import parse
from voiden_lsp.server.server import VoidenServer, range_of

log = logging.getLogger(__name__)
_KIND = {
    "http": types.SymbolKind.Function,
    "sse": types.SymbolKind.Event,
    "ws": types.SymbolKind.Interface,
    "grpc": types.SymbolKind.Method,
    "socketio": types.SymbolKind.Interface,
    "graphql": types.SymbolKind.Function,
}


def document_symbols(ls: VoidenServer, uri: str) -> list[types.DocumentSymbol]:
    doc = ls.document(uri)
    symbols = []
    for request in doc.requests:
        target = request.target.text.split("\n")[0] if request.target else ""
        detail = " ".join(
            part for part in (request.protocol, request.method, target, request.rpc.text if request.rpc else "") if part
        )
        children = [
            types.DocumentSymbol(
                name=m.id,
                kind=types.SymbolKind.String,
                range=range_of(m.range),
                selection_range=range_of(m.range),
                detail="message",
            )
            for m in request.messages
        ]
        symbols.append(
            types.DocumentSymbol(
                name=request.name,
                detail=detail,
                kind=_KIND[request.protocol],
                range=range_of(request.range),
                selection_range=range_of(request.info_range),
                children=children,
            )
        )
    return symbols


def folding(ls: VoidenServer, uri: str) -> list[types.FoldingRange]:
    doc = ls.document(uri)
    ranges = []
    if doc.front_matter is not None:
        ranges.append(
            types.FoldingRange(
                start_line=0, end_line=doc.front_matter.range.end.line, kind=types.FoldingRangeKind.Region
            )
        )
    for block_range in [r.range for r in doc.requests] + [m.range for m in doc.messages]:
        if block_range.end.line > block_range.start.line:
            ranges.append(
                types.FoldingRange(
                    start_line=block_range.start.line, end_line=block_range.end.line, kind=types.FoldingRangeKind.Region
                )
            )
    return ranges


def workspace_symbols(ls: VoidenServer, query: str) -> list[types.WorkspaceSymbol]:
    root = ls.workspace_root()
    if root is None:
        return []
    found = []
    for path in sorted(root.rglob("*.voiden"))[:2000]:
        if any(part.startswith(".") or part == "node_modules" for part in path.relative_to(root).parts):
            continue
        uri = path.as_uri()
        try:
            doc = ls.document(uri) if uri in ls.workspace.text_documents else parse(Path(path).read_text("utf-8"))
        except (OSError, UnicodeDecodeError):
            continue
        for request in doc.requests:
            if query.lower() in request.name.lower():
                found.append(
                    types.WorkspaceSymbol(
                        name=request.name,
                        kind=_KIND[request.protocol],
                        location=types.Location(uri=uri, range=range_of(request.range)),
                        container_name=path.name,
                    )
                )
    return found


def register(server: VoidenServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
    async def on_symbols(ls: VoidenServer, params: types.DocumentSymbolParams) -> list[types.DocumentSymbol]:
        try:
            await ls.document_async(params.text_document.uri)
            return document_symbols(ls, params.text_document.uri)
        except Exception:
            log.exception("document symbols failed")
            return []

    @server.feature(types.TEXT_DOCUMENT_FOLDING_RANGE)
    async def on_folding(ls: VoidenServer, params: types.FoldingRangeParams) -> list[types.FoldingRange]:
        try:
            await ls.document_async(params.text_document.uri)
            return folding(ls, params.text_document.uri)
        except Exception:
            log.exception("folding failed")
            return []

    @server.feature(types.WORKSPACE_SYMBOL)
    def on_workspace_symbols(ls: VoidenServer, params: types.WorkspaceSymbolParams) -> list[types.WorkspaceSymbol]:
        try:
            return workspace_symbols(ls, params.query)
        except Exception:
            log.exception("workspace symbols failed")
            return []
