"""No line freezes the server: parsing and checking are linear in the length of a line, whatever it holds.

Each case is a megabyte on one line; before the scanners replaced the regular expressions, a tenth of that
took from 10 s (a request line of `{`) to 200 s (`{{(` repeated) to check, and YAML or JSON nested deep
raised RecursionError."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.server.test_lsp import open_doc, until
from voiden_lsp.document import parse
from voiden_lsp.server.features.diagnostics import problems
from voiden_lsp.templating import Scope

MB = 1_000_000
JSON = "```http\nPOST http://127.0.0.1:9/\nContent-Type: application/json\n\n"
CASES = {
    "request line of {": "```http\nGET " + "{" * MB + "\n```\n",
    "request line of {{(": "```http\nGET " + "{{(" * (MB // 3) + "\n```\n",
    "request line, {{ then spaces": "```http\nGET {{" + " " * MB + "x\n```\n",
    "info string of {": "```http " + "{" * MB + "\nGET http://127.0.0.1:9/\n```\n",
    "header name of {": "```http\nGET http://127.0.0.1:9/\n" + "{" * MB + ": v\n```\n",
    "header value, spaces before a last word": "```http\nGET http://127.0.0.1:9/\nA: x" + " " * MB + "y\n```\n",
    "metadata, spaces before a last word": "```http\n@timeout 5" + " " * MB + "x\nGET http://127.0.0.1:9/\n```\n",
    "JSON body of {": JSON + "{" * MB + "\n```\n",
    "JSON body of [": JSON + "[" * MB + "\n```\n",
    "JSON body of {{x}}": JSON + '{"a": "' + "{{x}}" * (MB // 5) + '"}\n```\n',
    'JSON body of {{"': JSON + '{{"' * (MB // 3) + "\n```\n",
    "front matter of [": "---\nvars:\n  a: " + "[" * MB + "\n---\n```http\nGET http://127.0.0.1:9/\n```\n",
    "gRPC line of {": "```grpc\ngrpc://127.0.0.1:9 " + "{" * MB + "\n```\n",
    "message block of {": "```ws\nws://127.0.0.1:9/\n```\n```message\n" + "{" * MB + "\n```\n",
    **{
        f"expect line of {c}": "```ws\nws://127.0.0.1:9/\n```\n```expect\nany message.x == " + c * MB + "\n```\n"
        for c in ("[", '"', "/", "{", "a ", "# ")
    },
}


@pytest.mark.parametrize("text", CASES.values(), ids=CASES.keys())
def test_a_megabyte_line_parses_and_checks_in_under_a_second(text: str) -> None:
    started = time.process_time()
    doc = parse(text)
    found = problems(doc, {r.name: Scope() for r in doc.requests})
    elapsed = time.process_time() - started
    assert elapsed < 1.0, f"{elapsed:.2f} s of CPU"
    assert len(doc.requests) == 1  # the request survives whatever its line holds
    assert len(found) <= 60  # a capped list of problems, not one per `{{`
    assert all(len(p.message) < 400 for p in found)


def test_deep_nesting_is_a_problem_on_its_range() -> None:
    doc = parse("---\nvars:\n  a: " + "[" * 3000 + "\n---\n```http\nGET http://127.0.0.1:9/\n```\n")
    assert [r.name for r in doc.requests] == ["request-1"]
    assert any("nested" in p.message and p.range.start.line == 0 for p in doc.problems)
    doc = parse(JSON + "[" * 3000 + "\n```\n")
    found = problems(doc, {r.name: Scope() for r in doc.requests})
    assert any(p.message == "invalid JSON: nested more than 200 deep" and p.range.start.line == 4 for p in found)


async def test_the_server_answers_while_a_megabyte_line_is_open(client: LanguageClient, tmp_path: Path) -> None:
    text = "```http\nGET " + "{" * MB + "\n```\n\n```http name=ok\nGET http://127.0.0.1:9/\n```\n"
    uri = open_doc(client, tmp_path, text)
    await until(lambda: uri in client.diagnostics, timeout=20)
    lenses = await client.text_document_code_lens_async(
        types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    assert len(lenses or []) == 2
    hover = await client.text_document_hover_async(
        types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(1, 500_000))
    )
    assert hover is None or hover.contents is not None
    tokens = await client.text_document_semantic_tokens_full_async(
        types.SemanticTokensParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    assert tokens is not None and len(tokens.data) <= 5 * 2100  # capped, not one token per `{{`
    await client.text_document_completion_async(
        types.CompletionParams(text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(1, 700_000))
    )


def test_a_megabyte_dotenv_line_reads_in_under_a_second(tmp_path: Path) -> None:
    from voiden_lsp.templating import Collection

    (tmp_path / "voiden.toml").write_text("", encoding="utf-8")
    (tmp_path / ".env").write_text("A=x" + " " * MB + "y\nB=1" + " " * MB + "z # note\n", encoding="utf-8")
    started = time.process_time()
    collection = Collection.load(tmp_path / "doc.voiden")
    assert time.process_time() - started < 1.0
    assert collection.dotenv["A"] == "x" + " " * MB + "y"
    assert collection.dotenv["B"] == "1" + " " * MB + "z"


async def test_a_huge_document_is_parsed_off_the_event_loop(client: LanguageClient, tmp_path: Path) -> None:
    """While a 2 MB document of 60,000 requests is read (in a worker thread), another is served at once."""
    huge = open_doc(client, tmp_path, "```http\nGET http://127.0.0.1:9/\n```\n" * 60_000, "huge.voiden")
    small = open_doc(client, tmp_path, "```http name=one\nGET http://127.0.0.1:9/\n```\n", "small.voiden")
    answered: list[str] = []

    async def lens(uri: str, name: str) -> None:
        await client.text_document_code_lens_async(
            types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri=uri))
        )
        answered.append(name)

    await asyncio.gather(lens(huge, "huge"), lens(small, "small"))
    assert answered == ["small", "huge"]


async def test_a_huge_request_is_checked_without_holding_other_documents(tmp_path: Path) -> None:
    """A request with a 4 MB JSON body of 60,000 templates takes seconds to check. Checks run on the event loop
    in slices, but a request that large is checked in a worker thread: hovers on another document are
    answered throughout (each waited ~2 s when it was checked on the loop in one piece)."""
    import json
    import time

    from tests.rawclient import RawClient

    client = await RawClient.start()
    try:
        small = (tmp_path / "small.voiden").as_uri()
        item = {"uri": small, "languageId": "voiden", "version": 1, "text": "```http name=one\nGET http://x/\n```\n"}
        client.send({"method": "textDocument/didOpen", "params": {"textDocument": item}})
        hover = {"textDocument": {"uri": small}, "position": {"line": 1, "character": 6}}
        await client.request("textDocument/hover", hover)
        body = json.dumps([{"id": i, "name": "{{$faker.name}}", "tags": ["a", "b"]} for i in range(60_000)])
        big = (tmp_path / "big.voiden").as_uri()
        text = f"```http name=big\nPOST http://127.0.0.1:9/\nContent-Type: application/json\n\n{body}\n```\n"
        client.send({"method": "textDocument/didOpen", "params": {"textDocument": {**item, "uri": big, "text": text}}})
        waits = []
        started = time.perf_counter()
        while big not in client.published and time.perf_counter() - started < 120:
            asked = time.perf_counter()
            await client.request("textDocument/hover", hover)
            waits.append(time.perf_counter() - asked)
        assert big in client.published
        assert len(waits) > 10 and max(waits) < 1.0, (len(waits), max(waits))
    finally:
        await client.stop()
