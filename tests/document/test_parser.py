from __future__ import annotations

from pathlib import Path

import pytest

from voiden_lsp.document import Position, Range, parse, utf16_len

CORPUS = Path(__file__).parent / "corpus"
SHARED_SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "data" / "voiden-app-samples"


def load(name: str) -> str:
    return (CORPUS / name).read_text(encoding="utf-8")


def test_full_example_requests_and_messages() -> None:
    doc = parse(load("full-example.voiden"))
    assert [p.message for p in doc.problems] == []
    assert doc.front_matter is not None
    assert doc.front_matter.vars == {"base_url": "http://127.0.0.1:8080", "user_id": 42}
    assert doc.front_matter.env == "dev" and doc.front_matter.locale == "de_DE"
    chat, ticker = doc.requests
    assert (chat.name, chat.protocol) == ("chat", "grpc")
    assert chat.target is not None and chat.target.text == "grpc://127.0.0.1:50051"
    assert chat.rpc is not None and chat.rpc.text == "routeguide.RouteGuide/RouteChat"
    assert chat.rpc.range == Range(Position(13, 23), Position(13, 54))
    assert chat.meta("timeout") == "30s"
    assert [(h.name, h.value.text) for h in chat.headers] == [("authorization", "Bearer {{token}}")]
    assert chat.body is not None and chat.body.text.startswith('{"location"')
    assert chat.body.range.start == Position(16, 0)
    assert [m.id for m in chat.messages] == ["chat.message-1", "second-note"]
    assert chat.messages[1].wait == 1
    assert chat.messages[0].request == "chat"
    assert (ticker.name, ticker.protocol) == ("ticker", "ws")
    assert ticker.meta("subprotocol") == "json"
    assert ticker.messages == []
    assert doc.request_at(Position(14, 3)) is chat


def test_http_shapes() -> None:
    doc = parse(load("http-shapes.voiden"))
    assert [p.message for p in doc.problems] == []
    only_url, with_query, file_body, sse = doc.requests
    assert (only_url.name, only_url.method, only_url.target and only_url.target.text) == (
        "http-shapes",
        "GET",
        "https://example.com/only-a-url",
    )
    assert with_query.protocol == "http" and with_query.method == "PATCH"
    assert with_query.target is not None
    assert with_query.target.text == "{{base_url}}/items\n?page=2\n&size=10"
    # the continuation lines keep their own positions
    assert with_query.target.position_at(with_query.target.text.index("&size")) == Position(9, 2)
    assert [h.name for h in with_query.headers] == ["X-Trace", "Content-Type"]
    assert file_body.body is not None and file_body.body.text == "< ./payload.bin"
    assert (sse.protocol, sse.method, sse.meta("max-messages")) == ("sse", "POST", "3")
    assert sse.name == "http-shapes-2"


def test_problems_name_what_is_wrong() -> None:
    doc = parse(load("problems.voiden"))
    found = {(p.code, p.range.start.line) for p in doc.problems}
    assert ("unknown-protocol", 2) in found
    assert ("bad-metadata", 7) in found  # @timeout soon
    assert ("unknown-metadata", 8) in found
    assert ("bad-url", 9) in found
    assert ("bad-header", 10) in found
    assert ("duplicate-name", 13) in found
    assert ("missing-request-line", 13) in found
    assert ("bad-request-line", 17) in found  # grpc without a method
    assert ("bad-rpc", 21) in found
    assert ("orphan-message", 26) in found
    assert ("message-not-live", 38) in found
    assert not any(p.range.start.line == 30 for p in doc.problems), "a python fence is prose"
    typo = next(p for p in doc.problems if p.code == "unknown-protocol")
    assert "did you mean `http`" in typo.message
    unknown_meta = next(p for p in doc.problems if p.code == "unknown-metadata")
    assert unknown_meta.severity == "warning"


def test_columns_count_utf16_code_units() -> None:
    text = "# 😀 Émoji\n\n```http name=e\nGET http://example.com/😀/{{x}}\nX-Name: 😀 {{name}}\n```\n"
    doc = parse(text)
    request = doc.requests[0]
    header = request.headers[0]
    assert header.value.range.start == Position(4, 8)
    # 😀 is two UTF-16 code units, so `{{name}}` starts at column 8 + 3
    offset = header.value.text.index("{{")
    assert header.value.position_at(offset) == Position(4, 11)
    assert request.target is not None and request.target.range.end.character == utf16_len(
        "GET http://example.com/😀/{{x}}"
    )


def test_nested_fence_in_list_keeps_columns() -> None:
    text = "- item\n\n  ```http\n  GET http://example.com\n  Accept: */*\n  ```\n"
    request = parse(text).requests[0]
    assert request.target is not None and request.target.range.start == Position(3, 6)
    assert request.headers[0].range.start == Position(4, 2)


def test_section_ends_message_ownership() -> None:
    text = (
        "# A\n\n```ws name=a\nws://127.0.0.1:1/x\n```\n\n### deeper note\n\n```message\nhi\n```\n\n"
        "# B\n\n```message\norphan\n```\n"
    )
    doc = parse(text)
    assert [m.request for m in doc.messages] == ["a", None]
    assert [p.code for p in doc.problems] == ["orphan-message"]


def test_unclosed_front_matter_and_bad_yaml() -> None:
    assert parse("---\nvars: [\n---\n").problems[0].code == "front-matter"
    assert parse("---\nvars: 1\n").problems[0].message.startswith("front matter opened")


@pytest.mark.parametrize("sample", sorted(SHARED_SAMPLES.glob("*.void")), ids=lambda p: p.name)
def test_voiden_app_files_parse_without_requests(sample: Path) -> None:
    """The app's `.void` files hold ```void fences: prose to this parser, never a crash."""
    doc = parse(sample.read_text(encoding="utf-8"))
    assert doc.requests == []
