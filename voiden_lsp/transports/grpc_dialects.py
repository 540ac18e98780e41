"""The call of a `grpc` request in its dialect (FORMAT.md section 10): plain gRPC on grpclib's HTTP/2,
Connect and gRPC-Web over httpx (a Connect bidirectional call on HTTP/2), and the codec of its messages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from google.protobuf import json_format, message_factory
from google.protobuf.message import DecodeError, Message

from voiden_lsp.errors import TransportError
from voiden_lsp.schema import MethodInfo
from voiden_lsp.templating import ResolvedRequest
from voiden_lsp.templating.targets import Target
from voiden_lsp.transports.grpc_call import Call
from voiden_lsp.transports.grpc_channel import Metadata, open_channel


class Codec:
    """Messages to and from the wire: protobuf, or the protobuf JSON mapping (`@encoding json`). `decode`
    gives a message from the server and its size as protobuf (what a `received` event says); it is called
    once per message of a stream, so it is chosen once, here."""

    def __init__(self, method: MethodInfo, *, json: bool = False) -> None:
        self.method = method
        self.json = json
        self._output = message_factory.GetMessageClass(method.output)
        self._from_string = self._output.FromString
        self.decode: Callable[[bytes], tuple[Message, int]] = self._from_json if json else self._from_proto

    def encode(self, message: Message) -> bytes:
        if self.json:
            text: str = json_format.MessageToJson(message, indent=None)
            return text.encode()
        return bytes(message.SerializeToString())

    def _from_proto(self, payload: bytes) -> tuple[Message, int]:
        try:
            return self._from_string(payload), len(payload)
        except DecodeError as exc:
            raise TransportError(
                f"a message from the server is not a `{self.method.output.full_name}` ({exc}): "
                "the schema and the server disagree; refresh the schema or check `@proto`"
            ) from None

    def _from_json(self, payload: bytes) -> tuple[Message, int]:
        try:
            message: Message = json_format.Parse(payload, self._output(), ignore_unknown_fields=True)
        except json_format.ParseError as exc:
            raise TransportError(f"the server's JSON is not a `{self.method.output.full_name}`: {exc}") from None
        return message, message.ByteSize()


def open_call(
    request: ResolvedRequest, target: Target, method: MethodInfo, metadata: Metadata, size: int | None
) -> tuple[Any, Any, Codec]:
    """The connection (a grpclib channel, or an httpx client), the call on it (a grpc_call.Call or a
    grpc_http.HttpCall: the same interface) and the codec of its messages."""
    encoding = (request.meta("encoding") or "proto").lower() if target.dialect != "grpc" else "proto"
    codec = Codec(method, json=encoding == "json")
    if target.dialect == "grpc-web" and method.client_streaming:
        raise TransportError(
            f"`{method.full_name}` is a {method.kind} call, and gRPC-Web carries unary and server-streaming calls "
            "only: use `@protocol connect`, or plain gRPC (grpc://)"
        )
    if target.dialect == "connect" and encoding == "text":
        raise TransportError("`@encoding text` is gRPC-Web's (grpc-web-text): Connect takes `proto` or `json`")
    bidi = method.client_streaming and method.server_streaming
    if target.dialect == "grpc" or (target.dialect == "connect" and bidi):
        # a Connect bidirectional call needs both directions at once: HTTP/2 (h2c on http://, ALPN on https://)
        channel = open_channel(request, target)
        call = Call(
            channel,
            target.prefix + method.path,
            metadata,
            timeout=request.timeout,
            receive_limit=size,
            authority=request.meta("authority"),
            dialect=target.dialect,
            encoding=encoding,
        )
        return channel, call, codec
    if target.dialect != "connect" and target.dialect != "grpc-web":
        raise TransportError(f"`@protocol {target.dialect}`: an http(s):// address speaks connect or grpc-web")
    import httpx

    from voiden_lsp.transports.grpc_http import HttpCall
    from voiden_lsp.transports.http import make_client

    client = make_client(request, http2=target.tls)
    client.timeout = httpx.Timeout(None)  # the call's deadline is `@timeout`, kept by the call itself
    unary = not method.client_streaming and not method.server_streaming
    http_call = HttpCall(
        client,
        request.target.rstrip("/") + method.path,
        metadata,
        dialect=target.dialect,
        unary=unary,
        client_streaming=method.client_streaming,
        encoding=encoding,
        timeout=request.timeout,
        receive_limit=size,
        get=target.dialect == "connect" and method.side_effect_free and unary,
    )
    return client, http_call, codec
