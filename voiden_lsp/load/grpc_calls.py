"""The load engine's gRPC calls (imported only by `voiden_lsp.load.user`, in the engine's gevent-patched process):
plain gRPC on grpcio in gevent mode, Connect and gRPC-Web over HTTP/1.1 on `requests`; unary and server streams,
with the schema the parent read."""

from __future__ import annotations

import time
from typing import Any

from voiden_lsp.document import Request
from voiden_lsp.errors import VoidenError
from voiden_lsp.events import RECEIVED, Event
from voiden_lsp.load.verdicts import Shared, grpc_failure, new_judge, unary_failure
from voiden_lsp.templating import Scope
from voiden_lsp.templating.targets import parse_target
from voiden_lsp.transports.base import value_payload


class GrpcCalls:
    shared: Shared
    channels: dict[str, Any]
    stubs: dict[tuple[str, str], Any]
    methods: dict[tuple[str, str], tuple[Any, Any]]
    payloads: dict[str, tuple[str, bytes]]

    def call(self, request: Request, scope: Scope, resolved: Any, started: float) -> None:
        """A gRPC call on grpcio (gevent mode), the schema the parent read: unary as one row; a server
        stream as the time to its first message and a `· messages` row."""
        import grpc

        schema = self.shared.schemas[request.name]
        known = self.methods.get((resolved.target, resolved.rpc))
        if known is None:
            known = self.methods[(resolved.target, resolved.rpc)] = (
                schema.method(resolved.rpc),
                parse_target(resolved),
            )
        method, target = known
        if target.dialect != "grpc":
            self.web_call(request, scope, resolved, started, schema, method, target)
            return
        channel = self.channels.get(resolved.target)
        if channel is None:
            channel = self.channels[resolved.target] = (
                grpc.secure_channel(target.address, grpc.ssl_channel_credentials())
                if target.tls
                else grpc.insecure_channel(target.address)
            )
        metadata = [(k.lower(), v) for k, v in resolved.headers]
        try:
            payload = self.payload(request, schema, method, resolved.body or "{}")
        except VoidenError as exc:
            self.shared.report("GRPC", request.name, 0.0, 0, exc.message)
            return
        output = schema.message_class(method.output)
        if not method.server_streaming:
            self.unary(request, scope, resolved, started, channel, method, payload, metadata, output)
            return
        judged = new_judge(request, scope, self.shared.fixed, "grpc")
        received = 0
        size = 0
        first: float | None = None
        last = time.perf_counter()
        code = "OK"
        message = ""
        try:
            answers: Any = self.stub(channel, resolved, method)(payload, metadata=metadata, timeout=resolved.timeout)
            limit = resolved.meta_int("max-messages")
            for raw in answers:
                now = time.perf_counter()
                first = first if first is not None else (now - started) * 1000
                received += 1
                size += len(raw)
                self.shared.report("GRPC", f"{request.name} · messages", (now - last) * 1000, len(raw), None)
                last = now
                fields = value_payload(schema.to_dict(output.FromString(raw)), len(raw))
                judged.feed(Event("load", request.name, received + 1, (now - started) * 1000, RECEIVED, fields))
                if limit and received >= limit:
                    answers.cancel()
                    break
        except grpc.RpcError as exc:
            code = exc.code().name if exc.code() is not None else "UNKNOWN"
            message = str(exc.details() or code)
        elapsed = (time.perf_counter() - started) * 1000
        failure = grpc_failure(judged, request, code, message, elapsed)
        self.shared.report("GRPC", request.name, first if first is not None else elapsed, size, failure)

    def unary(
        self,
        request: Request,
        scope: Scope,
        resolved: Any,
        started: float,
        channel: Any,
        method: Any,
        payload: bytes,
        metadata: list[tuple[str, str]],
        output: Any,
    ) -> None:
        """A unary call as one row, its answer judged (decoded only when a line reads it)."""
        import grpc

        call = self.stub(channel, resolved, method)
        raw: bytes | None = None
        code, message = "OK", ""
        try:
            raw = call(payload, metadata=metadata, timeout=resolved.timeout)
        except grpc.RpcError as exc:
            code = exc.code().name if exc.code() is not None else "UNKNOWN"
            message = str(exc.details() or code)
        elapsed = (time.perf_counter() - started) * 1000
        schema = self.shared.schemas[request.name]
        decoded: list[Any] = []

        def body() -> Any:
            if not decoded:
                decoded.append(schema.to_dict(output.FromString(raw)))
            return decoded[0]

        failure = unary_failure(request, scope, self.shared.fixed, (code, message), raw, body, elapsed)
        self.shared.report("GRPC", request.name, elapsed, len(raw or b""), failure)

    def stub(self, channel: Any, resolved: Any, method: Any) -> Any:
        """The method's callable on the channel (unary or server streaming), made once per user."""
        key = (resolved.target, method.path)
        call = self.stubs.get(key)
        if call is None:
            kind = channel.unary_stream if method.server_streaming else channel.unary_unary
            call = self.stubs[key] = kind(method.path)
        return call

    def payload(self, request: Request, schema: Any, method: Any, body: str) -> bytes:
        """The request's message as bytes; the last one is kept, so a body without fresh values is read once."""
        last = self.payloads.get(request.name)
        if last is not None and last[0] == body:
            return last[1]
        payload: bytes = schema.parse_json(method.input, body).SerializeToString()
        self.payloads[request.name] = (body, payload)
        return payload

    def web_call(
        self, request: Request, scope: Scope, resolved: Any, started: float, schema: Any, method: Any, target: Any
    ) -> None:
        """Connect or gRPC-Web over HTTP/1.1 (`requests`, on gevent's sockets): unary and server streams, the
        messages in protobuf, the status from Connect's error JSON or end-of-stream message, or gRPC-Web's
        trailers frame."""
        from voiden_lsp.transports import grpc_wire as wire
        from voiden_lsp.transports.grpc_call import status_of
        from voiden_lsp.transports.grpc_http import web_trailers

        unary = not method.server_streaming
        metadata: list[tuple[str, str | bytes]] = [(k.lower(), v) for k, v in resolved.headers]
        headers = dict(
            wire.request_headers(
                target.dialect, metadata, unary=unary, encoding="proto", timeout=resolved.timeout, agent="voiden"
            )
        )
        scheme = "https" if target.tls else "http"
        url = f"{scheme}://{target.address}{target.prefix}/{method.service}/{method.name}"
        judged = new_judge(request, scope, self.shared.fixed, "grpc")
        output = schema.message_class(method.output)
        code, message, received, size = "OK", "", 0, 0
        try:
            payload = schema.parse_json(method.input, resolved.body or "{}").SerializeToString()
            body = payload if target.dialect == "connect" and unary else wire.envelope(payload)
            answer = self.shared.http.post(url, data=body, headers=headers, timeout=resolved.timeout or 30)
            messages: list[bytes] = []
            if target.dialect == "connect" and unary:
                if answer.status_code == 200:
                    messages.append(answer.content)
                else:
                    status = wire.connect_status(wire.json_object(answer.content) or {"code": "unknown"}, [])
                    code, message = status.code, status.message
            else:
                trailers_seen = False
                for flags, frame in wire.Deframer(None).feed(answer.content):
                    if target.dialect == "connect" and flags & 0x02:
                        status = wire.connect_end(frame)
                        code, message = status.code, status.message
                    elif flags & 0x80:  # gRPC-Web's trailers, in HTTP/1.1 header syntax
                        trailers_seen = True
                        status = web_trailers(frame)
                        code, message = status.code, status.message
                    else:
                        messages.append(frame)
                if target.dialect == "grpc-web" and not trailers_seen and "grpc-status" in answer.headers:
                    status = status_of([(k.lower(), v) for k, v in answer.headers.items()])  # a trailers-only answer
                    code, message = status.code, status.message
                if answer.status_code != 200 and code == "OK":
                    code, message = "UNKNOWN", f"HTTP {answer.status_code}"
            for raw in messages:
                received += 1
                size += len(raw)
                now = (time.perf_counter() - started) * 1000
                if not unary:
                    self.shared.report("GRPC", f"{request.name} · messages", now, len(raw), None)
                fields = value_payload(schema.to_dict(output.FromString(raw)), len(raw))
                judged.feed(Event("load", request.name, received + 1, now, RECEIVED, fields))
        except (VoidenError, wire.WireError) as exc:
            code, message = getattr(exc, "code", "INTERNAL"), exc.message
        except Exception as exc:  # a refused connection, a reset
            code, message = "UNAVAILABLE", f"{type(exc).__name__}: {exc}"
        elapsed = (time.perf_counter() - started) * 1000
        self.shared.report("GRPC", request.name, elapsed, size, grpc_failure(judged, request, code, message, elapsed))
