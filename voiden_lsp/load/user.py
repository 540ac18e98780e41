"""The Locust User built at run time from the parsed document (imported only by `voiden_lsp.load.engine`, after
gevent's patch): each request a task weighted by `@weight`, or the document in order with `journey`. HTTP (and
GraphQL over HTTP) go through Locust's FastHttpUser client; streams, gRPC and MCP through their mixins. Each
send renders the request afresh (fake data) from a form read once per user (`compile_request`) and judges every
`expect` line on the answer."""

from __future__ import annotations

import base64
import os
import time
from pathlib import Path
from typing import Any

from locust import FastHttpUser, constant, events

from voiden_lsp.document import Request
from voiden_lsp.errors import VoidenError
from voiden_lsp.formats import parse_document
from voiden_lsp.load.grpc_calls import GrpcCalls
from voiden_lsp.load.mcp_calls import McpCalls
from voiden_lsp.load.streams import StreamCalls
from voiden_lsp.load.verdicts import Shared, http_failure
from voiden_lsp.schema import Schema
from voiden_lsp.templating import (
    Collection,
    CompiledRequest,
    ResolvedRequest,
    Response,
    Scope,
    compile_request,
    mask_secrets,
    render_request,
    void_context,
)

BODY_KEPT = 1024 * 1024
"""A response body kept for expectations and references (the rest is read and counted)."""


def build_user(orders: dict[str, Any]) -> type[FastHttpUser]:
    path = Path(orders["path"])
    text = path.read_text(encoding="utf-8")
    doc = parse_document(text, path.name, *void_context(path))
    collection = Collection.load(path)
    names = orders.get("names") or []
    chosen = [r for r in doc.requests if not names or r.name in names]
    env_name = orders.get("env")
    overrides = dict(orders.get("vars") or {})
    secrets = collection.secrets
    process_env = dict(os.environ)  # read once: a scope made per send would copy it at every request

    def report(kind: str, name: str, elapsed_ms: float, size: int, failure: str | None) -> None:
        events.request.fire(  # type: ignore[no-untyped-call]
            request_type=kind,
            name=name,
            response_time=elapsed_ms,
            response_length=size,
            exception=RuntimeError(mask_secrets(failure, secrets)) if failure else None,
            context={},
        )

    schemas: dict[str, Schema] = {}
    if orders.get("schemas"):
        import grpc.experimental.gevent as grpc_gevent

        grpc_gevent.init_gevent()  # grpcio's polling on gevent's hub, before its first channel
        for name, data in orders["schemas"].items():
            schemas[name] = Schema.from_descriptor_set(base64.b64decode(data), f"the schema of `{name}`")

    import requests  # gevent-patched: Locust's own dependency

    if "{{$" in text:
        import faker  # noqa: F401  (slow to import: before the run, not in its first requests)

    shared = Shared(report=report, http=requests.Session(), schemas=schemas)
    # what an answer must keep: its headers when a line reads one, the response when a template may refer to it
    # (a `NAME.response.` anywhere in the requests as read, linked blocks included, or in the variables); the
    # rest is not made at each send
    layers = Scope.for_request(doc, None, collection, env=env_name, overrides=overrides, process_env=process_env)
    keeps = any(".response." in repr(r) for r in doc.requests) or any(
        ".response." in str(v) for _, vs in layers.layers for v in vs.values()
    )
    reads_headers = {r.name for r in chosen if any(e.subject.kind == "header" for e in r.expectations)}
    weights = {r.name: max(1, int(next((m.value for m in r.metadata if m.key == "weight"), "1") or 1)) for r in chosen}
    # Locust reads `tasks` when the class is made (its metaclass spreads the weights): built before it
    built: Any
    if orders.get("journey"):

        def journey(user: Any) -> None:
            for request in chosen:
                user.send(request)

        built = [journey]
    else:
        built = {}
        for request in chosen:

            def one(user: Any, request: Request = request) -> None:
                user.send(request)

            built[one] = weights[request.name]

    class DocumentUser(FastHttpUser, StreamCalls, GrpcCalls, McpCalls):
        tasks = built
        wait_time = constant(0)
        host = orders.get("host") or "http://127.0.0.1"
        network_timeout = float(orders.get("timeout") or 30.0)
        connection_timeout = float(orders.get("timeout") or 30.0)

        def on_start(self) -> None:
            self.shared = shared
            self.responses: dict[str, Response] = {}
            self.scopes: dict[str, Scope] = {}
            self.compiled: dict[str, CompiledRequest | None] = {}
            self.channels = {}
            self.stubs = {}
            self.methods = {}
            self.payloads = {}
            self.mcp_sessions = {}
            self.mcp_ids = 0
            self.mcp_last_session = None

        def on_stop(self) -> None:
            for channel in self.channels.values():
                channel.close()

        def scope(self, request: Request) -> Scope:
            """The request's scope for this user, made once: it reads this user's responses as they change."""
            scope = self.scopes.get(request.name)
            if scope is None:
                scope = self.scopes[request.name] = Scope.for_request(
                    doc,
                    request,
                    collection,
                    env=env_name,
                    overrides=overrides,
                    base_dir=path.parent,
                    process_env=process_env,
                )
                scope.responses = self.responses
            return scope

        def render(self, request: Request, scope: Scope) -> ResolvedRequest:
            """The request with fresh template values: from its form read once, or whole when it has none (a
            GraphQL or multipart request, or one whose first rendering failed and is tried again)."""
            if request.name not in self.compiled:
                compiled = compile_request(request, scope)  # raises as render_request does: tried again next send
                self.compiled[request.name] = compiled
                if compiled is not None:
                    return compiled.base
            compiled = self.compiled[request.name]
            return compiled.render(scope) if compiled is not None else render_request(request, scope)

        def send(self, request: Request) -> None:
            """One request as a Locust request: rendered afresh (fake data), sent, judged."""
            started = time.perf_counter()
            scope = self.scope(request)
            try:
                resolved = self.render(request, scope)
            except VoidenError as exc:
                report(request.protocol.upper(), request.name, 0.0, 0, exc.message)
                return
            if request.protocol in ("sse", "ws", "socketio"):
                self.stream(request, scope, resolved, started)
                return
            if request.protocol == "grpc":
                self.call(request, scope, resolved, started)
                return
            if request.protocol == "mcp":
                self.mcp(request, scope, resolved, started)
                return
            headers = dict(resolved.headers)
            implied = resolved.implied_content_type()
            if implied is not None:
                headers.setdefault("Content-Type", implied)
            body = resolved.body if isinstance(resolved.body, str) else None
            with self.client.request(
                resolved.method or "GET",
                resolved.target,
                headers=headers,
                data=body,
                name=request.name,
                catch_response=True,
                allow_redirects="no-redirect" not in resolved.metadata,
            ) as response:
                content = response.content or b""
                kept = content[:BODY_KEPT].decode(errors="replace")
                answer_headers = (
                    {k.lower(): v for k, v in (response.headers or {}).items()}
                    if keeps or request.name in reads_headers
                    else {}
                )
                if keeps:
                    self.responses[request.name] = Response(response.status_code, answer_headers, kept)
                answer = (response.status_code, answer_headers, kept, len(content))
                failure = http_failure(request, scope, shared.fixed, answer, started)
                if response.status_code == 0:
                    response.failure(mask_secrets(str(response.error or "no answer"), secrets))
                elif failure is not None:
                    response.failure(mask_secrets(failure, secrets))
                else:
                    response.success()

    return DocumentUser
