"""A server-streaming call read by grpcio's synchronous stub in a thread of its own.

grpcio's asyncio stub costs the event loop two turns (and an epoll wait) per message; a fast server's
100,000 messages then cost more in the loop than in grpcio. Here a thread iterates the synchronous call
(grpcio waits with the GIL released) and hands what it reads to the loop in batches: one loop turn per
batch, however many messages came meanwhile. The batch is bounded: when the loop falls behind by
`MAX_PENDING` messages, the thread waits for it, and the server's flow control does the rest.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from dataclasses import dataclass
from typing import Any

import grpc

MAX_PENDING = 2000
BATCH = 500
GATHER_SECONDS = 0.005


@dataclass
class Opened:
    """The server's initial metadata arrived."""

    metadata: Any


@dataclass
class Ended:
    """The call ended: its status (the error's, when it failed)."""

    code: grpc.StatusCode
    details: str
    trailing: Any
    error: grpc.RpcError | None


class ThreadedStream:
    """Reads `call` (a synchronous `unary_stream` call) in a thread; `batches()` yields lists of what came:
    `Opened`, messages, and last `Ended`."""

    def __init__(self, call: Any, name: str) -> None:
        self.call = call
        self._loop = asyncio.get_running_loop()
        self._lock = threading.Lock()
        self._pending: list[Any] = []
        self._scheduled = False
        self._room = threading.Event()
        self._room.set()
        self._stopped = False
        self._wake = asyncio.Event()
        self._thread = threading.Thread(target=self._pump, name=f"grpc stream {name}", daemon=True)
        self._thread.start()

    def _put(self, item: Any) -> None:
        with self._lock:
            self._pending.append(item)
            full = len(self._pending) >= MAX_PENDING and not self._stopped
            if full:
                self._room.clear()
            wake = not self._scheduled
            self._scheduled = True
        if wake:
            with contextlib.suppress(RuntimeError):  # the loop is closed: nobody reads any more
                self._loop.call_soon_threadsafe(self._wake.set)
        if full:
            self._room.wait()

    def _pump(self) -> None:
        call = self.call
        try:
            initial = call.initial_metadata()
            if initial:
                self._put(Opened(initial))
            for message in call:
                if self._stopped:
                    return
                self._put(message)
            self._put(Ended(call.code(), call.details() or "", call.trailing_metadata(), None))
        except grpc.RpcError as error:
            failed: Any = error
            self._put(Ended(failed.code(), failed.details() or "", failed.trailing_metadata(), error))

    async def batches(self) -> Any:
        """Lists of items, in order, until (and with) the `Ended` one."""
        while True:
            await self._wake.wait()
            self._wake.clear()
            with self._lock:
                items, self._pending = self._pending, []
                self._scheduled = False
                self._room.set()
            yield items
            if items and isinstance(items[-1], Ended):
                return
            if len(items) < BATCH:
                # a short batch: the loop is ahead of the stream; let messages gather for a moment, or every
                # message costs a wake-up of the loop from the thread
                await asyncio.sleep(GATHER_SECONDS)

    def stop(self) -> None:
        """Cancel the call; the thread ends at its next message (or at once, if it waits for room)."""
        with self._lock:
            self._stopped = True
            self._room.set()
        self.call.cancel()
