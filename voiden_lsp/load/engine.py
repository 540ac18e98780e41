"""The child process of `voiden load` (never imported by anything else: `import locust` patches the process
with gevent). It reads its orders as one JSON object on stdin, builds a Locust User class from the parsed
document at run time (each request a task weighted by `@weight`, or the document in order with `journey`),
runs Locust's local, master or worker runner, and writes JSON lines on stdout: `stats` each second, then
`final`. HTTP (and GraphQL over HTTP) go through Locust's FastHttpUser client; every `expect` line is judged
on every response, and a failed one fails that request.

`python -m voiden_lsp.load.engine` < orders"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from gevent import monkey  # type: ignore[import-untyped]

monkey.patch_all()

import gevent  # noqa: E402
from locust import FastHttpUser, constant, events  # noqa: E402
from locust.env import Environment  # noqa: E402

from voiden_lsp.document import Request  # noqa: E402
from voiden_lsp.errors import VoidenError  # noqa: E402
from voiden_lsp.events import CLOSED, JSON, OPEN, RECEIVED, STATUS, TEXT, Event  # noqa: E402
from voiden_lsp.formats import parse_document  # noqa: E402
from voiden_lsp.judge import Judge  # noqa: E402
from voiden_lsp.schema import Schema  # noqa: E402
from voiden_lsp.sessions.runner import Runner  # noqa: E402
from voiden_lsp.templating import Collection, Response, Scope, mask_secrets, render_request, void_context  # noqa: E402
from voiden_lsp.templating.targets import parse_target  # noqa: E402

SUPPORTED = ("http", "graphql", "sse", "ws", "grpc", "mcp", "socketio")
BODY_KEPT = 1024 * 1024
"""A response body kept for expectations and references (the rest is read and counted)."""


def emit(kind: str, **fields: Any) -> None:
    sys.stdout.write(json.dumps({"type": kind, **fields}) + "\n")
    sys.stdout.flush()


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
    fixed: Fixed = {}

    def report(kind: str, name: str, elapsed_ms: float, size: int, failure: str | None) -> None:
        events.request.fire(  # type: ignore[no-untyped-call]
            request_type=kind,
            name=name,
            response_time=elapsed_ms,
            response_length=size,
            exception=RuntimeError(mask_secrets(failure, secrets)) if failure else None,
            context={},
        )

    def stream_messages(request: Any, resolved: Any) -> Iterator[tuple[str, int]]:
        """An SSE or WebSocket stream's messages (text, bytes on the wire) until its limits."""
        limit = resolved.meta_int("max-messages")
        window = resolved.meta_duration("duration")
        ends = time.monotonic() + window if window else None
        count = 0
        if request.protocol == "sse":
            from voiden_lsp.transports.sse import SseDecoder

            decoder = SseDecoder()
            headers = {"Accept": "text/event-stream", **dict(resolved.headers)}
            with requests_session.get(resolved.target, headers=headers, stream=True, timeout=window or 30) as answer:
                answer.raise_for_status()
                for line in answer.iter_lines(decode_unicode=True):
                    text_line = line.decode(errors="replace") if isinstance(line, bytes) else str(line or "")
                    event = decoder.feed(text_line.rstrip("\r"))
                    if event is None:
                        continue
                    count += 1
                    yield event.data, len(event.data.encode())
                    if (limit and count >= limit) or (ends and time.monotonic() >= ends):
                        return
            return
        if request.protocol == "socketio":
            yield from socketio_messages(resolved, limit, ends)
            return
        import websocket  # websocket-client: sync, on gevent's patched sockets

        connection = websocket.create_connection(
            resolved.target, header=[f"{k}: {v}" for k, v in resolved.headers], timeout=window or 30
        )
        try:
            if isinstance(resolved.body, str) and resolved.body:
                connection.send(resolved.body)
            while True:
                if ends is not None:
                    connection.settimeout(max(0.01, ends - time.monotonic()))
                try:
                    data = connection.recv()
                except websocket.WebSocketTimeoutException:
                    return
                text = data if isinstance(data, str) else data.decode(errors="replace")
                count += 1
                yield text, len(data)
                if (limit and count >= limit) or (ends and time.monotonic() >= ends):
                    return
        finally:
            connection.close()

    def socketio_messages(resolved: Any, limit: int | None, ends: float | None) -> Iterator[tuple[str, int]]:
        """A Socket.IO session on python-socketio's sync client: the body emitted as `message` once connected,
        every event from the server a message, until the limits."""
        import socketio
        from gevent.queue import Empty, Queue  # type: ignore[import-untyped]

        from voiden_lsp.transports.socketio import DEFAULT_EVENT

        namespace = resolved.meta("namespace") or "/"
        arrived: Queue = Queue()
        client = socketio.Client(reconnection=False)
        client.on("*", lambda event, *args: arrived.put(json.dumps([event, *args], default=str)), namespace=namespace)
        client.connect(
            resolved.target,
            headers=dict(resolved.headers),
            namespaces=[namespace],
            wait_timeout=resolved.timeout or 10,
        )
        try:
            if isinstance(resolved.body, str) and resolved.body.strip():
                try:
                    payload: Any = json.loads(resolved.body)
                except ValueError:
                    payload = resolved.body
                client.emit(DEFAULT_EVENT, payload, namespace=namespace)
            count = 0
            while True:
                wait = None if ends is None else max(0.0, ends - time.monotonic())
                try:
                    text = arrived.get(timeout=wait if wait is not None else 30)
                except Empty:
                    return
                count += 1
                yield text, len(text.encode())
                if (limit and count >= limit) or (ends and time.monotonic() >= ends):
                    return
        finally:
            client.disconnect()

    grpc_schemas: dict[str, Schema] = {}
    if orders.get("schemas"):
        import base64

        import grpc.experimental.gevent as grpc_gevent

        grpc_gevent.init_gevent()  # grpcio's polling on gevent's hub, before its first channel
        for name, data in orders["schemas"].items():
            grpc_schemas[name] = Schema.from_descriptor_set(base64.b64decode(data), f"the schema of `{name}`")

    import requests as requests_lib  # gevent-patched: Locust's own dependency

    requests_session = requests_lib.Session()

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

    class DocumentUser(FastHttpUser):
        tasks = built
        wait_time = constant(0)
        host = orders.get("host") or "http://127.0.0.1"
        network_timeout = float(orders.get("timeout") or 30.0)
        connection_timeout = float(orders.get("timeout") or 30.0)

        def on_start(self) -> None:
            self.responses: dict[str, Response] = {}
            self.channels: dict[str, Any] = {}
            self.mcp_sessions: dict[str, tuple[str, str | None]] = {}
            self.mcp_ids = 0
            self.mcp_last_session: str | None = None

        def on_stop(self) -> None:
            for channel in self.channels.values():
                channel.close()

        def scope(self, request: Request) -> Scope:
            return Scope.for_request(
                doc,
                request,
                collection,
                env=env_name,
                overrides=overrides,
                responses=self.responses,
                base_dir=path.parent,
                process_env=process_env,
            )

        def call(self, request: Request, scope: Scope, resolved: Any, started: float) -> None:
            """A gRPC call on grpcio (gevent mode), the schema the parent read: unary as one row; a server
            stream as the time to its first message and a `· messages` row."""
            import grpc

            schema = grpc_schemas[request.name]
            method = schema.method(resolved.rpc)
            target = parse_target(resolved)
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
                payload = schema.parse_json(method.input, resolved.body or "{}").SerializeToString()
            except VoidenError as exc:
                report("GRPC", request.name, 0.0, 0, exc.message)
                return
            output = schema.message_class(method.output)
            judged = new_judge(request, scope, fixed, "grpc")
            received = 0
            size = 0
            first: float | None = None
            last = time.perf_counter()
            code = "OK"
            message = ""
            try:
                if method.server_streaming:
                    answers: Any = channel.unary_stream(method.path)(
                        payload, metadata=metadata, timeout=resolved.timeout
                    )
                else:
                    answers = [channel.unary_unary(method.path)(payload, metadata=metadata, timeout=resolved.timeout)]
                limit = resolved.meta_int("max-messages")
                for raw in answers:
                    now = time.perf_counter()
                    first = first if first is not None else (now - started) * 1000
                    received += 1
                    size += len(raw)
                    if method.server_streaming:
                        report("GRPC", f"{request.name} · messages", (now - last) * 1000, len(raw), None)
                    last = now
                    value = schema.to_dict(output.FromString(raw))
                    fields = {"data": value, "encoding": JSON, "size": len(raw)}
                    judged.feed(Event("load", request.name, received + 1, (now - started) * 1000, RECEIVED, fields))
                    if limit and received >= limit:
                        if hasattr(answers, "cancel"):
                            answers.cancel()
                        break
            except grpc.RpcError as exc:
                code = exc.code().name if exc.code() is not None else "UNKNOWN"
                message = str(exc.details() or code)
            elapsed = (time.perf_counter() - started) * 1000
            failure = grpc_failure(judged, request, code, message, elapsed)
            shown = (first if first is not None else elapsed) if method.server_streaming else elapsed
            report("GRPC", request.name, shown, size, failure)

        def web_call(
            self, request: Request, scope: Scope, resolved: Any, started: float, schema: Any, method: Any, target: Any
        ) -> None:
            """Connect or gRPC-Web over HTTP/1.1 (`requests`, on gevent's sockets): unary and server streams, the
            messages in protobuf, the status from Connect's error JSON or end-of-stream message, or gRPC-Web's
            trailers frame."""
            from voiden_lsp.transports import grpc_wire as wire

            unary = not method.server_streaming
            metadata: list[tuple[str, str | bytes]] = [(k.lower(), v) for k, v in resolved.headers]
            headers = dict(
                wire.request_headers(
                    target.dialect, metadata, unary=unary, encoding="proto", timeout=resolved.timeout, agent="voiden"
                )
            )
            scheme = "https" if target.tls else "http"
            url = f"{scheme}://{target.address}{target.prefix}/{method.service}/{method.name}"
            judged = new_judge(request, scope, fixed, "grpc")
            output = schema.message_class(method.output)
            code, message, received, size = "OK", "", 0, 0
            try:
                payload = schema.parse_json(method.input, resolved.body or "{}").SerializeToString()
                body = payload if target.dialect == "connect" and unary else wire.envelope(payload)
                answer = requests_session.post(url, data=body, headers=headers, timeout=resolved.timeout or 30)
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
                            fields = dict(
                                line.split(":", 1)
                                for line in frame.decode(errors="replace").splitlines()
                                if ":" in line
                            )
                            code = wire.code_name(fields.get("grpc-status", "0").strip())
                            message = fields.get("grpc-message", "").strip()
                        else:
                            messages.append(frame)
                    if target.dialect == "grpc-web" and not trailers_seen and "grpc-status" in answer.headers:
                        code = wire.code_name(answer.headers["grpc-status"])  # a trailers-only answer
                        message = answer.headers.get("grpc-message", "")
                    if answer.status_code != 200 and code == "OK":
                        code, message = "UNKNOWN", f"HTTP {answer.status_code}"
                for raw in messages:
                    received += 1
                    size += len(raw)
                    now = (time.perf_counter() - started) * 1000
                    if not unary:
                        report("GRPC", f"{request.name} · messages", now, len(raw), None)
                    value: dict[str, Any] = {"data": schema.to_dict(output.FromString(raw)), "encoding": JSON}
                    judged.feed(Event("load", request.name, received + 1, now, RECEIVED, {**value, "size": len(raw)}))
            except (VoidenError, wire.WireError) as exc:
                code, message = getattr(exc, "code", "INTERNAL"), exc.message
            except Exception as exc:  # a refused connection, a reset
                code, message = "UNAVAILABLE", f"{type(exc).__name__}: {exc}"
            elapsed = (time.perf_counter() - started) * 1000
            report("GRPC", request.name, elapsed, size, grpc_failure(judged, request, code, message, elapsed))

        def mcp(self, request: Request, scope: Scope, resolved: Any, started: float) -> None:
            """An MCP operation over Streamable HTTP on Locust's client: the handshake once per user and server
            (2026-07-28's `server/discover`, else 2025-11-25's `initialize` and its session), then the call as
            the request's row, its result judged as the body."""
            from voiden_lsp.transports import mcp as wire

            failure: str | None = None
            result: Any = None
            try:
                operation, params = wire.operation_params(resolved.rpc, resolved.body)
                version, session = self.mcp_handshake(resolved, wire)
                if operation in ("tools/call", "prompts/get"):
                    params = {**params, "_meta": {"progressToken": 1}}
                answer = self.mcp_post(resolved, wire, operation, params, version, session)
                if "error" in answer:
                    failure = wire.error_text(answer["error"])
                result = answer.get("result", answer.get("error"))
                if isinstance(result, dict) and result.get("isError") is True:
                    failure = wire.tool_error_text(result)
            except Exception as exc:  # a refusal in words (the transport's own), a reset, a timeout
                failure = getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"
            elapsed = (time.perf_counter() - started) * 1000
            judged = new_judge(request, scope, fixed, "mcp", opened=False)
            if result is not None:
                data = {"jsonrpc": "2.0", "id": 2, "result": result}
                judged.feed(Event("load", request.name, 1, elapsed, RECEIVED, {"data": data, "event": "result"}))
            judged.feed(Event("load", request.name, 2, elapsed, CLOSED, {}))
            failed = first_failure(judged)
            about = any(e.subject.path[:1] in (("isError",), ("code",), ("message",)) for e in request.expectations)
            if failure is not None and about and result is not None:
                failure = None  # an expectation is about the error: it judges it
            if failure is None:
                failure = failed
            report("MCP", request.name, elapsed, len(json.dumps(result)) if result is not None else 0, failure)

        def mcp_handshake(self, resolved: Any, wire: Any) -> tuple[str, str | None]:
            known = self.mcp_sessions.get(resolved.target)
            if known is not None:
                return known
            wanted = resolved.meta("mcp-version") or "auto"
            version: str | None = None
            if wanted in ("auto", wire.MODERN):
                found = self.mcp_post(resolved, wire, "server/discover", {}, wire.MODERN, None, quiet=True)
                supported = (found.get("result") or {}).get("supportedVersions") or [] if found else []
                if wire.MODERN in supported:
                    version = wire.MODERN
                elif wanted == wire.MODERN:
                    raise wire.McpError(f"the server does not speak MCP {wire.MODERN}")
            session: str | None = None
            if version is None:
                params = {"protocolVersion": wire.HANDSHAKE, "capabilities": {}, "clientInfo": wire.CLIENT_INFO}
                answer = self.mcp_post(resolved, wire, "initialize", params, None, None)
                if "error" in answer:
                    raise wire.McpError("the server refused to initialize: " + wire.error_text(answer["error"]))
                version = str((answer.get("result") or {}).get("protocolVersion") or wire.HANDSHAKE)
                session = self.mcp_last_session
                note = json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"})
                headers = self.mcp_headers(resolved, version, session, "notifications/initialized", None)
                requests_session.post(resolved.target, data=note, headers=headers, timeout=resolved.timeout or 30)
            self.mcp_sessions[resolved.target] = (version, session)
            return version, session

        def mcp_headers(
            self, resolved: Any, version: str | None, session: str | None, method: str, name: Any
        ) -> dict[str, str]:
            from voiden_lsp.transports.mcp import headers_of

            return dict(headers_of(resolved.headers, version, method, str(name) if name else None, session))

        def mcp_post(
            self,
            resolved: Any,
            wire: Any,
            method: str,
            params: dict[str, Any],
            version: str | None,
            session: str | None,
            *,
            quiet: bool = False,
        ) -> dict[str, Any]:
            """One JSON-RPC request; its response (from a JSON body or an event stream)."""
            self.mcp_ids += 1
            message = wire.message_of(self.mcp_ids, method, params, version, log_level=None)  # no log traffic
            headers = self.mcp_headers(resolved, version, session, method, params.get("name") or params.get("uri"))
            answer = requests_session.post(  # outside Locust's stats: the call is reported once, by `mcp`
                resolved.target, data=json.dumps(message), headers=headers, timeout=resolved.timeout or 30
            )
            content = answer.content
            if method == "initialize":
                self.mcp_last_session = answer.headers.get("mcp-session-id")
            if answer.status_code >= 400:
                if quiet:
                    return {}
                raise wire.McpError(f"the server answered {method} with HTTP {answer.status_code}")
            text = content.decode(errors="replace")
            if "text/event-stream" in (answer.headers.get("content-type") or ""):
                for block in text.split("\n\n"):
                    data = "\n".join(line[5:].lstrip() for line in block.splitlines() if line.startswith("data:"))
                    if data.strip():
                        found = json.loads(data)
                        if isinstance(found, dict) and found.get("id") == self.mcp_ids:
                            return found
                raise wire.McpError(f"the server's stream ended without an answer to {method}")
            found = json.loads(text) if text.strip() else {}
            return found if isinstance(found, dict) else {}

        def stream(self, request: Request, scope: Scope, resolved: Any, started: float) -> None:
            """A stream as two rows: NAME (time to the first message, failed if an expectation fails) and
            `NAME · messages` (a row per message: its rate is the messages a second)."""
            kind = request.protocol.upper()
            judged = new_judge(request, scope, fixed, request.protocol)
            first: float | None = None
            last = time.perf_counter()
            size = 0
            failure: str | None = None
            try:
                for seq, (text, length) in enumerate(stream_messages(request, resolved), start=2):
                    now = time.perf_counter()
                    first = first if first is not None else (now - started) * 1000
                    size += length
                    report(kind, f"{request.name} · messages", (now - last) * 1000, length, None)
                    last = now
                    try:
                        value, encoding = json.loads(text), JSON
                    except ValueError:
                        value, encoding = text, TEXT
                    elapsed = (now - started) * 1000
                    fields = {"data": value, "encoding": encoding, "size": length}
                    judged.feed(Event("load", request.name, seq, elapsed, RECEIVED, fields))
            except Exception as exc:  # a refused connection, a reset: this request's failure, in words
                failure = f"{type(exc).__name__}: {exc}"
            judged.feed(Event("load", request.name, 10**9, (time.perf_counter() - started) * 1000, CLOSED, {}))
            if failure is None:
                failure = first_failure(judged)
            if failure is None and first is None:
                failure = "no message came"
            report(kind, request.name, first if first is not None else 0.0, size, failure)

        def send(self, request: Request) -> None:
            """One request as a Locust request: rendered afresh (fake data), sent, judged."""
            started = time.perf_counter()
            scope = self.scope(request)
            try:
                resolved = render_request(request, scope)
            except VoidenError as exc:
                self.environment.events.request.fire(
                    request_type=request.protocol.upper(),
                    name=request.name,
                    response_time=0,
                    response_length=0,
                    exception=RuntimeError(mask_secrets(exc.message, secrets)),
                    context={},
                )
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
                answer_headers = {k.lower(): v for k, v in (response.headers or {}).items()}
                self.responses[request.name] = Response(status=response.status_code, headers=answer_headers, body=kept)
                failure = judge(
                    request, scope, response.status_code, answer_headers, kept, len(content), started, fixed
                )
                if response.status_code == 0:
                    response.failure(mask_secrets(str(response.error or "no answer"), secrets))
                elif failure is not None:
                    response.failure(mask_secrets(failure, secrets))
                else:
                    response.success()

    return DocumentUser


def judge(
    request: Request,
    scope: Scope,
    status: int,
    headers: dict[str, str],
    body: str,
    size: int,
    started: float,
    fixed: Fixed,
) -> str | None:
    """The request's expectations on one response: the first failure in words, or None."""
    if not request.expectations and not any(b.bad for b in request.expects):
        return None
    judged = new_judge(request, scope, fixed, request.protocol, opened=False)
    elapsed = (time.perf_counter() - started) * 1000
    try:
        value: Any = json.loads(body) if body.strip() else None
        encoding = JSON if body.strip() else TEXT
    except ValueError:
        value, encoding = body, TEXT
    happened: list[tuple[str, dict[str, Any]]] = [
        (OPEN, {"headers": headers}),
        (STATUS, {"code": status}),
        (RECEIVED, {"data": value if encoding == JSON else body, "encoding": encoding, "size": size}),
        (CLOSED, {"by": "server"}),
    ]
    for seq, (kind, fields) in enumerate(happened, start=1):
        if kind == RECEIVED and not body:
            continue
        judged.feed(Event("load", request.name, seq, elapsed, kind, fields))
    return first_failure(judged)


Fixed = dict[str, dict[int, Any]]
"""Per request, the values of its expectations whose EXPECTED has no template, read once (by position)."""


def new_judge(request: Request, scope: Scope, fixed: Fixed, protocol: str, *, opened: bool = True) -> Judge:
    """A judge of the request's expectations for one send: a literal EXPECTED is read once per request, one with
    a template afresh; `opened`: the exchange is open from the start (time 0, no headers)."""
    if request.name not in fixed:
        fixed[request.name] = {
            i: Runner.expected(e, scope) for i, e in enumerate(request.expectations) if "{{" not in (e.expected or "")
        }
    known = fixed[request.name]
    values = [(e, known[i] if i in known else Runner.expected(e, scope)) for i, e in enumerate(request.expectations)]
    judged = Judge(values, [b for block in request.expects for b in block.bad], protocol=protocol)
    if opened:
        judged.feed(Event("load", request.name, 1, 0.0, OPEN, {"headers": {}}))
    return judged


def first_failure(judged: Judge) -> str | None:
    """The session ended: what failed first, in words (None when every line held)."""
    verdicts = [*judged.start(), *judged.finish(), *judged.verdicts]
    failed = next((v for v in verdicts if not v.passed), None)
    return failed.message if failed is not None else None


def grpc_failure(judged: Judge, request: Request, code: str, message: str, elapsed: float) -> str | None:
    """A gRPC call's end (any dialect): its status judged with the rest; a status other than OK is the failure
    unless an expectation is about the status or the error."""
    judged.feed(Event("load", request.name, 10**6, elapsed, STATUS, {"code": code, "message": message}))
    judged.feed(Event("load", request.name, 10**6 + 1, elapsed, CLOSED, {}))
    failure = first_failure(judged)
    about_status = any(e.subject.kind in ("status", "error") for e in request.expectations)
    if failure is None and code != "OK" and not about_status:
        failure = f"{code}: {message}"
    return failure


def figures(env: Environment) -> dict[str, Any]:
    """Per request and in total: requests, failures, rps, avg, max and the percentiles (ms)."""

    def row(entry: Any) -> dict[str, Any]:
        return {
            "requests": entry.num_requests,
            "failures": entry.num_failures,
            "rps": round(entry.total_rps, 2),
            "avg": round(entry.avg_response_time, 2),
            "max": round(entry.max_response_time or 0, 2),
            "p50": entry.get_response_time_percentile(0.5) or 0,
            "p90": entry.get_response_time_percentile(0.9) or 0,
            "p95": entry.get_response_time_percentile(0.95) or 0,
            "p99": entry.get_response_time_percentile(0.99) or 0,
        }

    requests = {name: row(entry) for (name, _method), entry in env.stats.entries.items()}
    errors = [
        {"request": e.name, "error": str(e.error), "occurrences": e.occurrences} for e in env.stats.errors.values()
    ][:50]
    return {"total": row(env.stats.total), "requests": requests, "errors": errors}


PERCENTILES = [0.5, 0.9, 0.95, 0.99]


def plan_digest(orders: dict[str, Any]) -> str:
    """What master and workers must share: the document's text and the requests chosen."""
    import hashlib

    text = Path(orders["path"]).read_bytes()
    names = ",".join(sorted(orders.get("names") or []))
    return hashlib.sha256(text + b"\0" + names.encode() + b"\0" + str(bool(orders.get("journey"))).encode()).hexdigest()


def final_csv(env: Environment, prefix: str) -> None:
    """The stats, failures and exceptions files as the run ended (the writer's last rows may be a second old)."""
    import csv

    from locust.stats import StatsCSV

    table = StatsCSV(env, PERCENTILES)
    for suffix, write in (
        ("stats", table.requests_csv),
        ("failures", table.failures_csv),
        ("exceptions", table.exceptions_csv),
    ):
        with open(f"{prefix}_{suffix}.csv", "w", newline="", encoding="utf-8") as handle:
            write(csv.writer(handle))


def main() -> None:
    orders = json.loads(sys.stdin.read())
    role = orders.get("role", "local")
    try:
        user = build_user(orders)
    except (OSError, VoidenError) as exc:
        emit("error", message=getattr(exc, "message", None) or str(exc))
        sys.exit(2)
    # users finish the request in flight when the run stops: the counts reported are the counts the server saw
    env = Environment(user_classes=[user], events=events, stop_timeout=float(orders.get("stop_timeout") or 10))
    runner: Any
    digest = plan_digest(orders)
    if role == "worker":
        runner = env.create_worker_runner(orders["master_host"], int(orders["master_port"]))

        def on_plan(environment: Any, msg: Any, **_: Any) -> None:
            """A worker runs only the document its master named: the same text and requests, by digest."""
            if msg.data.get("digest") == digest:
                runner.send_message("voiden-accept", {"digest": digest})
                return
            runner.send_message("voiden-refuse", {"document": Path(orders["path"]).name})
            emit("error", message="this worker's document is not the one its master runs: it runs nothing")
            gevent.spawn_later(0.5, runner.quit)

        runner.register_message("voiden-plan", on_plan)
        emit("ready")
        runner.greenlet.join()
        return
    if role == "master":
        runner = env.create_master_runner(orders.get("bind_host", "127.0.0.1"), int(orders["master_port"]))
        emit("ready")
        expected = int(orders.get("expect_workers") or 1)
        answers: dict[str, bool] = {}
        runner.register_message("voiden-accept", lambda environment, msg, **_: answers.update({msg.node_id: True}))
        runner.register_message("voiden-refuse", lambda environment, msg, **_: answers.update({msg.node_id: False}))
        deadline = time.monotonic() + 60
        while len(runner.clients.ready) < expected:
            if time.monotonic() > deadline:
                emit("error", message=f"{len(runner.clients.ready)} of {expected} workers came")
                runner.quit()
                sys.exit(2)
            gevent.sleep(0.1)
        runner.send_message("voiden-plan", {"digest": digest})
        while len(answers) < expected and time.monotonic() < deadline:
            gevent.sleep(0.05)
        refused = [node for node, accepted in answers.items() if not accepted]
        if refused or len(answers) < expected:
            emit(
                "error",
                message=f"{len(refused) or expected - len(answers)} worker(s) run another document than this "
                "master's (the same file, and the same request names, on every machine): nothing was sent",
            )
            runner.quit()
            sys.exit(2)
    else:
        runner = env.create_local_runner()
    csv_prefix = orders.get("csv")
    writer = history = None
    if csv_prefix:
        from locust.stats import StatsCSVFileWriter

        writer = StatsCSVFileWriter(env, PERCENTILES, csv_prefix, full_history=True)
        history = gevent.spawn(writer)  # the history file, a row a second

    def report() -> None:
        while True:
            gevent.sleep(1)
            emit("stats", users=runner.user_count, **figures(env))

    reporter = gevent.spawn(report)
    runner.start(int(orders["users"]), spawn_rate=float(orders["spawn_rate"]))
    gevent.spawn_later(float(orders["duration"]), runner.quit)
    runner.greenlet.join()
    reporter.kill()
    if orders.get("html"):
        from locust.html import get_html_report

        html = get_html_report(env, show_download_link=False)  # type: ignore[no-untyped-call]
        Path(orders["html"]).write_text(html, encoding="utf-8")
    if writer is not None and history is not None:
        history.kill()
        writer.close_files()
        final_csv(env, csv_prefix)
    emit("final", **figures(env))


if __name__ == "__main__":
    main()
