"""A document is parsed section by section, and a section once per text: the result must be exactly what
parsing the whole document at once gives, before and after edits."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from voiden_lsp.document import Document, parse
from voiden_lsp.document import sections as parser_module

lines = st.sampled_from(
    [
        "# Heading",
        "## Sub",
        "### Deeper",
        "#",
        "#no-space",
        "####### seven",
        "   # indented heading",
        "```http",
        "```grpc name=g",
        "```ws name=w",
        "```message",
        "```",
        "````",
        "~~~",
        "~~~http",
        "   ```http",
        "  ```",
        "  indented text",
        "    ```http",
        "``` with `backtick",
        "- item",
        "  ```message",
        "> ```http",
        "1. step",
        "<!-- a comment",
        "-->",
        "<!-- closed -->",
        "<pre>",
        "</pre>",
        "<?php",
        "?>",
        "<div>",
        "POST http://127.0.0.1:8080/x",
        "GET http://127.0.0.1:8080/y",
        "grpc://127.0.0.1:1 a.B/C",
        "ws://127.0.0.1:2/x",
        "@timeout 5s",
        "X-Id: {{$uuid}}",
        '{"a": {{x}}}',
        "text",
        "",
    ]
)
documents = st.lists(lines, max_size=60).map("\n".join)


def whole(text: str, monkeypatch: pytest.MonkeyPatch) -> Document:
    with monkeypatch.context() as patch:
        patch.setattr(parser_module, "_section_starts", lambda lines: [0])
        return parse(text)


@settings(max_examples=400, deadline=None)
@given(documents)
def test_sections_parse_as_the_whole_document(text: str) -> None:
    with pytest.MonkeyPatch.context() as monkeypatch:
        expected = whole(text, monkeypatch)
    assert parse(text) == expected


@settings(max_examples=200, deadline=None)
@given(documents, st.lists(st.tuples(st.integers(0, 80), lines), min_size=1, max_size=5))
def test_edits_reuse_sections_and_still_agree(text: str, edits: list[tuple[int, str]]) -> None:
    parse(text)  # keeps its sections
    for at, line in edits:
        rows = text.split("\n")
        rows.insert(min(at, len(rows)), line)  # inserting a line moves every section below it
        text = "\n".join(rows)
        with pytest.MonkeyPatch.context() as monkeypatch:
            expected = whole(text, monkeypatch)
        assert parse(text) == expected


def test_a_heading_inside_a_fence_or_comment_does_not_cut(monkeypatch: pytest.MonkeyPatch) -> None:
    text = (
        "# One\n\n```http name=a\nPOST http://127.0.0.1:1/x\n\n# not a heading: body text\n```\n\n"
        "<!--\n# not a heading either\n-->\n\n## Two\n\n```http name=b\nGET http://127.0.0.1:1/y\n```\n"
    )
    lines = text.split("\n")
    assert [lines[i] for i in parser_module._section_starts(lines)] == ["# One", "## Two"]
    doc = parse(text)
    assert doc == whole(text, monkeypatch)
    assert [r.heading for r in doc.requests] == ["One", "Two"]
    assert doc.requests[0].body is not None and doc.requests[0].body.text == "# not a heading: body text"


def test_a_moved_section_keeps_exact_ranges() -> None:
    section = "## Get\n\n```http name=get\nGET http://127.0.0.1:1/{{id}}\nX-Id: {{$uuid}}\n\n{}\n```\n"
    first = parse("# Top\n\n" + section)
    moved = parse("# Top\n\nthree\nnew\nlines\n\n" + section)
    a, b = first.requests[0], moved.requests[0]
    assert b.range.start.line == a.range.start.line + 4
    assert b.headers[0].value.range.start.line == a.headers[0].value.range.start.line + 4
    assert b.body is not None and b.body.line_starts[0].line == a.body.line_starts[0].line + 4  # type: ignore[union-attr]
    assert b.target is not None and b.target.range.start.character == a.target.range.start.character  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "text",
    [
        "- item\n  ```\n```http\n# inside the fence the list's end opened\n```\n# Heading\n",
        "- item\n  ```\nflush text ends the list\n# Heading\n  ```\n# in a fence\n",
        "<div>\n# part of the HTML block\n\n# Heading\n",
        "#no-space\n</pre>\n```http\n\n# inside the fence\n",
        "<!--\n```http\n# commented out\n```\n-->\n# Heading\n",
    ],
)
def test_cases_that_fooled_a_line_scanner(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    assert parse(text) == whole(text, monkeypatch)
