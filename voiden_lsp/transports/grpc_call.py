"""One gRPC call on grpclib's HTTP/2 connection, with the gRPC layer our own.

grpclib (asyncio on h2) carries the connection, the streams and flow control; the call's headers, the
envelopes, compression, the size limit, the deadline and the status are read here, so that a server stream
reaches the reader in batches: what one network read brought is cut into messages as it arrives, and the
reader takes them all in one turn of the event loop. The backlog is bounded by HTTP/2 flow control: what is
not taken yet is not acknowledged, and the server stops at the stream's window.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from grpclib.client import Channel
from grpclib.exceptions import StreamTerminatedError
from grpclib.metadata import decode_grpc_message
from grpclib.utils import Wrapper

from voiden_lsp import __version__
from voiden_lsp.transports.grpc_wire import (
    DETAILS_KEY,
    HTTP_TO_CODE,
    Deframer,
    Status,
    WireError,
    code_name,
    connect_end,
    decode_bin,
    envelope,
    metadata_item,
    request_headers,
)

USER_AGENT = f"voiden-lsp/{__version__} grpclib"
Metadata = list[tuple[str, str | bytes]]


class ConnectFailed(Exception):
    """The call never reached a server: `cause` says why (refused, TLS, DNS, a deadline while connecting)."""

    def __init__(self, cause: BaseException) -> None:
        super().__init__(str(cause))
        self.cause = cause


class _Sink:
    """Takes the place of grpclib's stream buffer: the bytes of DATA frames are cut into messages as they
    arrive; they are acknowledged (flow control) only when the reader takes them."""

    def __init__(self, deframer: Deframer) -> None:
        self.deframer = deframer
        self.messages: list[bytes] = []
        self.end_frame: bytes | None = None
        """Connect's end-of-stream message (flag 0x02), which holds the status."""
        self.unacked = 0
        self.ended = False
        self.failure: WireError | None = None
        self.arrived = asyncio.Event()
        self.stream: Any = None
        self.encoding_header = "grpc-encoding"
        self._encoding_read = False

    def add(self, data: bytes, ack_size: int) -> None:
        self.unacked += ack_size
        if not self._encoding_read and self.stream is not None and self.stream.headers is not None:
            # the headers came before any DATA frame (h2 orders them so), in this network read or before it
            self._encoding_read = True
            encoding = dict(self.stream.headers).get(self.encoding_header)
            if encoding:
                self.deframer.encoding = encoding.strip().lower()
        if self.failure is None:
            try:
                for flags, payload in self.deframer.feed(data):
                    if flags & 0x02:
                        self.end_frame = payload
                    else:
                        self.messages.append(payload)
            except WireError as failure:
                self.failure = failure
        self.arrived.set()

    def eof(self) -> None:
        self.ended = True
        self.arrived.set()

    def unacked_size(self) -> int:
        """What grpclib acknowledges when the stream is released."""
        size, self.unacked = self.unacked, 0
        return size


class Call:
    """A call of `path` on `channel`: `start()` sends the headers (and a first message), `send()` more,
    `end()` half-closes; `initial()`, `batches()` and `finish()` read the answer in that order. Every way a
    call can end (the server's status, a cut connection, the deadline, a message too large) ends in `finish()`
    as a `Status`; only a connection that never came up raises (`ConnectFailed`)."""

    def __init__(
        self,
        channel: Channel,
        path: str,
        metadata: Metadata,
        *,
        timeout: float | None,
        receive_limit: int | None = None,
        authority: str | None = None,
        dialect: str = "grpc",
        encoding: str = "proto",
    ) -> None:
        self.channel = channel
        self.dialect = dialect
        """`grpc`, or `connect` (a Connect stream on HTTP/2: a bidirectional call needs both directions at once)."""
        self.encoding = encoding
        """What the messages are on the wire (`proto`, or `json` for Connect): the codec is the transport's."""
        self.path = path
        self.metadata = metadata
        self.timeout = timeout
        self.authority = authority
        self._wrapper = Wrapper()
        self._deframer = Deframer(receive_limit)
        self._sink = _Sink(self._deframer)
        if dialect == "connect":
            self._sink.encoding_header = "connect-content-encoding"
        self._stream: Any = None
        self._release: Any = None
        self._timer: asyncio.TimerHandle | None = None
        self._ended = False
        self.status: Status | None = None
        self.headers: list[tuple[str, str]] | None = None

    @property
    def done(self) -> bool:
        return self.status is not None

    async def start(self, first: bytes | None = None, *, end: bool = False) -> None:
        if self.timeout is not None:
            self._timer = asyncio.get_running_loop().call_later(
                self.timeout, self._wrapper.cancel, TimeoutError("Deadline Exceeded")
            )
        channel = self.channel
        try:
            with self._wrapper:
                protocol = await channel.__connect__()
                stream = protocol.processor.connection.create_stream(wrapper=self._wrapper)
                headers = [
                    (":method", "POST"),
                    (":scheme", channel._scheme),
                    (":path", self.path),
                    (":authority", self.authority or channel._authority),
                ]
                headers += request_headers(
                    self.dialect,
                    self.metadata,
                    unary=False,  # a Connect call here is a stream (bidi); plain gRPC frames every message
                    encoding=self.encoding,
                    timeout=self.timeout,
                    agent=USER_AGENT,
                )
                self._release = await stream.send_request(
                    headers, end_stream=end and first is None, _processor=protocol.processor
                )
                stream.buffer = self._sink  # type: ignore[assignment] # before any loop turn: no DATA frame can have come yet
                self._sink.stream = stream
                self._stream = stream
        except (OSError, TimeoutError, StreamTerminatedError) as exc:
            self._cancel_timer()
            raise ConnectFailed(exc) from None
        if first is not None:
            await self.send(first, end=end)

    async def send(self, payload: bytes, *, end: bool = False) -> bool:
        """Write a message (as it travels: the transport encodes it); False when the call has ended meanwhile
        (its status says why)."""
        if self._ended or self.status is not None:
            return False
        try:
            with self._wrapper:
                await self._stream.send_data(envelope(payload), end_stream=end)
        except (TimeoutError, StreamTerminatedError, OSError, AssertionError):
            return False  # the reader sees the same end and reports it
        except Exception as exc:  # h2 refuses to write on a stream the server closed
            if type(exc).__module__.startswith("h2."):
                return False
            raise
        self._ended = self._ended or end
        return True

    async def end(self) -> None:
        """Half-close: no more messages from the client."""
        if self._ended or self.status is not None or self._stream is None:
            return
        self._ended = True
        try:
            with self._wrapper:
                await self._stream.end()
        except Exception:
            return

    async def initial(self) -> list[tuple[str, str]] | None:
        """The server's response headers; None when the call ended without a message (see `finish()`)."""
        stream = self._stream
        try:
            with self._wrapper:
                headers = await stream.recv_headers()
        except (TimeoutError, StreamTerminatedError) as exc:
            self._fail(exc)
            return None
        headers = list(headers)
        self.headers = headers
        fields = dict(headers)
        status = fields.get(":status")
        if status != "200":
            code = HTTP_TO_CODE.get(int(status), "UNKNOWN") if status and status.isdigit() else "UNKNOWN"
            self._end_with(Status(code, f"Received http2 header with status: {status}", [], True))
            return None
        content_type = fields.get("content-type", "")
        wanted = "application/connect+" if self.dialect == "connect" else "application/grpc"
        if not content_type.startswith(wanted):
            self._end_with(
                Status("UNKNOWN", f"the server answered with content-type `{content_type}`, not {wanted}", [], True)
            )
            return None
        if "grpc-status" in fields and self.dialect == "grpc":  # trailers only: the call ended at once
            self._end_with(status_of(headers))
            return None
        return headers

    async def batches(self) -> AsyncIterator[list[bytes]]:
        """The server's messages as they come, in lists; ends at the end of the stream or of the call."""
        sink = self._sink
        while self.status is None:
            if sink.messages:
                batch, sink.messages = sink.messages, []
                self._acknowledge()
                yield batch
                continue
            if sink.failure is not None:
                self.cancel()
                failure = sink.failure
                self.status = Status(failure.code, failure.message, [], False)
                return
            if sink.ended:
                self._acknowledge()
                return
            sink.arrived.clear()
            try:
                with self._wrapper:
                    await sink.arrived.wait()
            except (TimeoutError, StreamTerminatedError) as exc:
                self._fail(exc)
                return

    async def finish(self) -> Status:
        """How the call ended: the server's trailers, or what ended it first."""
        if self.status is not None:
            return self.status
        stream = self._stream
        if self.dialect == "connect":  # the status is the end-of-stream message; HTTP trailers are not used
            if not self._sink.ended:
                async for _ in self.batches():  # what the reader left is dropped: the status is after it
                    pass
            if self.status is None:
                self._end_with(connect_end(self._sink.end_frame))
            assert self.status is not None
            return self.status
        if stream.trailers is None and not self._sink.ended:
            try:
                with self._wrapper:
                    await stream.recv_trailers()
            except (TimeoutError, StreamTerminatedError) as exc:
                self._fail(exc)
                assert self.status is not None
                return self.status
        if stream.trailers is None:
            self._end_with(Status("INTERNAL", "the server ended the stream without a gRPC status", [], True))
        else:
            self._end_with(status_of(stream.trailers))
        assert self.status is not None
        return self.status

    def cancel(self) -> None:
        """Reset the stream (RST_STREAM CANCEL): the server stops; what it sent since is dropped."""
        stream = self._stream
        if stream is not None and stream.id is not None:
            try:
                if stream.closable:
                    from h2.errors import ErrorCodes

                    stream.reset_nowait(ErrorCodes.CANCEL)
            except Exception:
                pass
        self._close()

    def _acknowledge(self) -> None:
        size = self._sink.unacked_size()
        stream = self._stream
        if size and stream is not None and not stream.connection.is_closing():
            stream.connection.ack(stream.id, size)

    def _fail(self, error: BaseException) -> None:
        if isinstance(error, TimeoutError):
            self.cancel()
            self.status = Status("DEADLINE_EXCEEDED", "Deadline Exceeded", [], False)
            return
        reason = str(error)
        if "error_code" in reason:  # the server reset the stream
            code = "CANCELLED" if reason.rstrip().endswith(("8", "CANCEL")) else "INTERNAL"
            self._end_with(Status(code, f"Received RST_STREAM with error code {reason.rsplit(' ', 1)[-1]}", [], True))
            return
        self._end_with(Status("UNAVAILABLE", reason or "Connection lost", [], False))

    def _end_with(self, status: Status) -> None:
        self.status = status
        self._close()

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _close(self) -> None:
        self._cancel_timer()
        if self._release is not None:
            release, self._release = self._release, None
            with contextlib.suppress(KeyError, AttributeError):
                release()


def status_of(headers: list[tuple[str, str]]) -> Status:
    fields = dict(headers)
    code = code_name(fields.get("grpc-status"))
    message = fields.get("grpc-message") if code != "OK" else None  # grpc-js says "OK"; grpcio drops it
    details = fields.get(DETAILS_KEY)
    return Status(
        code,
        decode_grpc_message(message) if message else "",
        metadata_from(headers),
        True,
        decode_bin(details) if details else None,
    )


def metadata_from(headers: list[tuple[str, str]]) -> Metadata:
    """The metadata of response headers or trailers: no pseudo-headers, no `grpc-` fields; `-bin` as bytes."""
    result: Metadata = []
    for key, value in headers:
        if key.startswith((":", "grpc-", "connect-")) or key in ("content-type", "te", "user-agent"):
            continue
        result.append(metadata_item(key, value))
    return result
