"""JSON-RPC as the server speaks it beyond pygls: event batches framed without decoding them again, requests
whose params cannot be read answered in words, answers nobody waits for dropped, a user's mistake logged as one
line."""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
from dataclasses import dataclass
from typing import Any

from lsprotocol import types
from lsprotocol.types import ResponseError
from pygls.exceptions import JsonRpcException, JsonRpcInvalidParams
from pygls.protocol import LanguageServerProtocol

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RawResult:
    """A request's answer as JSON text already (see `VoidenProtocol._send_response`)."""

    json: str


class UserError(JsonRpcException):
    """A request the user can correct (a stale URI, an ended session, an untrusted workspace): answered with
    LSP's RequestFailed and the message alone, no class path, no traceback."""

    CODE = types.LSPErrorCodes.RequestFailed.value


class _Answered:
    """A request already answered while it was read (its params could not be read): nothing more to do."""

    jsonrpc = "answered"


_writes: set[asyncio.Future[Any]] = set()
"""Writes in flight to an asynchronous writer (a WebSocket client), kept until done."""


class VoidenProtocol(LanguageServerProtocol):
    def notify_json(self, method: str, params: str) -> None:
        """A notification whose params are JSON text already, framed as pygls frames its own messages: the
        events of a batch are not decoded and encoded again (pygls would walk every field of every event)."""
        self._write_json('{"jsonrpc":"2.0","method":' + json.dumps(method) + ',"params":' + params + "}", method)

    def _send_response(self, msg_id: Any, result: Any | None = None, error: Any | None = None) -> None:
        """A `RawResult` (an answer kept as JSON text: a long document's code lenses) goes out as it is;
        pygls would build and walk an object per field of every lens on every request."""
        if error is None and isinstance(result, RawResult):
            self._result_types.pop(msg_id, None)
            self._write_json('{"jsonrpc":"2.0","id":' + json.dumps(msg_id) + ',"result":' + result.json + "}", "result")
            return
        super()._send_response(msg_id, result, error)

    def _write_json(self, text: str, what: str) -> None:
        if self.writer is None:
            return
        body = text.encode()
        if self._include_headers:  # pygls's own switch: stdio frames with headers, a WebSocket does not
            header = f"Content-Length: {len(body)}\r\nContent-Type: {self.CONTENT_TYPE}; charset={self.CHARSET}"
            body = (header + "\r\n\r\n").encode() + body
        try:
            written = self.writer.write(body)
        except (BrokenPipeError, ConnectionError):  # the client is gone: nobody to tell
            log.debug("the client is gone; %s dropped", what)
            return
        if inspect.isawaitable(written):
            task = asyncio.ensure_future(written)
            _writes.add(task)
            task.add_done_callback(_writes.discard)

    def structure_message(self, data: dict[str, Any]) -> Any:
        """A request whose params pygls cannot read is answered with -32602 in words, instead of never."""
        try:
            return super().structure_message(data)
        except JsonRpcException:
            if "id" not in data or "method" not in data:
                raise
            method = str(data.get("method"))
            self._send_response(
                data["id"],
                error=ResponseError(
                    code=types.ErrorCodes.InvalidParams.value,
                    message=f"the params of `{method}` are not what LSP says they are: check the request",
                ),
            )
            return _Answered()

    def handle_message(self, message: Any) -> None:
        """Messages in order; an `exit` read while `shutdown` is still being answered waits for that answer.
        The event loop reads every message that has arrived in one turn (`LoopReader`), so a client that sends
        both at once (the spec asks it to wait; not every one does) would otherwise exit before the shutdown
        was done, with code 1."""
        if isinstance(message, _Answered):
            return
        method = getattr(message, "method", None)
        if method == "shutdown":
            self._shutdown_id = getattr(message, "id", None)
        elif method == "exit":
            shutdown = getattr(self, "_shutdown_id", None)
            pending = self._request_futures.get(shutdown) if shutdown is not None else None
            if pending is not None and not pending.done():
                pending.add_done_callback(lambda _: self.handle_message(message))
                return
        super().handle_message(message)

    def _handle_response(self, msg_id: Any, result: Any | None = None, error: Any | None = None) -> None:
        """An answer to a request of ours that nobody waits for any more (its waiter was cancelled: a completion
        the editor cancelled while we asked it for a progress token) is dropped. pygls would set the result on
        the cancelled future, fail, and show the user "Error in server: CANCELLED: <Future ...>"."""
        future = self._request_futures.get(msg_id)
        if future is not None and future.done():
            self._request_futures.pop(msg_id, None)
            return
        super()._handle_response(msg_id, result, error)


class _QuietUserErrors(logging.Filter):
    """pygls logs every failed request with its traceback; a user's mistake or a client's bad params is not
    a server fault: one line says what happened."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, UserError | JsonRpcInvalidParams):
            record.msg, record.args, record.exc_info, record.levelno, record.levelname = (
                f"request failed: {error}",
                None,
                None,
                logging.INFO,
                "INFO",
            )
            return logging.getLogger(record.name).isEnabledFor(logging.INFO)
        message = record.getMessage()
        if message.startswith("Unable to deserialize message"):
            record.msg, record.args = "a message from the client could not be read (answered -32602)", None
        return True


logging.getLogger("pygls.protocol.json_rpc").addFilter(_QuietUserErrors())


class LoopReader:
    """Standard input read by the event loop itself. pygls reads it in a worker thread, three round trips
    through the thread pool a message (a header line, the blank line, the body), each waiting for a loop turn
    and the GIL: while a long document's check ran, a completion waited ~20 ms just to be read. A pipe the loop
    watches has the whole message in the turn it arrives."""

    def __init__(self, stream: asyncio.StreamReader) -> None:
        self.stream = stream

    @classmethod
    async def of(cls, stdin: Any) -> LoopReader | None:
        """A reader of `stdin` (a pipe or a socket); None when the loop cannot watch it (a regular file)."""
        stream = asyncio.StreamReader(limit=1024 * 1024)
        loop = asyncio.get_running_loop()
        try:
            await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(stream), stdin)
        except (ValueError, OSError):
            return None
        return cls(stream)

    async def readline(self) -> bytes:
        try:
            return await self.stream.readline()
        except (asyncio.LimitOverrunError, ValueError):  # a header line of over a megabyte: not LSP
            return b""

    async def readexactly(self, n: int) -> bytes:
        try:
            return await self.stream.readexactly(n)
        except asyncio.IncompleteReadError:  # the client left mid-message: the end of input
            return b""
