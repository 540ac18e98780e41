"""gRPC on grpcio's asyncio API with dynamic messages: unary, server, client and bidirectional streaming.

A client-streaming or bidirectional call stays open: `send()` writes a message on it, `close()` half-closes.
Events from the reader and from `send()` meet in one queue, so `events()` yields them in the order they
happened.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

import grpc
from google.protobuf import json_format, message_factory
from google.protobuf.message import DecodeError, Message
from google.rpc import error_details_pb2, status_pb2

from voiden_lsp.errors import SchemaError, TransportError
from voiden_lsp.events import CLOSED, CONNECTING, ERROR, OPEN, RECEIVED, SENT, STATUS, TRAILERS
from voiden_lsp.schema import MethodInfo, Schema
from voiden_lsp.templating import ResolvedRequest, Response
from voiden_lsp.templating.targets import Target, parse_target
from voiden_lsp.transports.base import Emitted, Transport, value_payload
from voiden_lsp.transports.grpc_channel import explain, metadata_of, open_channel, open_sync_channel
from voiden_lsp.transports.grpc_reflection import SCHEMAS, SchemaCache
from voiden_lsp.transports.grpc_stream import Ended, Opened, ThreadedStream

_STANDARD_DETAILS = error_details_pb2  # imported so the standard detail types are known to json_format
DETAILS_KEY = "grpc-status-details-bin"


class GrpcTransport(Transport):
    def __init__(self, request: ResolvedRequest, schemas: SchemaCache | None = None) -> None:
        super().__init__(request)
        self.schemas = schemas or SCHEMAS
        self.schema: Schema | None = None
        self.method: MethodInfo | None = None
        self._call: Any = None
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
        channel = await open_channel(request, target)
        reader: asyncio.Task[None] | None = None
        sync_channel: grpc.Channel | None = None
        stream: ThreadedStream | None = None
        try:
            self.schema, self.method = schema, method = await self.schemas.method(request, target)
            metadata = metadata_of(request.headers)
            first = (
                schema.parse_json(method.input, request.body or "{}")
                if request.body or not method.client_streaming
                else None
            )
            if method.server_streaming and not method.client_streaming:
                # a server stream is read in a thread, in batches (grpc_stream.py): the asyncio stub costs
                # two loop turns a message
                assert first is not None
                sync_channel = await open_sync_channel(request, target)
                self._call = sync_channel.unary_stream(
                    method.path, request_serializer=_serialize, response_deserializer=_deserializer(method)
                )(first, metadata=metadata, timeout=request.timeout)
                self._sent(first)
                stream = ThreadedStream(self._call, request.name)
                reader = asyncio.create_task(self._read_threaded(stream, method, target), name=f"grpc {request.name}")
            else:
                callable_ = self._multicallable(channel, method)
                if method.client_streaming:
                    self._call = callable_(metadata=metadata, timeout=request.timeout)
                else:
                    assert first is not None
                    self._call = callable_(first, metadata=metadata, timeout=request.timeout)
                    self._sent(first)
                reader = asyncio.create_task(self._read(method, target), name=f"grpc reader {request.name}")
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
            if stream is not None:
                stream.stop()
            elif self._call is not None and not self._call.done():
                self._call.cancel()
            if sync_channel is not None:
                sync_channel.close()
            if self.response is None and self._last is not None:  # a limit of ours ended it: no status
                self.response = Response(status=None, headers={}, body=self._body())
            await channel.close(grace=None)

    @staticmethod
    def _multicallable(channel: grpc.aio.Channel, method: MethodInfo) -> Any:
        serializer = _serialize
        deserializer = _deserializer(method)
        factory = {
            (False, False): channel.unary_unary,
            (False, True): channel.unary_stream,
            (True, False): channel.stream_unary,
            (True, True): channel.stream_stream,
        }
        return factory[(method.client_streaming, method.server_streaming)](
            method.path, request_serializer=serializer, response_deserializer=deserializer
        )

    def _sent(self, message: Message) -> None:
        assert self.schema is not None
        self._emit(SENT, value_payload(self.schema.to_dict(message), message.ByteSize()))

    async def _write(self, message: Message) -> None:
        # `sent` as the message is handed over: a fast server's answer must not be logged before it
        self._sent(message)
        try:
            await self._call.write(message)
        except (grpc.aio.AioRpcError, asyncio.InvalidStateError) as exc:
            raise TransportError(f"the call of `{self.request.name}` is no longer open for sending ({exc})") from None

    async def send(self, message: str | bytes, *, event: str | None = None) -> None:
        if self.method is None or self.schema is None or self._call is None:
            raise TransportError(f"`{self.request.name}` is not open yet: wait for its `open` event")
        if not self.method.client_streaming:
            raise TransportError(
                f"`{self.method.full_name}` is a {self.method.kind} call: it takes one message, the request body"
            )
        if self._call.done():
            raise TransportError(f"the call of `{self.request.name}` has ended")
        if isinstance(message, bytes):
            raise TransportError("gRPC messages are JSON (the protobuf mapping), not binary blocks")
        await self._write(self.schema.parse_json(self.method.input, message))

    async def end_input(self) -> None:
        await self.close()

    async def close(self) -> None:
        """Half-close: the client has no more messages; the server may still answer."""
        if (
            self._call is not None
            and self.method is not None
            and self.method.client_streaming
            and not self._call.done()
        ):
            with contextlib.suppress(grpc.aio.AioRpcError, asyncio.InvalidStateError):
                await self._call.done_writing()

    async def _read(self, method: MethodInfo, target: Target) -> None:
        call = self._call
        try:
            try:
                initial = await call.initial_metadata()
                if initial:  # empty when the call failed before the server answered: no `open` then
                    self._open(initial)
                if method.server_streaming:
                    reason = await self._read_stream(call)
                    if reason is not None:  # a limit of ours ended it: the call is cancelled, not failed
                        call.cancel()
                        self._emit(CLOSED, {"by": "client", "reason": reason, "messages": self._received})
                        return
                else:
                    self._message(await call)
                code, details, trailing = (
                    await call.code(),
                    await call.details(),
                    await call.trailing_metadata(),
                )
            except grpc.aio.AioRpcError as error:
                code, details, trailing = error.code(), error.details() or "", error.trailing_metadata()
                self._finish(Ended(code, details, trailing, error), method, target)
                return
            self._finish(Ended(code, details, trailing, None), method, target)
        except (TransportError, SchemaError) as exc:
            self._emit(ERROR, {"message": exc.message})
        finally:
            self._end()

    async def _read_threaded(self, stream: ThreadedStream, method: MethodInfo, target: Target) -> None:
        """A server stream from its reading thread, a batch a loop turn, to its end or to `@max-messages` /
        `@duration` (then the call is cancelled: closed by the client, not failed)."""
        max_messages = self.request.meta_int("max-messages")
        duration = self.request.meta_duration("duration")
        deadline = None if duration is None else asyncio.get_running_loop().time() + duration
        reason: str | None = None
        ended: Ended | None = None
        try:
            try:
                async with asyncio.timeout_at(deadline):
                    async for items in stream.batches():
                        for item in items:
                            if isinstance(item, Ended):
                                ended = item
                            elif isinstance(item, Opened):
                                self._open(item.metadata)
                            else:
                                self._message(item)
                                if max_messages is not None and self._received >= max_messages:
                                    reason = f"@max-messages {max_messages} reached"
                                    break
                        if reason is not None:
                            break
            except TimeoutError:
                reason = f"@duration {self.request.meta('duration')} reached"
            if reason is not None:
                stream.stop()
                self._emit(CLOSED, {"by": "client", "reason": reason, "messages": self._received})
                return
            assert ended is not None  # batches() ends with the call's end, and only then
            self._finish(ended, method, target)
        except (TransportError, SchemaError) as exc:
            self._emit(ERROR, {"message": exc.message})
        finally:
            self._end()

    def _finish(self, ended: Ended, method: MethodInfo, target: Target) -> None:
        """`status`, `trailers` and `closed` of a call that ended; a failure to reach the service at all is an
        `error` in words instead."""
        code, details, trailing = ended.code, ended.details, ended.trailing
        if (
            ended.error is not None
            and not self._opened
            and code in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED)
            and not trailing
        ):
            raise TransportError(
                explain(ended.error, target, self.request.timeout, f"calling {method.full_name}")
            ) from None
        if not self._opened:
            self._open(())
        self._status(code, details, trailing)
        if code == grpc.StatusCode.UNAVAILABLE and not trailing:  # no trailers: no server said this
            self._emit(
                ERROR,
                {
                    "message": f"the call to {target.address} was cut before the server ended it "
                    f"({details}): the network or the server dropped the connection"
                },
            )
        by = "client" if code in (grpc.StatusCode.CANCELLED, grpc.StatusCode.DEADLINE_EXCEEDED) else "server"
        self._emit(CLOSED, {"by": by, "reason": code.name, "messages": self._received})

    async def _read_stream(self, call: Any) -> str | None:
        """Read the server's stream to its end, or to `@max-messages` / `@duration` (then the reason)."""
        max_messages = self.request.meta_int("max-messages")
        duration = self.request.meta_duration("duration")
        loop = asyncio.get_running_loop()
        deadline = None if duration is None else loop.time() + duration
        while True:
            if max_messages is not None and self._received >= max_messages:
                return f"@max-messages {max_messages} reached"
            try:
                if deadline is None:
                    message = await call.read()
                else:
                    async with asyncio.timeout_at(deadline):
                        message = await call.read()
            except TimeoutError:
                return f"@duration {self.request.meta('duration')} reached"
            if message is grpc.aio.EOF:
                return None
            self._message(message)

    def _open(self, initial: Any) -> None:
        self._opened = True
        call = self.method.kind if self.method is not None else None
        self._emit(OPEN, {"headers": _headers(initial), **({"call": call} if call else {})})

    def _message(self, message: Message) -> None:
        assert self.schema is not None
        if not self._opened:
            self._open(())
        value = self.schema.to_dict(message)
        self._received += 1
        self._last = value
        self._emit(RECEIVED, value_payload(value, message.ByteSize()))

    def _status(self, code: grpc.StatusCode, details: str, trailing: Any) -> None:
        fields: dict[str, Any] = {"code": code.name, "message": details}
        rich = _rich_details(trailing)
        if rich:
            fields["details"] = rich
        self._emit(STATUS, fields)
        trailers = {k: v for k, v in _headers(trailing).items() if k != DETAILS_KEY}
        if trailers:
            self._emit(TRAILERS, {"headers": trailers})
        self.response = Response(status=code.name, headers=trailers, body=self._body())

    def _body(self) -> str:
        return "" if self._last is None else json.dumps(self._last, ensure_ascii=False)


def _serialize(message: Message) -> bytes:
    return bytes(message.SerializeToString())


def _deserializer(method: MethodInfo) -> Any:
    output = message_factory.GetMessageClass(method.output)

    def parse(data: bytes) -> Message:
        message: Message = output.FromString(data)
        return message

    return parse


def _headers(metadata: Any) -> dict[str, str]:
    result: dict[str, str] = {}
    for key, value in metadata or ():
        text = value.hex() if isinstance(value, bytes) and not key.endswith("-bin") else value
        if isinstance(text, bytes):
            text = base64.b64encode(text).decode()
        result[key] = result[key] + ", " + text if key in result else text
    return result


def _rich_details(trailing: Any) -> list[dict[str, Any]]:
    """google.rpc.Status details from the `grpc-status-details-bin` trailer, decoded when known."""
    raw = next((v for k, v in trailing or () if k == DETAILS_KEY), None)
    if not isinstance(raw, bytes):
        return []
    try:
        status = status_pb2.Status.FromString(raw)
    except DecodeError:
        return []
    decoded = []
    for detail in status.details:
        try:
            decoded.append(json_format.MessageToDict(detail))
        except (TypeError, KeyError, json_format.Error):
            decoded.append({"@type": detail.type_url, "value": detail.value.hex()})
    return decoded
