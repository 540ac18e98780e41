"""The .voiden document model: pure, total, with exact LSP ranges. No sockets, no LSP types."""

from voiden_lsp.document.model import (
    LIVE_PROTOCOLS,
    PROTOCOLS,
    Capture,
    Document,
    FrontMatter,
    Header,
    MessageBlock,
    Metadata,
    Position,
    Problem,
    Range,
    Request,
    Span,
    split_lines,
    utf16_len,
)
from voiden_lsp.document.parser import METADATA_KEYS, parse, slugify
from voiden_lsp.document.values import parse_duration, parse_size

__all__ = [
    "LIVE_PROTOCOLS",
    "METADATA_KEYS",
    "PROTOCOLS",
    "Capture",
    "Document",
    "FrontMatter",
    "Header",
    "MessageBlock",
    "Metadata",
    "Position",
    "Problem",
    "Range",
    "Request",
    "Span",
    "parse",
    "parse_duration",
    "parse_size",
    "slugify",
    "split_lines",
    "utf16_len",
]
