"""The envelope reader every gRPC dialect shares: any split of the bytes, limits, compression, bombs."""

from __future__ import annotations

import gzip
import zlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from voiden_lsp.errors import TransportError
from voiden_lsp.transports.grpc_wire import Deframer, WireError, check_metadata, code_name, envelope


@given(st.lists(st.binary(max_size=300), max_size=20), st.lists(st.integers(min_value=1, max_value=50), max_size=40))
def test_any_split_of_the_bytes_gives_the_same_messages(payloads: list[bytes], cuts: list[int]) -> None:
    wire = b"".join(envelope(p) for p in payloads)
    deframer = Deframer(None)
    got: list[bytes] = []
    position = 0
    for cut in cuts:
        got += [p for _, p in deframer.feed(wire[position : position + cut])]
        position += cut
    got += [p for _, p in deframer.feed(wire[position:])]
    assert got == payloads and deframer.pending == 0


def test_a_message_over_the_limit_is_refused_before_it_is_read_whole() -> None:
    deframer = Deframer(100)
    with pytest.raises(WireError) as refused:
        deframer.feed(envelope(b"x" * 101)[:5])  # the length alone decides
    assert refused.value.code == "RESOURCE_EXHAUSTED"
    assert refused.value.message == "Received message larger than max (101 vs. 100)"


@pytest.mark.parametrize(("encoding", "compress"), [("gzip", gzip.compress), ("deflate", zlib.compress)])
def test_compressed_messages_are_decoded_and_a_bomb_is_cut(encoding: str, compress: object) -> None:
    assert callable(compress)
    deframer = Deframer(1000, encoding)
    assert deframer.feed(envelope(compress(b"hello"), 1) + envelope(b"plain")) == [(1, b"hello"), (0, b"plain")]
    bomb = compress(b"\0" * 50_000_000)
    assert len(bomb) < 100_000
    with pytest.raises(WireError) as refused:
        Deframer(1_000_000, encoding).feed(envelope(bomb, 1))
    assert refused.value.code == "RESOURCE_EXHAUSTED"


def test_an_unreadable_compression_is_refused_in_words() -> None:
    with pytest.raises(WireError) as refused:
        Deframer(None, "snappy").feed(envelope(b"...", 1))
    assert refused.value.code == "UNIMPLEMENTED" and "`snappy`" in refused.value.message
    with pytest.raises(WireError) as unsaid:
        Deframer(None).feed(envelope(b"...", 1))
    assert "no grpc-encoding" in unsaid.value.message
    with pytest.raises(WireError) as broken:
        Deframer(None, "gzip").feed(envelope(b"not gzip", 1))
    assert broken.value.code == "INTERNAL" and "does not decompress" in broken.value.message


def test_metadata_gRPC_cannot_carry_is_refused_in_words() -> None:
    assert check_metadata([("content-type", "application/grpc"), ("x-a", "b")]) == [("x-a", "b")]
    for items, words in [
        ([("grpc-timeout", "1S")], "set by the gRPC protocol"),
        ([("x-name", "Zoë")], "`x-name-bin`"),
        ([("x name", "v")], "not a gRPC metadata name"),
        ([("x-a", "line\nbreak")], "printable ASCII"),
    ]:
        with pytest.raises(TransportError) as refused:
            check_metadata(items)  # type: ignore[arg-type]
        assert words in refused.value.message


def test_code_names() -> None:
    assert [code_name(v) for v in ("0", 5, "16", "17", None, "x")] == [
        "OK",
        "NOT_FOUND",
        "UNAUTHENTICATED",
        "UNKNOWN",
        "UNKNOWN",
        "UNKNOWN",
    ]


def test_a_hostile_length_is_refused_in_any_frame() -> None:
    """A gRPC-Web trailers frame or a Connect end-of-stream message claiming 4 GB is refused at its length,
    like a message: nothing is buffered past the limit."""
    for flags in (0x80, 0x02):
        with pytest.raises(WireError) as refused:
            Deframer(1024).feed(bytes((flags,)) + (0xFFFFFFFF).to_bytes(4, "big") + b"x" * 10)
        assert refused.value.code == "RESOURCE_EXHAUSTED"


@given(st.lists(st.binary(min_size=1, max_size=40), max_size=8), st.integers(min_value=1, max_value=7))
def test_grpc_web_text_is_read_however_its_base64_chunks_are_cut(chunks: list[bytes], step: int) -> None:
    """grpc-web-text: each chunk base64 on its own (padding between chunks), cut anywhere by the network."""
    import base64

    from voiden_lsp.transports.grpc_http import _Base64Stream

    text = b"".join(base64.b64encode(chunk) for chunk in chunks)
    stream = _Base64Stream()
    decoded = b"".join(stream.feed(text[i : i + step]) for i in range(0, len(text), step))
    assert decoded == b"".join(chunks)
