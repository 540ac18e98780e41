"""GraphQL over HTTP: the HTTP transport with the request the templating layer built (a POST of
`{"query", "variables", "operationName"}`, or a GET), and a response's `errors` reported as an `error` event,
since GraphQL servers answer them with HTTP 200."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from voiden_lsp.errors import TransportError
from voiden_lsp.events import ERROR, JSON, RECEIVED
from voiden_lsp.templating import ResolvedRequest
from voiden_lsp.transports.base import Emitted
from voiden_lsp.transports.http import HttpTransport


def errors_message(value: Any) -> str | None:
    """The words for a GraphQL response's `errors` (None when it has none): the first message, with its path,
    and how many there are."""
    if not isinstance(value, dict):
        return None
    errors = value.get("errors")
    if not isinstance(errors, list) or not errors:
        return None
    first = errors[0] if isinstance(errors[0], dict) else {}
    message = str(first.get("message") or "an error without a message")
    path = first.get("path")
    where = f" at {'.'.join(str(p) for p in path)}" if isinstance(path, list) and path else ""
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"GraphQL error{where}: {message}{more}"


class GraphQLHttpTransport(HttpTransport):
    async def events(self) -> AsyncIterator[Emitted]:
        async for kind, fields in super().events():
            yield kind, fields
            if kind == RECEIVED and fields.get("encoding") == JSON:
                message = errors_message(fields.get("data"))
                if message is not None:
                    yield ERROR, {"message": message, "graphql": True}


def graphql_transport(request: ResolvedRequest) -> HttpTransport:
    scheme = request.target.split(":", 1)[0].lower()
    if scheme in ("http", "https"):
        return GraphQLHttpTransport(request)
    raise TransportError(
        "GraphQL over WebSocket (`ws://`, `wss://`) is not supported by this version yet: "
        "send queries and mutations to the `http(s)://` endpoint"
    )
