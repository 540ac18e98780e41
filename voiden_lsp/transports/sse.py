"""Server-Sent Events over httpx: each dispatched event is one `received` event."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx

from voiden_lsp.errors import TransportError
from voiden_lsp.events import CLOSED, CONNECTING, OPEN, RECEIVED, SENT, STATUS
from voiden_lsp.templating import Response
from voiden_lsp.transports.base import Emitted, Transport, text_payload
from voiden_lsp.transports.http import NETWORK_ERRORS, check_url, describe_error, make_client


@dataclass
class SseEvent:
    data: str
    event: str = "message"
    id: str | None = None
    retry: int | None = None


@dataclass
class SseDecoder:
    """The event-stream parser of the HTML standard: lines in, events out (no I/O)."""

    _data: list[str] = field(default_factory=list)
    _event: str = ""
    _id: str | None = None
    _retry: int | None = None
    last_id: str | None = None

    def feed(self, line: str) -> SseEvent | None:
        if line == "":
            return self._dispatch()
        if line.startswith(":"):
            return None
        name, colon, value = line.partition(":")
        if colon and value.startswith(" "):
            value = value[1:]
        if name == "data":
            self._data.append(value)
        elif name == "event":
            self._event = value
        elif name == "id" and "\0" not in value:
            self._id = value
            self.last_id = value
        elif name == "retry" and value.isdigit():
            self._retry = int(value)
        return None

    def _dispatch(self) -> SseEvent | None:
        data, event, event_id = self._data, self._event, self._id
        self._data, self._event, self._id = [], "", None
        if not data:
            return None  # a `retry:` in a block without data stays pending for the next event
        retry, self._retry = self._retry, None
        return SseEvent("\n".join(data), event or "message", event_id, retry)


class SseTransport(Transport):
    @property
    def streams(self) -> bool:
        return True

    async def events(self) -> AsyncIterator[Emitted]:
        request = self.request
        check_url(request.target)
        max_messages = request.meta_int("max-messages")
        duration = request.meta_duration("duration")
        headers = [("Accept", "text/event-stream"), ("Cache-Control", "no-cache"), *request.headers]
        yield CONNECTING, {"target": request.target}
        started = time.perf_counter()
        count = 0
        closed_by: dict[str, Any] = {"by": "server", "reason": "the server ended the stream"}
        answered = False
        try:
            async with make_client(request, cookies=self.cookies) as client:
                http_request = client.build_request(
                    request.method or "GET",
                    request.target,
                    headers=headers,
                    content=request.body.encode() if request.body else None,
                    timeout=httpx.Timeout(request.timeout or 30.0, read=None),
                )
                if request.body:
                    yield SENT, text_payload(request.body)
                try:  # reads wait as long as the stream lasts, but the answer's head must come in time
                    async with asyncio.timeout(request.timeout or 30.0):
                        response = await client.send(http_request, stream=True)
                except TimeoutError as exc:
                    raise TransportError(describe_error(exc, request)) from None
                answered = True
                try:
                    yield OPEN, {"headers": dict(response.headers)}
                    yield STATUS, {"code": response.status_code, "message": response.reason_phrase}
                    content_type = response.headers.get("content-type", "")
                    if response.status_code >= 300 or "text/event-stream" not in content_type:
                        body = (await response.aread())[:2000].decode(errors="replace")
                        raise TransportError(
                            f"{request.target} answered {response.status_code} "
                            f"{response.reason_phrase} with `{content_type or 'no content type'}`, "
                            f"not an event stream: {body.strip()[:200]}"
                        )
                    decoder = SseDecoder()
                    deadline = None if duration is None else started + duration
                    lines = response.aiter_lines()
                    while True:
                        remaining = None if deadline is None else deadline - time.perf_counter()
                        if remaining is not None and remaining <= 0:
                            closed_by = {"by": "client", "reason": f"@duration {request.meta('duration')} reached"}
                            break
                        try:
                            async with asyncio.timeout(remaining):
                                line = await anext(lines)
                        except StopAsyncIteration:
                            break
                        except TimeoutError:
                            closed_by = {"by": "client", "reason": f"@duration {request.meta('duration')} reached"}
                            break
                        event = decoder.feed(line.rstrip("\r"))
                        if event is None:
                            continue
                        count += 1
                        fields = received_fields(event)
                        self.response = Response(
                            status=response.status_code, headers=dict(response.headers), body=event.data
                        )
                        yield RECEIVED, fields
                        if max_messages is not None and count >= max_messages:
                            closed_by = {"by": "client", "reason": f"@max-messages {max_messages} reached"}
                            break
                finally:
                    await response.aclose()
        except NETWORK_ERRORS as exc:
            raise TransportError(describe_error(exc, request, answered=answered)) from None
        yield CLOSED, {**closed_by, "messages": count}


def received_fields(event: SseEvent) -> dict[str, Any]:
    """An event's fields: its data (the JSON value when it is JSON), its event name, and its id and retry when
    it has them."""
    fields: dict[str, Any] = {**text_payload(event.data), "event": event.event}
    if event.id is not None:
        fields["id"] = event.id
    if event.retry is not None:
        fields["retry"] = event.retry
    return fields
