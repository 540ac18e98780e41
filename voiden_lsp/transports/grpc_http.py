"""Connect and gRPC-Web calls over httpx (HTTP/1.1, or HTTP/2 by ALPN on https://): the same interface as
grpc_call.Call, so the gRPC transport drives every dialect alike and its events never say which one
carried them (FORMAT.md section 10).

- Connect unary: a POST of the bare message (`application/proto`, or `application/json` with
  `@encoding json`); errors are the protocol's JSON `{code, message, details}`; trailers are `trailer-`
  headers.
- Connect streaming (server and client; bidirectional goes on HTTP/2 in grpc_call.Call): envelopes both
  ways, ended by an end-of-stream envelope (flag 0x02) holding `{error?, metadata?}`.
- gRPC-Web (unary and server streaming): envelopes, trailers in a last envelope (flag 0x80) in HTTP/1.1
  header syntax; `@encoding text` sends and reads it base64 (`application/grpc-web-text`).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import httpx

from voiden_lsp import __version__
from voiden_lsp.transports.grpc_call import ConnectFailed, Metadata, status_of
from voiden_lsp.transports.grpc_wire import (
    HTTP_TO_CODE,
    Deframer,
    Status,
    WireError,
    connect_end,
    connect_status,
    envelope,
    json_object,
    metadata_item,
    request_headers,
)

USER_AGENT = f"voiden-lsp/{__version__} httpx"
MAX_GET_URL = 8 * 1024
END_STREAM = 0x02
TRAILERS = 0x80
_HTTP_ONLY = ("content-length", "content-encoding", "connection", "keep-alive", "transfer-encoding")
_CLOSED: Any = object()


class _Base64Stream:
    """grpc-web-text: base64 chunks, each padded, cut anywhere by the network."""

    def __init__(self) -> None:
        self._rest = b""

    def feed(self, data: bytes) -> bytes:
        text = self._rest + b"".join(data.split())
        whole = len(text) // 4 * 4
        self._rest = text[whole:]
        out = bytearray()
        for start in range(0, whole, 4):  # a padded group may sit in the middle: each group of 4 stands alone
            out += base64.b64decode(text[start : start + 4])
        return bytes(out)


class HttpCall:
    """One Connect or gRPC-Web call; see grpc_call.Call for the interface."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        url: str,
        metadata: Metadata,
        *,
        dialect: str,
        unary: bool,
        client_streaming: bool,
        encoding: str,
        timeout: float | None,
        receive_limit: int | None = None,
        get: bool = False,
    ) -> None:
        self.client = client
        self.get = get
        """A Connect unary call of a side-effect-free method goes as GET (cacheable), its message in the query."""
        self.url = url
        self.metadata = metadata
        self.dialect = dialect
        self.unary = unary
        self.client_streaming = client_streaming
        self.encoding = encoding
        self.timeout = timeout
        self.status: Status | None = None
        self.headers: list[tuple[str, str]] | None = None
        self._deframer = Deframer(receive_limit)
        self._text = _Base64Stream() if dialect == "grpc-web" and encoding == "text" else None
        self._deadline: float | None = None
        self._outgoing: asyncio.Queue[bytes] | None = None
        self._ended = False
        self._exchange: asyncio.Task[httpx.Response] | None = None
        self._response: httpx.Response | None = None
        self._end_frame: tuple[int, bytes] | None = None

    @property
    def done(self) -> bool:
        return self.status is not None

    def _request_headers(self) -> list[tuple[str, str]]:
        return request_headers(
            self.dialect,
            self.metadata,
            unary=self.unary,
            encoding=self.encoding,
            timeout=self.timeout,
            agent=USER_AGENT,
        )

    def _frame(self, payload: bytes) -> bytes:
        """A message as the dialect carries it (the transport encoded it): bare for Connect unary, else an
        envelope, in base64 for grpc-web-text."""
        if self.dialect == "connect" and self.unary:
            return payload
        framed = envelope(payload)
        return base64.b64encode(framed) if self._text is not None else framed

    async def start(self, first: bytes | None = None, *, end: bool = False) -> None:
        loop = asyncio.get_running_loop()
        self._deadline = None if self.timeout is None else loop.time() + self.timeout
        body: Any
        if self.client_streaming:
            self._outgoing = asyncio.Queue()
            body = self._body()
        else:
            assert first is not None
            body = self._frame(first)
            self._ended = True
        request = self._get_request(body) if self.get else None
        if request is None:
            request = self.client.build_request("POST", self.url, headers=self._request_headers(), content=body)
        self._exchange = asyncio.create_task(self.client.send(request, stream=True))
        if self.client_streaming:
            if first is not None:
                await self.send(first, end=end)
            return
        try:
            async with asyncio.timeout_at(self._deadline):
                await asyncio.shield(self._exchange)
        except TimeoutError as exc:
            self.cancel()
            raise ConnectFailed(exc) from None
        except httpx.HTTPError as exc:
            raise ConnectFailed(_cause(exc)) from None

    def _get_request(self, message: bytes) -> httpx.Request | None:
        """Connect's GET form: `?connect=v1&encoding=...&message=...` (proto in unpadded base64url); None when
        the URL would be too long for servers and proxies (then it is a POST)."""
        encoding = "json" if self.encoding == "json" else "proto"
        if encoding == "json":
            params = {"connect": "v1", "encoding": "json", "message": message.decode("utf-8", errors="replace")}
        else:
            text = base64.urlsafe_b64encode(message).decode("ascii").rstrip("=")
            params = {"connect": "v1", "encoding": "proto", "base64": "1", "message": text}
        headers = [(k, v) for k, v in self._request_headers() if k not in ("content-type", "connect-protocol-version")]
        request = self.client.build_request("GET", self.url, params=params, headers=headers)
        return request if len(str(request.url)) <= MAX_GET_URL else None

    async def _body(self) -> AsyncIterator[bytes]:
        assert self._outgoing is not None
        while (chunk := await self._outgoing.get()) is not _CLOSED:
            yield chunk

    async def send(self, payload: bytes, *, end: bool = False) -> bool:
        if self._outgoing is None or self._ended or self.status is not None:
            return False
        self._outgoing.put_nowait(self._frame(payload))
        if end:
            await self.end()
        return True

    async def end(self) -> None:
        if self._outgoing is not None and not self._ended:
            self._ended = True
            self._outgoing.put_nowait(_CLOSED)

    async def initial(self) -> list[tuple[str, str]] | None:
        assert self._exchange is not None
        try:
            async with asyncio.timeout_at(self._deadline):
                response = self._response = await asyncio.shield(self._exchange)
        except TimeoutError:
            self._timed_out()
            return None
        except httpx.HTTPError as exc:
            cause = _cause(exc)
            self.status = Status("UNAVAILABLE", str(cause), [], False, cause=cause)
            return None
        headers = [(k.lower(), v) for k, v in response.headers.multi_items()]
        self.headers = headers
        fields = dict(headers)
        content_type = fields.get("content-type", "")
        if self.dialect == "connect" and self.unary:
            if response.status_code != 200:
                body = await self._read_whole(response)
                if body is None:
                    return None
                error = json_object(body)
                if error is None or "code" not in error:
                    code = HTTP_TO_CODE.get(response.status_code, "UNKNOWN")
                    error = {"code": code, "message": f"HTTP {response.status_code} {response.reason_phrase}"}
                self._end_with(connect_status(error, _trailers_of(headers)))
                return None
            return _leading(headers)
        if response.status_code != 200:
            code = HTTP_TO_CODE.get(response.status_code, "UNKNOWN")
            self._end_with(Status(code, f"Received http2 header with status: {response.status_code}", [], True))
            return None
        if self.dialect == "grpc-web" and "grpc-status" in fields:  # trailers only
            self._end_with(status_of(headers))
            return None
        wanted = "application/connect+" if self.dialect == "connect" else "application/grpc-web"
        if not content_type.startswith(wanted):
            self._end_with(
                Status("UNKNOWN", f"the server answered with content-type `{content_type}`, not {wanted}...", [], True)
            )
            return None
        encoding = fields.get("connect-content-encoding" if self.dialect == "connect" else "grpc-encoding")
        if encoding:
            self._deframer.encoding = encoding.strip().lower()
        return _leading(headers)

    async def _read_whole(self, response: httpx.Response) -> bytes | None:
        """A unary answer's body, decoded (Content-Encoding), at most the receive limit."""
        limit = self._deframer.limit
        body = bytearray()
        try:
            async with asyncio.timeout_at(self._deadline):
                async for chunk in response.aiter_bytes():
                    body += chunk
                    if len(body) > limit:
                        self.cancel()
                        self.status = Status(
                            "RESOURCE_EXHAUSTED", f"Received message larger than max (over {limit})", [], False
                        )
                        return None
        except TimeoutError:
            self._timed_out()
            return None
        except httpx.HTTPError as exc:
            self._end_with(Status("UNAVAILABLE", str(exc) or type(exc).__name__, [], False))
            return None
        return bytes(body)

    async def batches(self) -> AsyncIterator[list[bytes]]:
        response = self._response
        if response is None or self.status is not None:
            return
        if self.dialect == "connect" and self.unary:
            body = await self._read_whole(response)
            if body is not None:
                yield [body]
            return
        iterator = response.aiter_raw()
        while self.status is None:
            try:
                async with asyncio.timeout_at(self._deadline):
                    chunk = await anext(iterator, None)
            except TimeoutError:
                self._timed_out()
                return
            except httpx.HTTPError as exc:
                self._end_with(Status("UNAVAILABLE", str(exc) or type(exc).__name__, [], False))
                return
            if chunk is None:
                return
            try:
                if self._text is not None:
                    chunk = self._text.feed(chunk)
                frames = self._deframer.feed(chunk)
            except (WireError, binascii.Error, ValueError) as exc:
                self.cancel()
                code, message = (exc.code, exc.message) if isinstance(exc, WireError) else ("INTERNAL", str(exc))
                self.status = Status(code, message, [], False)
                return
            messages = []
            for flags, payload in frames:
                if flags & (END_STREAM | TRAILERS):
                    self._end_frame = (flags, payload)
                else:
                    messages.append(payload)
            if messages:
                yield messages

    async def finish(self) -> Status:
        if self.status is not None:
            return self.status
        headers = self.headers or []
        if self.dialect == "connect" and self.unary:
            self._end_with(Status("OK", "", _trailers_of(headers), True))
        elif self._end_frame is None:
            self._end_with(Status("INTERNAL", "the server ended the stream without its status", [], True))
        elif self.dialect == "connect":
            self._end_with(connect_end(self._end_frame[1]))
        else:
            self._end_with(web_trailers(self._end_frame[1]))
        assert self.status is not None
        return self.status

    def cancel(self) -> None:
        if self._exchange is not None and not self._exchange.done():
            self._exchange.cancel()
        if self._response is not None:
            response, self._response = self._response, None
            with contextlib.suppress(Exception):
                asyncio.get_running_loop().create_task(response.aclose())

    def _timed_out(self) -> None:
        self.cancel()
        self.status = Status("DEADLINE_EXCEEDED", "Deadline Exceeded", [], False, cause=TimeoutError())

    def _end_with(self, status: Status) -> None:
        self.status = status


def _cause(exc: BaseException) -> BaseException:
    """The OS or TLS error under an httpx error (what explain_failure reads), or a timeout as TimeoutError."""
    if isinstance(exc, httpx.TimeoutException):
        return TimeoutError(str(exc))
    seen = exc
    for _ in range(10):
        if isinstance(seen, OSError):
            return seen
        following = seen.__cause__ or seen.__context__
        if following is None:
            break
        seen = following
    return ConnectionError(str(exc) or type(exc).__name__)


def web_trailers(payload: bytes) -> Status:
    """A gRPC-Web trailers frame (HTTP/1.1 header lines) as the call's status."""
    lines = payload.decode("utf-8", errors="replace").split("\r\n")
    return status_of(
        [(k.strip().lower(), v.strip()) for k, _, v in (line.partition(":") for line in lines) if k.strip()]
    )


def _leading(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Response headers less HTTP/1.1's own and Connect's `trailer-` ones (grpc_call.metadata_from leaves out
    what every dialect's protocol sets)."""
    return [(k, v) for k, v in headers if k not in _HTTP_ONLY and not k.startswith("trailer-")]


def _trailers_of(headers: list[tuple[str, str]]) -> Metadata:
    """Connect unary trailers: the `trailer-` headers, the prefix dropped."""
    trailers: Metadata = []
    for key, value in headers:
        if key.startswith("trailer-"):
            name = key[len("trailer-") :]
            trailers.append(metadata_item(name, value))
    return trailers
