"""The `websockets` client connection the WebSocket transport opens: it reports ping and pong frames and hands a
whole message to the transport in the turn that parsed it (see ObservedConnection)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from websockets.asyncio.client import ClientConnection
from websockets.frames import Frame, Opcode


class ObservedConnection(ClientConnection):
    """A client connection that reports ping and pong frames (`websockets` answers them silently), and hands
    each whole message to `on_message` in the turn that parsed it, when nothing is queued before it.

    `websockets` queues every message for `recv()`: a put, a get and a wake-up of the reader each, more than
    the rest of its work on a small message. A message in one frame goes straight to `on_message` instead;
    a fragmented one, one that is not valid UTF-8 (websockets fails the connection with 1007), and any
    message after one of those until `recv()` has read them, take the queue, so the order never changes.
    """

    on_control: Callable[[str, str, bytes], None] | None = None
    on_message: Callable[[str | bytes], None] | None = None
    queued = 0
    """Whole messages handed to websockets' queue and not yet read by `recv()`."""
    _fragmented = False
    _direct = False
    """Frames are read here, not by websockets' parser (see `data_received`)."""
    _tail = b""

    def read_directly(self) -> None:
        """From the next frame boundary on, read frames here (see `data_received`)."""
        self._direct = self._at_boundary()

    def _at_boundary(self) -> bool:
        """websockets' parser waits for a new frame, its buffer empty (it waits in `at_eof()` between frames,
        in `Frame.parse` within one), and no extension (compression) is in play."""
        protocol = self.protocol
        if self.on_message is None or protocol.extensions or protocol.reader.buffer:
            return False
        waiting = protocol.parser  # the generator that waits is the innermost of its `yield from` chain
        for _ in range(8):
            inner = getattr(waiting, "gi_yieldfrom", None)
            if inner is None:
                break
            waiting = inner
        return getattr(getattr(waiting, "gi_code", None), "co_name", "") == "at_eof"

    def data_received(self, data: bytes) -> None:
        """Whole unmasked data frames are cut here and handed to `on_message`, many a network read, without
        websockets' frame parser (a generator step per header field) or its queue. websockets only ever gets
        whole frames from here, so its parser stays at a frame boundary: control frames (ping, pong, close),
        which it answers; and, for good, the stream from the first frame it must read itself (a fragment,
        compressed or masked data, a message over the size limit, text that is not UTF-8)."""
        if not self._direct:
            super().data_received(data)
            if self.on_message is not None and self._at_boundary():
                self._direct = True
            return
        if self._tail:
            data, self._tail = self._tail + data, b""
        position = self._frames(data)
        if position < len(data):
            if self._direct:
                self._tail = data[position:]  # a frame not whole yet
            else:
                super().data_received(data[position:])

    def _frames(self, data: bytes) -> int:
        """Reads whole frames from `data`; returns where the first frame it did not take starts."""
        deliver = self.on_message
        limit = self.protocol.max_message_size
        position, end = 0, len(data)
        while end - position >= 2:
            first, second = data[position], data[position + 1]
            length, head = second & 0x7F, 2
            if length == 126:
                if end - position < 4:
                    return position
                length, head = int.from_bytes(data[position + 2 : position + 4]), 4
            elif length == 127:
                if end - position < 10:
                    return position
                length, head = int.from_bytes(data[position + 2 : position + 10]), 10
            opcode = first & 0x0F
            whole_data = first & 0xF0 == 0x80 and opcode in (1, 2) and not second & 0x80
            if (not whole_data and opcode < 8) or (limit is not None and length > limit):
                self._direct = False  # websockets reads on from this frame
                return position
            stop = position + head + length
            if stop > end:
                return position
            if opcode >= 8 or self.queued or deliver is None:
                super().data_received(data[position:stop])  # a control frame, or a message after queued ones
                if opcode == 8 or self.protocol.parser_exc is not None or not self._at_boundary():
                    self._direct = False
                    return stop
            else:
                payload = data[position + head : stop]
                if opcode == 1:
                    try:
                        deliver(payload.decode())
                    except UnicodeDecodeError:
                        self._direct = False  # websockets fails the connection with 1007
                        return position
                else:
                    deliver(payload)
            position = stop
        return position

    def process_event(self, event: Any) -> None:
        if isinstance(event, Frame):
            opcode = event.opcode
            if opcode is Opcode.TEXT or opcode is Opcode.BINARY:
                if event.fin and not self._fragmented and not self.queued and self.on_message is not None:
                    message: str | bytes | None = bytes(event.data)
                    if opcode is Opcode.TEXT:
                        try:
                            message = str(event.data, "utf-8")
                        except UnicodeDecodeError:
                            message = None
                    if message is not None:
                        self.on_message(message)
                        return
                self._fragmented = not event.fin
                self.queued += event.fin
            elif opcode is Opcode.CONT:
                self._fragmented = not event.fin
                self.queued += event.fin
            elif opcode in (Opcode.PING, Opcode.PONG) and self.on_control:
                self.on_control("received", opcode.name.lower(), bytes(event.data))
        super().process_event(event)

    async def ping(self, data: Any = None) -> Awaitable[float]:
        waiter = await super().ping(data)
        if self.on_control:
            self.on_control("sent", "ping", data if isinstance(data, bytes) else b"")
        return waiter
