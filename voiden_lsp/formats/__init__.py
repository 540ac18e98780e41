"""Every format other than our own document model, in or out: the Voiden app's `.void` files and the one
writer of `.voiden` text. Pure: text in, a `Document` or text out; no sockets, no LSP types."""

from voiden_lsp.formats.void import parse_document, parse_void
from voiden_lsp.formats.voiden import convert_void, render_request

__all__ = ["convert_void", "parse_document", "parse_void", "render_request"]
