"""GraphQL schemas per endpoint: introspection over the request's own transport (HTTP, or
`graphql-transport-ws` for a `ws://` URL) with its header lines, or `@schema FILE` (SDL or an introspection
result); cached per URL and headers, refreshed on demand. Callers decide whether asking is allowed (never from
an untrusted workspace)."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from voiden_lsp.errors import SchemaError, TransportError
from voiden_lsp.events import ERROR, RECEIVED, STATUS
from voiden_lsp.templating import ResolvedRequest

if TYPE_CHECKING:
    from graphql import GraphQLSchema

INTROSPECTION_TIMEOUT = 10.0


@dataclass
class GraphQLSchemas:
    _schemas: dict[tuple[object, ...], GraphQLSchema] = field(default_factory=dict)
    _locks: dict[tuple[object, ...], asyncio.Lock] = field(default_factory=dict)
    generation: int = 0
    """Changes whenever a schema is stored or forgotten."""

    def key(self, request: ResolvedRequest) -> tuple[object, ...]:
        written = request.meta("schema")
        if written:
            path = request.path(written)
            try:
                stamp = path.stat().st_mtime_ns
            except OSError:
                stamp = 0
            return ("file", str(path), stamp)
        # a `{{$uuid}}` header is made afresh each time: no part of what identifies the schema
        headers = tuple((k.lower(), v) for k, v in request.headers if k.lower() not in request.fresh_headers)
        return ("endpoint", request.target, headers, request.insecure, request.meta("ca"))

    def cached(self, request: ResolvedRequest) -> GraphQLSchema | None:
        return self._schemas.get(self.key(request))

    def forget(self, target: str | None = None) -> None:
        for key in [k for k in self._schemas if target is None or target in (k[1],)]:
            del self._schemas[key]
            self.generation += 1

    async def schema(self, request: ResolvedRequest) -> GraphQLSchema:
        key = self.key(request)
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            if key not in self._schemas:
                self._schemas[key] = await self._load(request)
                self.generation += 1
            return self._schemas[key]

    async def _load(self, request: ResolvedRequest) -> GraphQLSchema:
        from voiden_lsp.schema.graphql import load_file

        written = request.meta("schema")
        if written:
            return await asyncio.to_thread(load_file, schema_file(request, written))
        return await introspect(request)


def schema_file(request: ResolvedRequest, written: str) -> Path:
    """`@schema FILE`, from the document's folder; like a body file, it must lie inside the collection."""
    path = request.path(written)
    allowed = [folder.resolve() for folder in (request.root, request.base_dir) if folder is not None] or [Path.cwd()]
    if not any(path.is_relative_to(folder) for folder in allowed):
        raise SchemaError(f"the schema file `{written}` is outside the collection ({allowed[0]}): copy it in")
    return path


async def introspect(request: ResolvedRequest) -> GraphQLSchema:
    """Asks the endpoint for its schema with the request's header lines: a POST of the introspection query
    over HTTP, or one operation over `graphql-transport-ws`."""
    from voiden_lsp.schema.graphql import INTROSPECTION_QUERY, from_introspection
    from voiden_lsp.templating.resolve import GRAPHQL_ACCEPT
    from voiden_lsp.transports.graphql import graphql_transport

    payload = json.dumps({"query": INTROSPECTION_QUERY, "operationName": "IntrospectionQuery"})
    headers = [(k, v) for k, v in request.headers if k.lower() not in ("content-type", "accept", "content-length")]
    websocket = request.target.lower().startswith(("ws://", "wss://"))
    if not websocket:
        headers += [("Content-Type", "application/json"), ("Accept", GRAPHQL_ACCEPT)]
    asking = replace(
        request,
        method="POST",
        headers=headers,
        body=payload,
        body_parts=None,
        metadata={k: v for k, v in request.metadata.items() if k in ("ca", "cert", "key", "insecure", "timeout")},
    )
    transport = graphql_transport(asking)
    answer: object = None
    status: object = None
    errors: list[str] = []

    async def read() -> None:
        nonlocal answer, status
        async for kind, fields in transport.events():
            if kind == STATUS:
                status = fields.get("code")
            elif kind == RECEIVED and not fields.get("control") and answer is None:
                answer = fields.get("data")
            elif kind == ERROR:
                errors.append(str(fields.get("message")))
            if answer is not None and websocket:
                await transport.stop("introspection answered")

    limit = request.timeout or INTROSPECTION_TIMEOUT
    try:
        await asyncio.wait_for(read(), limit)
    except TimeoutError:
        raise SchemaError(f"no introspection answer from {request.target} within {limit:g}s") from None
    except TransportError as exc:
        raise SchemaError(f"cannot introspect {request.target}: {exc.message}") from None
    where = f"{request.target}"
    if isinstance(answer, dict) and isinstance(answer.get("data"), dict) and answer["data"].get("__schema"):
        return from_introspection(answer, f"the introspection of {where}")
    hint = "; or point `@schema` at the schema as SDL (.graphql) or an introspection result (.json)"
    if errors:
        raise SchemaError(f"{where} did not answer the introspection query: {errors[0]}{hint}")
    if isinstance(status, int) and status >= 400:
        raise SchemaError(f"{where} answered the introspection query with HTTP {status}{hint}")
    raise SchemaError(f"{where} did not answer the introspection query with a schema{hint}")


SCHEMAS = GraphQLSchemas()
