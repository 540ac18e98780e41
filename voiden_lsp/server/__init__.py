"""The language server (stdio). This first cut publishes the parser's problems as diagnostics; the
features of the language-server issue (completion, hover, code lenses, commands) grow from here."""

from __future__ import annotations

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from voiden_lsp import __version__
from voiden_lsp.document import Problem, parse

_SEVERITY = {
    "error": types.DiagnosticSeverity.Error,
    "warning": types.DiagnosticSeverity.Warning,
    "info": types.DiagnosticSeverity.Information,
}


class VoidenServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("voiden-lsp", __version__)


def to_diagnostic(problem: Problem) -> types.Diagnostic:
    start, end = problem.range.start, problem.range.end
    return types.Diagnostic(
        range=types.Range(
            start=types.Position(start.line, start.character), end=types.Position(end.line, end.character)
        ),
        message=problem.message,
        severity=_SEVERITY[problem.severity],
        source="voiden",
        code=problem.code or None,
    )


def create_server() -> VoidenServer:
    server = VoidenServer()

    def publish(ls: VoidenServer, uri: str) -> None:
        document = ls.workspace.get_text_document(uri)
        diagnostics = [to_diagnostic(p) for p in parse(document.source).problems]
        ls.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics, version=document.version)
        )

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: VoidenServer, params: types.DidOpenTextDocumentParams) -> None:
        publish(ls, params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: VoidenServer, params: types.DidChangeTextDocumentParams) -> None:
        publish(ls, params.text_document.uri)

    return server


def main() -> None:
    create_server().start_io()
