"""The parser is total: any text gives a Document, and every range lies inside the text."""

from __future__ import annotations

import os
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from voiden_lsp.document import Document, Range, parse, utf16_len

LINES = re.compile(r"\r\n|\r|\n")
LONGER = int(os.environ.get("VOIDEN_FUZZ_EXAMPLES", "0"))
"""`VOIDEN_FUZZ_EXAMPLES=N`: a longer local run (CI keeps the counts below)."""

words = st.sampled_from(
    [
        "```",
        "```http",
        "```grpc",
        "```ws",
        "```sse",
        "```message",
        "```msg wait=2",
        "```socketio",
        "```htp name=x",
        "~~~http",
        "# Heading",
        "## Sub",
        "---",
        "vars:",
        "  x: 1",
        "@timeout 5s",
        "@proto a.proto",
        "@",
        "GET",
        "POST http://127.0.0.1:8080/x",
        "grpc://127.0.0.1:1 a.B/C",
        "ws://h/x",
        "?a=1",
        "&b=2",
        "Name: value",
        "{{base_url}}",
        "{{$faker.pyint(",
        "}}",
        '{"a": {{x}}}',
        "< ./file",
        "// c",
        "> quote",
        "- item",
        "  ```http",
        "😀",
        "\t",
        "",
        " ",
        "é",
        "\u2028",
        "\x00",
    ]
)
markdownish = st.lists(st.one_of(words, st.text(max_size=20)), max_size=40).map("\n".join)


def check(doc: Document, text: str) -> None:
    lines = LINES.split(text)
    widths = [utf16_len(line) for line in lines]

    def inside(r: Range) -> None:
        assert r.start <= r.end
        for pos in (r.start, r.end):
            assert 0 <= pos.line < len(lines)
            assert 0 <= pos.character <= widths[pos.line]

    for problem in doc.problems:
        inside(problem.range)
    for request in doc.requests:
        inside(request.range)
        for part in (request.target, request.rpc, request.body):
            if part is not None:
                inside(part.range)
        for header in request.headers:
            inside(header.range)
            inside(header.value.range)
        for meta in request.metadata:
            inside(meta.range)
    for message in doc.messages:
        inside(message.range)


@settings(max_examples=max(300, LONGER), deadline=None)
@given(st.text())
def test_any_text(text: str) -> None:
    check(parse(text), text)


@settings(max_examples=max(500, LONGER), deadline=None)
@given(markdownish)
def test_markdown_shaped_text(text: str) -> None:
    check(parse(text), text)
