"""One module per protocol: a resolved request in, events out. No transport knows about LSP."""

from __future__ import annotations

from voiden_lsp.errors import TransportError
from voiden_lsp.templating import ResolvedRequest
from voiden_lsp.transports.base import Emitted, Transport


def transport_for(request: ResolvedRequest) -> Transport:
    """The transport of the request's protocol (imported on demand: grpc and websockets are slow to load)."""
    if request.protocol == "http":
        from voiden_lsp.transports.http import HttpTransport

        return HttpTransport(request)
    if request.protocol == "sse":
        from voiden_lsp.transports.sse import SseTransport

        return SseTransport(request)
    if request.protocol == "grpc":
        from voiden_lsp.transports.grpc import GrpcTransport

        return GrpcTransport(request)
    if request.protocol == "ws":
        from voiden_lsp.transports.websocket import WebSocketTransport

        return WebSocketTransport(request)
    if request.protocol == "socketio":
        from voiden_lsp.transports.socketio import SocketIoTransport

        return SocketIoTransport(request)
    if request.protocol == "graphql":
        from voiden_lsp.transports.graphql import graphql_transport

        return graphql_transport(request)
    if request.protocol == "mcp":
        from voiden_lsp.transports.mcp import McpTransport

        return McpTransport(request)
    raise TransportError(f"`{request.protocol}` requests cannot be sent by this version of voiden yet")


__all__ = ["Emitted", "Transport", "TransportError", "transport_for"]
