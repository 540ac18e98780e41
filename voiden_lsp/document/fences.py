"""A document's fenced blocks as the readers take them: each fence's word, attributes and lines with their
exact columns, headings between them; an info string that looks meant as a request but is not one is flagged."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from voiden_lsp.document import scanning
from voiden_lsp.document.markup import markdown_parser
from voiden_lsp.document.model import (
    EXPECT_WORD,
    MESSAGE_WORDS,
    PROTOCOL_ALIASES,
    VARIABLES_WORD,
    Position,
    Problem,
    Range,
    Severity,
    Span,
    utf16_len,
)

BLOCK_WORDS = frozenset({*MESSAGE_WORDS, EXPECT_WORD, VARIABLES_WORD})
"""Fence words that are not requests: blocks that belong to the request above."""
NOT_REQUESTS = frozenset({*BLOCK_WORDS, "#heading"})


@dataclass
class Line:
    text: str
    """The line as the block holds it (container prefixes removed)."""
    line: int
    col: int
    """UTF-16 column where `text` starts in the document line."""

    @property
    def stripped(self) -> str:
        return self.text.strip()

    def range(self, start: int = 0, end: int | None = None) -> Range:
        end = len(self.text) if end is None else end
        return Range(
            Position(self.line, self.col + utf16_len(self.text[:start])),
            Position(self.line, self.col + utf16_len(self.text[:end])),
        )

    def span(self, start: int, end: int) -> Span:
        return Span(self.text[start:end], self.range(start, end))

    def trimmed(self) -> tuple[int, int]:
        start = len(self.text) - len(self.text.lstrip())
        return start, len(self.text.rstrip())


@dataclass
class Fence:
    word: str
    attributes: dict[str, str]
    lines: list[Line]
    range: Range
    info_range: Range
    heading: str | None
    heading_level: int


@dataclass
class FenceReader:
    """Reads the fences of a text; what it finds wrong goes to `problems`."""

    text: str
    problems: list[Problem] = field(default_factory=list)
    source_lines: list[str] = field(default_factory=list)

    def problem(self, message: str, range: Range, severity: Severity = "error", code: str = "") -> None:
        self.problems.append(Problem(message, range, severity, code))

    def fences(self, md_text: str) -> list[Fence]:
        fences: list[Fence] = []
        heading: str | None = None
        level = 0
        tokens = markdown_parser().parse(md_text)
        for index, token in enumerate(tokens):
            if token.type == "heading_open" and token.map:
                inline = tokens[index + 1] if index + 1 < len(tokens) else None
                heading = inline.content.strip() if inline is not None else ""
                level = int(token.tag[1:]) if token.tag[1:].isdigit() else 1
                fences.append(
                    Fence(
                        "#heading",
                        {},
                        [],
                        Range.of(token.map[0], 0),
                        Range.of(token.map[0], 0),
                        heading,
                        level,
                    )
                )
            elif token.type == "fence" and token.map:
                fence = self._fence(token.info, token.content, token.map, heading, level)
                if fence is not None:
                    fences.append(fence)
        return fences

    def _fence(self, info: str, content: str, span: list[int], heading: str | None, level: int) -> Fence | None:
        words = [info[a:b] for a, b in scanning.tokens(info)]
        if not words:
            return None
        word = words[0].lower()
        start, end = span[0], max(span[0], span[1] - 1)
        first = self._source(start)
        info_col = first.find(words[0])
        info_range = Range.of(start, utf16_len(first[: max(info_col, 0)]), start, utf16_len(first.rstrip()))
        if word not in PROTOCOL_ALIASES and word not in BLOCK_WORDS:
            self._maybe_unknown_protocol(word, words[1:], info_range)
            return None
        attributes: dict[str, str] = {}
        for attr in words[1:]:
            key, eq, value = attr.partition("=")
            attributes[key] = value.strip("\"'") if eq else ""
        body_lines = content.split("\n")
        if body_lines and body_lines[-1] == "":
            body_lines.pop()
        lines: list[Line] = []
        for i, text in enumerate(body_lines):
            raw = self._source(start + 1 + i)
            if not raw.endswith(text):  # a tab in the fence's indentation, expanded to spaces by markdown-it
                text = text.lstrip() if raw.endswith(text.lstrip()) else raw
            col = len(raw) - len(text)
            lines.append(Line(text, start + 1 + i, utf16_len(raw[:col])))
        block_range = Range(Position(start, 0), Position(end, utf16_len(self._source(end))))
        canonical = word if word in BLOCK_WORDS else PROTOCOL_ALIASES[word]
        return Fence(canonical, attributes, lines, block_range, info_range, heading, level)

    def _source(self, line: int) -> str:
        return self.source_lines[line] if 0 <= line < len(self.source_lines) else ""

    def _maybe_unknown_protocol(self, word: str, rest: list[str], where: Range) -> None:
        """Flag info strings that look meant as requests; plain code fences (json, python) stay prose."""
        known = sorted(set(PROTOCOL_ALIASES) | BLOCK_WORDS)
        close = difflib.get_close_matches(word, known, n=1, cutoff=0.75) if len(word) >= 3 else []
        has_attributes = any("=" in attr for attr in rest)
        if close or has_attributes:
            hint = f"; did you mean `{close[0]}`?" if close else ""
            self.problem(
                f"unknown protocol word `{word}`: requests start with one of {', '.join(PROTOCOL_ALIASES)}{hint}",
                where,
                "warning" if not has_attributes else "error",
                code="unknown-protocol",
            )


def is_comment(stripped: str) -> bool:
    return stripped.startswith("#") or stripped.startswith("//")
