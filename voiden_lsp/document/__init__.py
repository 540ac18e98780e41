"""The .voiden document model: pure, total, with exact LSP ranges. No sockets, no LSP types."""

from voiden_lsp.document.markup import slugify
from voiden_lsp.document.model import (
    LIVE_PROTOCOLS,
    PROTOCOLS,
    BadExpectation,
    Capture,
    Document,
    Expectation,
    ExpectBlock,
    FrontMatter,
    Header,
    MessageBlock,
    Metadata,
    Position,
    Problem,
    Range,
    Request,
    Span,
    Subject,
    split_lines,
    utf16_len,
)
from voiden_lsp.document.parser import parse
from voiden_lsp.document.reading import METADATA_KEYS
from voiden_lsp.document.values import parse_duration, parse_size

__all__ = [
    "LIVE_PROTOCOLS",
    "METADATA_KEYS",
    "PROTOCOLS",
    "BadExpectation",
    "Capture",
    "Document",
    "ExpectBlock",
    "Expectation",
    "FrontMatter",
    "Header",
    "MessageBlock",
    "Metadata",
    "Position",
    "Problem",
    "Range",
    "Request",
    "Span",
    "Subject",
    "parse",
    "parse_duration",
    "parse_size",
    "slugify",
    "split_lines",
    "utf16_len",
]
