"""The load engine's streams (imported only by `voiden_lsp.load.user`, in the engine's gevent-patched process):
SSE on `requests`, WebSocket on websocket-client, Socket.IO on python-socketio's sync client; a stream is two
rows, the time to its first message and a row per message (its rate is the messages a second)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from voiden_lsp.document import Request
from voiden_lsp.events import CLOSED, RECEIVED, Event
from voiden_lsp.load.verdicts import Shared, first_failure, new_judge
from voiden_lsp.templating import Scope


class StreamCalls:
    shared: Shared

    def stream(self, request: Request, scope: Scope, resolved: Any, started: float) -> None:
        """A stream as two rows: NAME (time to the first message, failed if an expectation fails) and
        `NAME · messages` (a row per message: its rate is the messages a second)."""
        kind = request.protocol.upper()
        judged = new_judge(request, scope, self.shared.fixed, request.protocol)
        first: float | None = None
        last = time.perf_counter()
        size = 0
        failure: str | None = None
        try:
            for seq, fields in enumerate(self.stream_messages(request, resolved), start=2):
                now = time.perf_counter()
                first = first if first is not None else (now - started) * 1000
                size += fields["size"]
                self.shared.report(kind, f"{request.name} · messages", (now - last) * 1000, fields["size"], None)
                last = now
                judged.feed(Event("load", request.name, seq, (now - started) * 1000, RECEIVED, fields))
        except Exception as exc:  # a refused connection, a reset: this request's failure, in words
            failure = f"{type(exc).__name__}: {exc}"
        judged.feed(Event("load", request.name, 10**9, (time.perf_counter() - started) * 1000, CLOSED, {}))
        if failure is None:
            failure = first_failure(judged)
        if failure is None and first is None:
            failure = "no message came"
        self.shared.report(kind, request.name, first if first is not None else 0.0, size, failure)

    def stream_messages(self, request: Request, resolved: Any) -> Iterator[dict[str, Any]]:
        """An SSE, WebSocket or Socket.IO stream's messages until its limits, each as the fields the live
        transport gives it (so a line reads the same message in `voiden load` as in `voiden run`)."""
        limit = resolved.meta_int("max-messages")
        window = resolved.meta_duration("duration")
        ends = time.monotonic() + window if window else None
        count = 0
        if request.protocol == "sse":
            from voiden_lsp.transports.sse import SseDecoder, received_fields

            decoder = SseDecoder()
            headers = {"Accept": "text/event-stream", **dict(resolved.headers)}
            with self.shared.http.get(resolved.target, headers=headers, stream=True, timeout=window or 30) as answer:
                answer.raise_for_status()
                for line in answer.iter_lines(decode_unicode=True):
                    text_line = line.decode(errors="replace") if isinstance(line, bytes) else str(line or "")
                    event = decoder.feed(text_line.rstrip("\r"))
                    if event is None:
                        continue
                    count += 1
                    yield received_fields(event)
                    if (limit and count >= limit) or (ends and time.monotonic() >= ends):
                        return
            return
        if request.protocol == "socketio":
            yield from self.socketio_messages(resolved, limit, ends)
            return
        import websocket  # websocket-client: sync, on gevent's patched sockets

        from voiden_lsp.transports.websocket import message_payload

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
                count += 1
                yield message_payload(data)
                if (limit and count >= limit) or (ends and time.monotonic() >= ends):
                    return
        finally:
            connection.close()

    def socketio_messages(self, resolved: Any, limit: int | None, ends: float | None) -> Iterator[dict[str, Any]]:
        """A Socket.IO session on python-socketio's sync client: the body emitted as `message` once connected,
        every event from the server a message, until the limits."""
        import socketio
        from gevent.queue import Empty, Queue  # type: ignore[import-untyped]

        from voiden_lsp.transports.socketio import DEFAULT_EVENT, message_data, received_fields

        namespace = resolved.meta("namespace") or "/"
        arrived: Queue = Queue()
        client = socketio.Client(reconnection=False)
        client.on("*", lambda event, *args: arrived.put(received_fields(event, args)), namespace=namespace)
        client.connect(
            resolved.target,
            headers=dict(resolved.headers),
            namespaces=[namespace],
            wait_timeout=resolved.timeout or 10,
        )
        try:
            if isinstance(resolved.body, str) and resolved.body.strip():
                client.emit(DEFAULT_EVENT, message_data(resolved.body), namespace=namespace)
            count = 0
            while True:
                wait = None if ends is None else max(0.0, ends - time.monotonic())
                try:
                    fields = arrived.get(timeout=wait if wait is not None else 30)
                except Empty:
                    return
                count += 1
                yield fields
                if (limit and count >= limit) or (ends and time.monotonic() >= ends):
                    return
        finally:
            client.disconnect()
