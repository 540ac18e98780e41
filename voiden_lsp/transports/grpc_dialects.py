"""The call of a Connect or gRPC-Web request (an http(s):// address): its client, URL and codec."""

from __future__ import annotations

from typing import Any

import httpx
from google.protobuf import json_format, message_factory

from voiden_lsp.errors import TransportError
from voiden_lsp.schema import MethodInfo, Schema
from voiden_lsp.templating import ResolvedRequest
from voiden_lsp.templating.targets import Target
from voiden_lsp.transports.grpc_call import Call
from voiden_lsp.transports.grpc_channel import Metadata, open_channel
from voiden_lsp.transports.grpc_http import HttpCall
from voiden_lsp.transports.http import make_client


def http_call(
    request: ResolvedRequest,
    target: Target,
    schema: Schema,
    method: MethodInfo,
    metadata: Metadata,
    size: int | None,
) -> tuple[Any, Any]:
    """The connection (an httpx client, or a grpclib channel) and the call on it."""
    encoding = (request.meta("encoding") or "proto").lower()
    if target.dialect not in ("connect", "grpc-web"):
        raise TransportError(f"`@protocol {target.dialect}`: an http(s):// address speaks connect or grpc-web")
    if target.dialect == "grpc-web" and method.client_streaming:
        raise TransportError(
            f"`{method.full_name}` is a {method.kind} call, and gRPC-Web carries unary and server-streaming calls "
            "only: use `@protocol connect`, or plain gRPC (grpc://)"
        )
    if target.dialect == "connect" and encoding == "text":
        raise TransportError("`@encoding text` is gRPC-Web's (grpc-web-text): Connect takes `proto` or `json`")
    to_wire = from_wire = None
    if encoding == "json":
        sending = message_factory.GetMessageClass(method.input)
        answering = message_factory.GetMessageClass(method.output)

        def to_wire(payload: bytes) -> bytes:
            text: str = json_format.MessageToJson(sending.FromString(payload), indent=None)
            return text.encode()

        def from_wire(payload: bytes) -> bytes:
            try:
                message = json_format.Parse(payload, answering(), ignore_unknown_fields=True)
            except json_format.ParseError as exc:
                raise TransportError(f"the server's JSON is not a `{method.output.full_name}`: {exc}") from None
            return bytes(message.SerializeToString())

    if target.dialect == "connect" and method.client_streaming and method.server_streaming:
        # both directions at once: HTTP/2 (h2c on http://, ALPN h2 on https://), on grpclib as plain gRPC is
        channel = open_channel(request, target)
        h2 = Call(
            channel,
            target.prefix + method.path,
            metadata,
            timeout=request.timeout,
            receive_limit=size,
            send_limit=size,
            authority=request.meta("authority"),
            dialect="connect",
            to_wire=to_wire,
            from_wire=from_wire,
        )
        return channel, h2
    client = make_client(request, http2=target.tls)
    client.timeout = httpx.Timeout(None)  # the call's deadline is `@timeout`, kept by the call itself
    url = request.target.rstrip("/") + method.path
    call = HttpCall(
        client,
        url,
        metadata,
        dialect=target.dialect,
        unary=not method.client_streaming and not method.server_streaming,
        client_streaming=method.client_streaming,
        encoding=encoding,
        timeout=request.timeout,
        receive_limit=size,
        send_limit=size,
        to_wire=to_wire,
        from_wire=from_wire,
        get=target.dialect == "connect"
        and method.side_effect_free
        and not method.client_streaming
        and not method.server_streaming,
    )
    return client, call
