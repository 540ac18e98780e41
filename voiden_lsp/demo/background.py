"""An asyncio event loop on a thread of its own, for demo servers used from sync and async code alike."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, Self, TypeVar

T = TypeVar("T")


class BackgroundLoop:
    def __init__(self, name: str) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name=name, daemon=True)
        self._thread.start()

    def run(self, coroutine: Coroutine[Any, Any, T], timeout: float = 30) -> T:
        """Run `coroutine` on the loop and wait for its result."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=timeout)

    def stop(self) -> None:
        self.run(_cancel_others())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=10)
        self.loop.close()


async def _cancel_others() -> None:
    """Cancel what the servers left running (keep-alive pings, service tasks) before the loop stops."""
    current = asyncio.current_task()
    others = [task for task in asyncio.all_tasks() if task is not current]
    for task in others:
        task.cancel()
    await asyncio.gather(*others, return_exceptions=True)


class BackgroundServer:
    """A demo server on a loop of its own: subclasses provide `_start()` and `_stop()` coroutines."""

    name = "voiden demo"

    def __init__(self) -> None:
        self._loop: BackgroundLoop | None = None

    async def _start(self) -> None:
        raise NotImplementedError

    async def _stop(self) -> None:
        raise NotImplementedError

    def start(self) -> Self:
        self._loop = BackgroundLoop(self.name)
        self._loop.run(self._start())
        return self

    def stop(self) -> None:
        if self._loop is not None:
            self._loop.run(self._stop())
            self._loop.stop()
            self._loop = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
