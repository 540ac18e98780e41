"""A Session owns one live run: its task, its bounded event log, and the fan-out of its events."""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from voiden_lsp.document import Range
from voiden_lsp.errors import TransportError, VoidenError
from voiden_lsp.events import CHECK, CLOSED, ERROR, RECEIVED, SENT, Event, cut_payload, session_state
from voiden_lsp.templating import mask_secrets
from voiden_lsp.transports import Transport

log = logging.getLogger(__name__)

Sink = Callable[[Event], None]
_ids = itertools.count(1)

#: Payloads over this many bytes are cut (to text or base64 of their start), with `truncated` set and `size` kept.
MAX_PAYLOAD = 64 * 1024
LOG_SIZE = 10_000


class Session:
    def __init__(
        self,
        request: str,
        transport: Transport | None,
        *,
        sinks: list[Sink] | None = None,
        secrets: Callable[[], frozenset[str]] = frozenset,
        max_payload: int = MAX_PAYLOAD,
        log_size: int = LOG_SIZE,
    ) -> None:
        self.id = f"s{next(_ids)}"
        self.request = request
        self.transport = transport
        self.sinks = list(sinks or [])
        self._secrets = secrets
        """The secrets in scope, asked at every event (a run learns new ones: a captured token)."""
        self.max_payload = max_payload
        self.log: deque[Event] = deque(maxlen=log_size)
        self.dropped = 0
        """Events that fell out of the bounded log."""
        self.count = 0
        self.failed = False
        self.checks = 0
        self.checks_failed = 0
        """`check` events: expectations judged, and those that failed."""
        self.received = 0
        self.sent = 0
        self.task: asyncio.Task[None] | None = None
        self._seq = 0
        self._start = time.perf_counter()
        self._finished = asyncio.Event()
        self._progress = asyncio.Event()
        self.watchers: list[Sink] = []
        """Called with each event after the sinks; may emit events of their own (the judge's `check`s)."""
        self._stopped: str | None = None
        self.on_end: list[Callable[[], None]] = []
        """Called once the run is over, before the session is done (the judge's last verdicts)."""

    @property
    def state(self) -> str:
        return session_state(list(self.log))

    @property
    def done(self) -> bool:
        return self._finished.is_set()

    def emit(self, kind: str, fields: dict[str, Any]) -> Event | None:
        """Stamp, cut, mask (only when a secret is in scope) and log an event, then hand it to every sink.
        Once the session is told to stop, what the transport still reads (a network read holds several
        messages) is not delivered: a run ended by its expectations after five messages shows five."""
        if self._stopped is not None and kind == RECEIVED and not fields.get("control"):
            return None
        if kind == CLOSED and "messages" in fields:
            fields = {**fields, "messages": self.received}  # what was delivered, whatever the transport read
        self._seq += 1
        if kind in (SENT, RECEIVED) and fields.get("size", 0) > self.max_payload:
            fields = cut_payload(fields, self.max_payload)
        secrets = self._secrets()
        if secrets:
            fields = _masked(fields, secrets)
        event = Event(self.id, self.request, self._seq, (time.perf_counter() - self._start) * 1000, kind, fields)
        if kind == RECEIVED:
            if not fields.get("control"):
                self.received += 1
        elif kind == SENT:
            self.sent += 1
        elif kind == ERROR:
            self.failed = True
        elif kind == CHECK:
            self.checks += 1
            self.checks_failed += not fields.get("passed")
        if len(self.log) == self.log.maxlen:
            self.dropped += 1
        self.log.append(event)
        self.count += 1
        self._progress.set()
        for sink in self.sinks:
            try:
                sink(event)
            except Exception:  # a broken sink must not stop the session or the other sinks
                log.exception("event sink failed")
        for watcher in self.watchers:
            try:
                watcher(event)
            except Exception:
                log.exception("event watcher failed")
        return event

    @property
    def now(self) -> float:
        """Milliseconds since the session started, as events count them."""
        return (time.perf_counter() - self._start) * 1000

    def fail(self, message: str, range: Range | None = None) -> Event | None:
        fields: dict[str, Any] = {"message": message}
        if range is not None:
            fields["range"] = _range_json(range)
        return self.emit(ERROR, fields)

    async def run(self) -> None:
        """Drive the transport to its end; every failure becomes an `error` event, never an exception."""
        try:
            if self.transport is None:
                return
            self.transport.deliver = self.emit  # what its reader reads is emitted in the same loop turn
            async for kind, fields in self.transport.events():
                self.emit(kind, fields)
        except VoidenError as exc:
            self.fail(exc.message, exc.range)
        except asyncio.CancelledError:
            self.emit(CLOSED, {"by": "client", "reason": self._stopped or "cancelled", "messages": self.received})
            if self._stopped is None:
                raise
        except Exception as exc:
            log.exception("transport failed")
            self.fail(
                f"internal error in the {self.transport.request.protocol if self.transport else ''} "
                f"transport: {exc!r}. Please report it with the request that caused it"
            )
        finally:
            for ended in self.on_end:
                try:
                    ended()
                except Exception:
                    log.exception("session end callback failed")
            # What would keep the session (and its log of up to LOG_SIZE events) in a reference cycle goes:
            # refcounting frees a released session at once, without waiting for the cyclic collector (the
            # server runs it rarely), which let an editor grow ~8 MB with every finished 20,000-message stream.
            if self.transport is not None:
                self.transport.deliver = None
            self.watchers.clear()
            self.on_end.clear()
            self._finished.set()
            self._progress.set()

    def start(self) -> asyncio.Task[None]:
        self.task = asyncio.get_running_loop().create_task(self.run(), name=f"voiden session {self.id}")
        return self.task

    async def wait(self) -> None:
        await self._finished.wait()

    async def until(self, condition: Callable[[], bool]) -> bool:
        """Wait until `condition()` holds (checked after every event); False if the session ended first."""
        while not condition():
            if self.done:
                return False
            self._progress.clear()
            await self._progress.wait()
        return True

    async def until_ready(self) -> bool:
        """Wait until the transport takes messages; False if the session ended first."""
        if self.transport is None:
            return False
        ready = asyncio.ensure_future(self.transport.ready.wait())
        finished = asyncio.ensure_future(self._finished.wait())
        try:
            await asyncio.wait((ready, finished), return_when=asyncio.FIRST_COMPLETED)
        finally:
            ready.cancel()
            finished.cancel()
        return self.transport.ready.is_set() and not self.done

    async def send(self, message: str | bytes, *, event: str | None = None) -> None:
        if self.transport is None or self.done:
            raise TransportError(f"session {self.id} of `{self.request}` is not open: connect first")
        await self.transport.send(message, event=event)

    async def end_input(self) -> None:
        if self.transport is not None and not self.done:
            await self.transport.end_input()

    async def close(self) -> None:
        if self.transport is not None and not self.done:
            await self.transport.close()

    async def stop(self, reason: str) -> None:
        """End the session from the client's side now (a run whose expectations are decided): a close
        handshake where the protocol has one, else the call or stream is cancelled; `closed` says `reason`."""
        task = self.stop_soon(reason)
        if task is not None:
            await task

    def stop_soon(self, reason: str) -> asyncio.Task[None] | None:
        """`stop`, decided now (nothing more is received from here on) and done in a task of its own."""
        if self.done or self._stopped is not None:
            return None
        self._stopped = reason
        return asyncio.get_running_loop().create_task(self._stop(reason))

    async def _stop(self, reason: str) -> None:
        if self.transport is not None and await self.transport.stop(reason):
            return
        self.cancel()

    def cancel(self) -> None:
        if self.task is not None and not self.task.done():
            self.task.cancel()


def _masked(value: Any, secrets: frozenset[str]) -> Any:
    """Every string in `value` (keys too) with the secrets masked."""
    if isinstance(value, str):
        return mask_secrets(value, secrets)
    if isinstance(value, dict):
        return {mask_secrets(str(k), secrets): _masked(v, secrets) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_masked(v, secrets) for v in value]
    return value


def _range_json(range: Range) -> dict[str, dict[str, int]]:
    return {
        "start": {"line": range.start.line, "character": range.start.character},
        "end": {"line": range.end.line, "character": range.end.character},
    }
