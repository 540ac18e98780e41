"""Hypothesis drives the language server with edit sequences: whatever the edits make of a document, every
request is answered (a result, never an error or silence) and the server lives on.

`VOIDEN_FUZZ_EXAMPLES=2000` runs it longer locally (CI runs a small number)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.document.test_property import words
from tests.security.test_smaller import RawClient

EXAMPLES = int(os.environ.get("VOIDEN_FUZZ_EXAMPLES", "40"))
SEED = '```http name=a\nGET http://127.0.0.1:9/{{x}}\nA: b\n\n{"k": 1}\n```\n\n```ws\nws://127.0.0.1:9/\n```\n```message\nhi\n```\n'

snippets = st.one_of(words, st.text(max_size=12), st.sampled_from(["\n", "{{", "}}", "```", "{", "[" * 50, "\r\n"]))
edits = st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 40), snippets), min_size=1, max_size=12)


@pytest.fixture(scope="module")
def server() -> Iterator[RawClient]:
    client = RawClient()
    yield client
    stderr = client.close()
    assert "Traceback" not in stderr, stderr[-3000:]


def position(text: str, offset: int) -> dict[str, int]:
    """LSP position of a character offset (the test texts are BMP-only where it matters: UTF-16 = str)."""
    before = text[:offset]
    line = before.count("\n")
    return {"line": line, "character": len(before) - (before.rfind("\n") + 1)}


counter = iter(range(10**9))


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits)
def test_edit_sequences_never_break_the_server(server: RawClient, changes: list[tuple[int, int, str]]) -> None:
    n = next(counter)
    uri = f"file:///fuzz/doc{n}.voiden"
    text = SEED
    server.send(
        {
            "jsonrpc": "2.0",
            "method": "textDocument/didOpen",
            "params": {"textDocument": {"uri": uri, "languageId": "voiden", "version": 1, "text": text}},
        }
    )
    for version, (at, length, insert) in enumerate(changes, start=2):
        start = min(at, len(text))
        end = min(start + length, len(text))
        change = {"range": {"start": position(text, start), "end": position(text, end)}, "text": insert}
        text = text[:start] + insert + text[end:]
        server.send(
            {
                "jsonrpc": "2.0",
                "method": "textDocument/didChange",
                "params": {"textDocument": {"uri": uri, "version": version}, "contentChanges": [change]},
            }
        )
    where = position(text, min(changes[-1][0], len(text)))
    doc = {"textDocument": {"uri": uri}}
    for i, (method, params) in enumerate(
        [
            ("textDocument/codeLens", doc),
            ("textDocument/semanticTokens/full", doc),
            ("textDocument/documentSymbol", doc),
            ("textDocument/foldingRange", doc),
            ("textDocument/hover", {**doc, "position": where}),
            ("textDocument/completion", {**doc, "position": where}),
            ("textDocument/definition", {**doc, "position": where}),
        ]
    ):
        answer = server.request(1000 * n + i + 10, method, params)
        assert "error" not in answer, (method, answer, text)
    server.send({"jsonrpc": "2.0", "method": "textDocument/didClose", "params": doc})
