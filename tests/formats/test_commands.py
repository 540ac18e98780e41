"""grpcurl, websocat and wscat command lines read (`voiden import`, "Convert to a request"): each flag that
means something here, a note for each that does not, credentials to `.env`, nothing run. Their requests
are proved on the wire against grpcurl and websocat themselves in tests/interop/test_export.py."""

from __future__ import annotations

import pytest

from voiden_lsp.formats.commands import looks_like_command, read_commands
from voiden_lsp.formats.curl import CurlError


def test_grpcurl_flags() -> None:
    (call,) = read_commands(
        "grpcurl -insecure -H 'authorization: Bearer tok-1' --rpc-header=x-a:1 -reflect-header 'x-r: 2' "
        "-import-path ./protos -proto api.proto -max-time 5 -authority api.example -cacert ca.pem -emit-defaults "
        '-d \'{"a": 1}\n{"a": 2}\' -weird api.example:443 pkg.Svc/Stream'
    )
    request = call.request
    assert (request.protocol, request.target.text, request.rpc.text) == (
        "grpc",
        "grpcs://api.example:443",
        "pkg.Svc/Stream",
    )  # type: ignore[union-attr]
    assert [(h.name, h.value.text) for h in request.headers] == [
        ("authorization", "Bearer {{GRPCURL_AUTH_1}}"),
        ("x-a", "1"),
    ]
    assert call.secrets == {"GRPCURL_AUTH_1": "tok-1"}
    assert [(m.key, m.value) for m in request.metadata] == [
        ("insecure", ""), ("reflect-header", "x-r: 2"), ("import-path", "./protos"), ("proto", "api.proto"),
        ("timeout", "5s"), ("authority", "api.example"), ("ca", "ca.pem"),
    ]  # fmt: skip
    assert request.body is not None and request.body.text == '{"a": 1}' and call.messages == ['{"a": 2}']
    assert call.notes == ["`-weird` is not a grpcurl flag read here"]


def test_websocat_and_wscat() -> None:
    first, second = read_commands(
        "echo '{\"hi\": 1}' | websocat -k -1 --protocol chat -H 'X-A: 1' wss://x.example/ws\n"
        "wscat -c ws://y.example/s --auth ada:pw -s json -x ping --ping-interval 3\n"
    )
    assert first.request.target.text == "wss://x.example/ws" and first.messages == ['{"hi": 1}']  # type: ignore[union-attr]
    assert [(m.key, m.value) for m in first.request.metadata] == [
        ("insecure", ""),
        ("max-messages", "1"),
        ("subprotocol", "chat"),
    ]
    assert [(h.name, h.value.text) for h in second.request.headers] == [("Authorization", "Basic {{WSCAT_AUTH_2}}")]
    assert second.secrets == {"WSCAT_AUTH_2": "ada:pw"} and second.messages == ["ping"]
    assert second.notes == ["`--ping-interval` is not a wscat flag read here"]


def test_what_is_not_a_call_says_so() -> None:
    assert looks_like_command("grpcurl -plaintext h:1 list") and not looks_like_command("ls -la")
    for text, words in [
        ("grpcurl -plaintext h:1 list", "not a call"),
        ("grpcurl -plaintext h:1", "expected an address and a method"),
        ("websocat -s 8080", "starts a server"),
        ("websocat -H", "needs a value"),
        ('grpcurl -d \'{"a": 1}', "never closed"),
        ("echo hi | nc h 1", "only websocat or wscat"),
    ]:
        with pytest.raises(CurlError, match=words):
            read_commands(text)
    (call,) = read_commands("grpcurl -plaintext -d @ h:1 a.B/C")
    assert call.notes == ["`-d @` reads the messages from standard input: write them into the request"]
