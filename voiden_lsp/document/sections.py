"""Sections, parsed once per text, and placed where they are now.

A document is cut before each ATX heading that starts at column 0 outside a fenced code block and an
HTML block: there Markdown's block structure starts afresh (a heading closes every open paragraph, list
and block quote), so each piece parses alone exactly as it does inside the whole. A piece is parsed with
line numbers from its own first line and kept by its text; an edit re-parses the piece it touched, and the
others are only moved to the lines they are on now. This keeps diagnostics within budget on 10,000 lines."""

from __future__ import annotations

import copy
import logging
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass

from voiden_lsp.document.fences import NOT_REQUESTS, Fence, Line
from voiden_lsp.document.model import Header, Metadata, Problem, Request
from voiden_lsp.document.reading import RequestReader

log = logging.getLogger(__name__)

_HEADING_LINE = re.compile(r"#{1,6}(?:[ \t]|$)")
_MAYBE_BLOCK = re.compile(r" {0,3}[`~<]")
_FENCE_LINE = re.compile(r" {0,3}(`{3,}|~{3,})(.*)$")
_HTML_START = re.compile(r" {0,3}<(!--|\?|!\[CDATA\[|![A-Za-z]|(?:script|pre|style|textarea)(?=[\s>]|$))?", re.I)
_HTML_END = {"!--": "-->", "?": "?>", "![cdata[": "]]>"}
_RAW_HTML_END = re.compile(r"</(?:script|pre|style|textarea)>", re.IGNORECASE)
_BLANK_LINE = re.compile(r"^[ \t]*$")
"""Any other line starting with `<` may open an HTML block that a blank line ends (CommonMark kinds 6 and 7)."""


def _section_starts(lines: list[str]) -> list[int]:
    """Line numbers where the document can be cut (always 0 first). Where it cannot tell whether a fence
    opens (a fence line inside what may be an HTML block or a paragraph), the rest stays one piece."""
    starts = [0]
    fence: tuple[str, int, int] | None = None
    html_end: str | re.Pattern[str] | None = None
    html_sure = False
    for number, line in enumerate(lines):
        if fence is not None:
            if fence[2] and line.strip() and len(line) - len(line.lstrip(" ")) < fence[2]:
                return starts  # an indented fence may sit in a list item, which this line would end
            match = _FENCE_LINE.match(line)
            if match and match.group(1)[0] == fence[0] and len(match.group(1)) >= fence[1]:
                fence = None if not match.group(2).strip() else fence
            continue
        if html_end is not None:
            if not html_sure and _FENCE_LINE.match(line):
                return starts
            if _html_ended(line, html_end):
                html_end = None
            continue
        if line.startswith("#"):
            if number > 0 and _HEADING_LINE.match(line):
                starts.append(number)
        elif not _MAYBE_BLOCK.match(line):
            continue
        elif match := _FENCE_LINE.match(line):
            marker, info = match.group(1), match.group(2)
            if not (marker[0] == "`" and "`" in info):  # a backtick in the info string: not a fence
                fence = (marker[0], len(marker), len(line) - len(line.lstrip(" ")))
        elif match := _HTML_START.match(line):
            opener = (match.group(1) or "").lower()
            # Kinds 1-5 at column 0 always open a block; other tags (or indented ones, which may sit in a
            # list item) depend on the lines before.
            html_sure = bool(opener) and line.startswith("<")
            end: str | re.Pattern[str] = (
                _BLANK_LINE if not opener else _HTML_END.get(opener, ">" if opener.startswith("!") else _RAW_HTML_END)
            )
            if end is _BLANK_LINE or not _html_ended(line[match.end() :], end):
                html_end = end
    return starts


def _html_ended(text: str, end: str | re.Pattern[str]) -> bool:
    return end in text if isinstance(end, str) else end.search(text) is not None  # a blank line matches ^$


@dataclass
class _Placed:
    """A section's parse on the lines it is on: never changed once made."""

    line: int
    fences: list[Fence]
    requests: list[tuple[int, Request]]
    """(index in `fences`, request) for each request fence."""
    problems: list[Problem]


@dataclass
class _Part:
    """A section parsed once, and where it was last placed (sections below an edit move as lines are added)."""

    parsed: _Placed
    last: _Placed | None = None

    def placed(self, line: int) -> _Placed:
        last = self.last  # read once: another thread may place the same text elsewhere meanwhile
        if last is None or last.line != line:
            parsed, lines = self.parsed, line - self.parsed.line
            last = _Placed(
                line,
                [_moved_fence(fence, lines) for fence in parsed.fences],
                [(i, _moved_request(request, lines)) for i, request in parsed.requests],
                [problem.moved(lines) for problem in parsed.problems],
            )
            self.last = last
        return last


_PARTS: OrderedDict[str, _Part] = OrderedDict()
_PARTS_LOCK = threading.Lock()  # documents are parsed in worker threads
_PARTS_KEPT = 4096


def _section(lines: list[str]) -> _Part:
    text = "\n".join(lines)
    with _PARTS_LOCK:
        part = _PARTS.get(text)
        if part is not None:
            _PARTS.move_to_end(text)
            return part
    parser = RequestReader(text)
    parser.source_lines = lines
    fences = parser.fences(text)
    requests = []
    for i, fence in enumerate(fences):
        if fence.word in NOT_REQUESTS:
            continue
        try:
            requests.append((i, parser.request(fence)))
        except Exception as exc:  # one unreadable request must not cost the document its others
            log.error("request at line %d could not be read: %r", fence.range.start.line + 1, exc)
            parser.problem(f"this request could not be read ({type(exc).__name__}: {exc})", fence.info_range)
    part = _Part(_Placed(0, fences, requests, parser.problems))
    with _PARTS_LOCK:
        _PARTS[text] = part
        while len(_PARTS) > _PARTS_KEPT:
            _PARTS.popitem(last=False)
    return part


def _moved_fence(fence: Fence, lines: int) -> Fence:
    """Fences are read, never changed, after parsing: an unmoved one is shared. Only a message fence's lines
    are read again (for its body)."""
    if not lines:
        return fence
    return Fence(
        fence.word,
        fence.attributes,
        [Line(line.text, line.line + lines, line.col) for line in fence.lines] if fence.word in NOT_REQUESTS else [],
        fence.range.moved(lines),
        fence.info_range.moved(lines),
        fence.heading,
        fence.heading_level,
    )


def _moved_request(request: Request, lines: int) -> Request:
    """Kept requests are never changed (each document takes its own copy): an unmoved one is shared."""
    if not lines:
        return request
    line_range = request.request_line_range
    return Request(
        name=request.name,
        protocol=request.protocol,
        attributes=request.attributes,
        range=request.range.moved(lines),
        info_range=request.info_range.moved(lines),
        metadata=[Metadata(m.key, m.value, m.range.moved(lines), m.key_range.moved(lines)) for m in request.metadata],
        method=request.method,
        target=request.target.moved(lines) if request.target else None,
        rpc=request.rpc.moved(lines) if request.rpc else None,
        request_line_range=line_range.moved(lines) if line_range is not None else None,
        headers=[
            Header(h.name, h.value.moved(lines), h.range.moved(lines), h.name_range.moved(lines))
            for h in request.headers
        ],
        body=request.body.moved(lines) if request.body else None,
        heading=request.heading,
        graphql=request.graphql.moved(lines) if request.graphql else None,
    )


def own_copy(request: Request) -> Request:
    """A document's own copy of a kept request: its name and message blocks are filled in per document."""
    own = copy.copy(request)
    own.attributes, own.metadata, own.headers = dict(own.attributes), [*own.metadata], [*own.headers]
    own.messages, own.expects, own.variables = [], [], None
    return own


def placed_sections(lines: list[str]) -> tuple[list[Fence], list[tuple[Fence, Request]], list[Problem]]:
    """The fences, requests (each the document's own copy) and problems of a document's lines, each section
    parsed once per text and moved to where it is now."""
    fences: list[Fence] = []
    requests: list[tuple[Fence, Request]] = []
    problems: list[Problem] = []
    starts = _section_starts(lines)
    for start, end in zip(starts, [*starts[1:], len(lines)], strict=True):
        placed = _section(lines[start:end]).placed(start)
        fences += placed.fences
        requests += [(placed.fences[i], own_copy(request)) for i, request in placed.requests]
        problems += placed.problems
    return fences, requests, problems
