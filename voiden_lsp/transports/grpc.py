"""gRPC on grpclib's HTTP/2 with dynamic messages: unary, server, client and bidirectional streaming.

The call's gRPC layer is ours (grpc_call.py): a server stream reaches the loop in batches, one turn for
what one network read brought. A client-streaming or bidirectional call stays open: `send()` writes a
message on it, `close()` half-closes. Events from the reader and from `send()` meet in one queue, so
`events()` yields them in the order they happened.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

from google.protobuf.message import Message

from voiden_lsp.errors import SchemaError, TransportError
from voiden_lsp.events import CLOSED, CONNECTING, ERROR, OPEN, RECEIVED, SENT, STATUS, TRAILERS
from voiden_lsp.schema import MethodInfo, Schema
from voiden_lsp.templating import ResolvedRequest, Response
from voiden_lsp.templating.targets import Target, parse_target
from voiden_lsp.transports.base import Emitted, Transport, value_payload
from voiden_lsp.transports.grpc_call import Call, ConnectFailed, metadata_from
from voiden_lsp.transports.grpc_channel import explain_failure, metadata_of
from voiden_lsp.transports.grpc_dialects import Codec, open_call
from voiden_lsp.transports.grpc_reflection import SCHEMAS, SchemaCache
from voiden_lsp.transports.grpc_wire import Status, headers_of, rich_details


class GrpcTransport(Transport):
    def __init__(self, request: ResolvedRequest, schemas: SchemaCache | None = None) -> None:
        super().__init__(request)
        self.schemas = schemas or SCHEMAS
        self.schema: Schema | None = None
        self.method: MethodInfo | None = None
        self._call: Any = None
        self._codec: Codec | None = None
        self._send_limit: int | None = None
        """A grpc_call.Call, or for Connect and gRPC-Web a grpc_http.HttpCall: the same interface."""
        self._opened = False
        self._received = 0
        self._last: Any = None
        """The last message received, as its JSON value: the response body for later references."""

    @property
    def live(self) -> bool:  # type: ignore[override]
        """Whether messages can be sent after the first: known once the method's kind is."""
        return self.method is not None and self.method.client_streaming

    @property
    def streams(self) -> bool:
        return self.method is not None and (self.method.client_streaming or self.method.server_streaming)

    async def events(self) -> AsyncIterator[Emitted]:
        request = self.request
        target = parse_target(request)
        yield CONNECTING, {"target": request.target, "method": request.rpc}
        reader: asyncio.Task[None] | None = None
        channel: Any = None
        try:
            self.schema, self.method = schema, method = await self.schemas.method(request, target)
            metadata = metadata_of(request.headers)
            first = (
                schema.parse_json(method.input, request.body or "{}")
                if request.body or not method.client_streaming
                else None
            )
            self._send_limit = request.meta_size("max-message-size")
            channel, call, self._codec = open_call(request, target, method, metadata, self._send_limit)
            self._call = call
            try:
                if method.client_streaming:
                    await call.start()
                else:
                    assert first is not None
                    payload = self._payload(first)
                    self._sent(first)
                    await call.start(payload, end=True)
            except ConnectFailed as failed:
                raise TransportError(
                    explain_failure(failed.cause, target, request.timeout, f"calling {method.full_name}")
                ) from None
            reader = asyncio.create_task(self._read(call, method, target), name=f"grpc reader {request.name}")
            if method.client_streaming and first is not None:
                await self._write(first)
            self.ready.set()
            async for item in self._drain():
                yield item
        finally:
            if reader is not None and not reader.done():
                reader.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await reader
            if self._call is not None and not self._call.done:
                self._call.cancel()
            if self.response is None and self._last is not None:  # a limit of ours ended it: no status
                self.response = Response(status=None, headers={}, body=self._body())
            if channel is not None:
                closing = channel.aclose() if hasattr(channel, "aclose") else channel.close()
                if closing is not None:
                    with contextlib.suppress(Exception):
                        await closing

    def _payload(self, message: Message) -> bytes:
        """The message as it travels (protobuf, or JSON with `@encoding json`), within `@max-message-size`."""
        assert self._codec is not None
        payload = self._codec.encode(message)
        limit = self._send_limit
        if limit is not None and len(payload) > limit:
            raise TransportError(
                f"the message is {len(payload)} bytes, over `@max-message-size` ({limit} bytes): "
                "raise the limit or send less"
            )
        return payload

    def _sent(self, message: Message) -> None:
        assert self.schema is not None
        self._emit(SENT, value_payload(self.schema.to_dict(message), message.ByteSize()))

    async def _write(self, message: Message) -> None:
        # `sent` as the message is handed over: a fast server's answer must not be logged before it
        assert self._call is not None
        payload = self._payload(message)
        self._sent(message)
        if not await self._call.send(payload):
            raise TransportError(f"the call of `{self.request.name}` is no longer open for sending")

    async def send(self, message: str | bytes, *, event: str | None = None) -> None:
        if self.method is None or self.schema is None or self._call is None:
            raise TransportError(f"`{self.request.name}` is not open yet: wait for its `open` event")
        if not self.method.client_streaming:
            raise TransportError(
                f"`{self.method.full_name}` is a {self.method.kind} call: it takes one message, the request body"
            )
        if self._call.done:
            raise TransportError(f"the call of `{self.request.name}` has ended")
        if isinstance(message, bytes):
            raise TransportError("gRPC messages are JSON (the protobuf mapping), not binary blocks")
        await self._write(self.schema.parse_json(self.method.input, message))

    async def end_input(self) -> None:
        await self.close()

    async def close(self) -> None:
        """Half-close: the client has no more messages; the server may still answer."""
        if self._call is not None and self.method is not None and self.method.client_streaming:
            await self._call.end()

    async def _read(self, call: Call, method: MethodInfo, target: Target) -> None:
        try:
            headers = await call.initial()
            if headers is not None:  # None: the call ended before the server answered (its status says how)
                self._open(metadata_from(headers))
                reason = await self._read_stream(call)
                if reason is not None:  # a limit of ours ended it: the call is cancelled, not failed
                    call.cancel()
                    self._emit(CLOSED, {"by": "client", "reason": reason, "messages": self._received})
                    return
            self._finish(await call.finish(), method, target)
        except (TransportError, SchemaError) as exc:
            call.cancel()
            self._emit(ERROR, {"message": exc.message})
        finally:
            self._end()

    async def _read_stream(self, call: Call) -> str | None:
        """Read the server's messages to their end, or to `@max-messages` / `@duration` (then the reason)."""
        max_messages = self.request.meta_int("max-messages")
        duration = self.request.meta_duration("duration")
        deadline = None if duration is None else asyncio.get_running_loop().time() + duration
        assert self._codec is not None
        decode = self._codec.decode
        try:
            async with asyncio.timeout_at(deadline):
                async for batch in call.batches():
                    for payload in batch:
                        message, size = decode(payload)
                        self._message(message, size)
                        if max_messages is not None and self._received >= max_messages:
                            return f"@max-messages {max_messages} reached"
        except TimeoutError:
            return f"@duration {self.request.meta('duration')} reached"
        return None

    def _finish(self, status: Status, method: MethodInfo, target: Target) -> None:
        """`status`, `trailers` and `closed` of a call that ended; a failure to reach the service at all is an
        `error` in words instead."""
        code = status.code
        if not status.from_server and not self._opened and code in ("UNAVAILABLE", "DEADLINE_EXCEEDED"):
            cause: BaseException = status.cause or (
                TimeoutError() if code == "DEADLINE_EXCEEDED" else ConnectionError(status.message)
            )
            raise TransportError(explain_failure(cause, target, self.request.timeout, f"calling {method.full_name}"))
        if not self._opened:
            self._open(())
        self._status(status)
        if code == "UNAVAILABLE" and not status.from_server:  # no trailers: no server said this
            self._emit(
                ERROR,
                {
                    "message": f"the call to {target.address} was cut before the server ended it "
                    f"({status.message}): the network or the server dropped the connection"
                },
            )
        by = "client" if code in ("CANCELLED", "DEADLINE_EXCEEDED") else "server"
        self._emit(CLOSED, {"by": by, "reason": code, "messages": self._received})

    def _open(self, initial: Any) -> None:
        self._opened = True
        call = self.method.kind if self.method is not None else None
        self._emit(OPEN, {"headers": headers_of(initial), **({"call": call} if call else {})})

    def _message(self, message: Message, size: int) -> None:
        assert self.schema is not None
        if not self._opened:
            self._open(())
        value = self.schema.to_dict(message)
        self._received += 1
        self._last = value
        self._emit(RECEIVED, value_payload(value, size))

    def _status(self, status: Status) -> None:
        fields: dict[str, Any] = {"code": status.code, "message": status.message}
        rich = rich_details(status.details_bin)
        if rich:
            fields["details"] = rich
        self._emit(STATUS, fields)
        trailers = headers_of(status.trailers)
        if trailers:
            self._emit(TRAILERS, {"headers": trailers})
        self.response = Response(status=status.code, headers=trailers, body=self._body())

    def _body(self) -> str:
        return "" if self._last is None else json.dumps(self._last, ensure_ascii=False)
