"""HTTP on httpx (async): any method and body, redirects, verified TLS, timings, streamed bodies."""

from __future__ import annotations

import asyncio
import socket
import ssl
import time
from collections.abc import AsyncIterator
from functools import cache
from http.cookiejar import CookieJar
from pathlib import Path
from typing import Any

import certifi
import httpx

from voiden_lsp.errors import TransportError
from voiden_lsp.events import CLOSED, CONNECTING, OPEN, RECEIVED, SENT, STATUS
from voiden_lsp.templating import ResolvedRequest, Response
from voiden_lsp.transports.base import Emitted, Transport, bytes_payload, plain_text_payload, text_payload

#: A body up to this size arrives as one `received` event (JSON as its value); a larger one as its chunks.
WHOLE_BODY_LIMIT = 1024 * 1024
#: How much of a body is kept for `{{NAME.response.body...}}` references.
REFERENCE_LIMIT = 4 * 1024 * 1024
DEFAULT_TIMEOUT = 30.0
#: What a network exchange can raise; `describe_error` turns each into words a user can act on.
NETWORK_ERRORS = (httpx.HTTPError, TimeoutError, ssl.SSLError, OSError)
_TEXT_TYPES = ("json", "xml", "javascript", "x-www-form-urlencoded", "yaml", "csv", "event-stream", "graphql")


@cache
def _default_tls() -> ssl.SSLContext:
    """The verifying context (certifi's roots, as httpx uses), made once: building one takes ~30 ms."""
    return ssl.create_default_context(cafile=certifi.where())


def make_client(
    request: ResolvedRequest,
    *,
    follow_redirects: bool = True,
    cookies: CookieJar | None = None,
    http2: bool = False,
    timeout: float | None = None,
) -> httpx.AsyncClient:
    """An httpx client with the request's TLS settings (verified unless `@insecure`, `@ca`, `@cert`/`@key`),
    sharing the cookie jar given, unless the request says `@no-cookie-jar`."""
    verify = _default_tls()
    ca, cert, key = (str(request.path(v)) if (v := request.meta(k)) else None for k in ("ca", "cert", "key"))
    if request.insecure or ca or cert:
        try:
            context = ssl.create_default_context(cafile=ca or certifi.where())
            if cert:
                context.load_cert_chain(cert, key)
        except (OSError, ssl.SSLError) as exc:
            raise TransportError(f"cannot load the TLS files (@ca/@cert/@key): {exc}") from None
        if request.insecure:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        verify = context
    limits = httpx.Timeout(timeout if timeout is not None else request.timeout or DEFAULT_TIMEOUT)
    jar = None if cookies is None or "no-cookie-jar" in request.metadata else cookies
    # httpx keeps a CookieJar it is given (a Cookies object it would copy): what a response sets stays for the next
    return httpx.AsyncClient(verify=verify, timeout=limits, follow_redirects=follow_redirects, cookies=jar, http2=http2)


def describe_error(exc: BaseException, request: ResolvedRequest, *, answered: bool = False) -> str:
    """What went wrong and what to check, in words a user can act on (`answered`: the answer had begun)."""
    url = request.target
    host = httpx.URL(url).host if url.startswith(("http://", "https://")) else url
    text = str(exc) or type(exc).__name__
    chain = [exc]
    while (cause := chain[-1].__cause__ or chain[-1].__context__) is not None and len(chain) < 10:
        chain.append(cause)
    causes = " ".join(str(c) for c in chain)
    if isinstance(exc, TimeoutError | httpx.TimeoutException):
        limit = f"{request.timeout:g}s (@timeout)" if request.timeout else f"{DEFAULT_TIMEOUT:g}s (the default)"
        return f"no answer from {host} within {limit}: check the server, or raise `@timeout`"
    lowered = causes.lower()
    if "wrong_version_number" in lowered or "wrong version number" in lowered:
        return f"{host} does not speak TLS on that port (it answered in plaintext): use http://, or check the port"
    if isinstance(exc, httpx.ConnectError):
        if "certificate" in lowered or "ssl" in lowered or "tls" in lowered:
            return (
                f"TLS failed with {host}: {text}. Check the server's certificate, pass its CA with "
                "`@ca FILE`, "
                "or add `@insecure` to skip verification (not for production)"
            )
        if "refused" in lowered or any(isinstance(c, ConnectionRefusedError) for c in chain):
            return f"connection refused by {host}: is the server running, and on that port?"
        if (
            any(isinstance(c, socket.gaierror) for c in chain)
            or "name or service not known" in lowered
            or "nodename" in lowered
            or "resolution" in lowered
            or "getaddrinfo" in lowered
        ):
            return f"cannot resolve the host `{host}`: check the URL's host name"
        return f"cannot connect to {host}: {text}"
    if isinstance(exc, httpx.TooManyRedirects):
        return f"too many redirects from {url}: the server redirects in a loop"
    if answered and isinstance(exc, httpx.ReadError | httpx.RemoteProtocolError):
        return f"{host} cut the connection in the middle of its answer ({text}): the network or the server dropped it"
    if isinstance(exc, httpx.ReadError | httpx.RemoteProtocolError) and url.startswith("http://"):
        return (
            f"{host} closed the connection without an HTTP answer ({text}): does it speak TLS on that port? "
            "try https://"
        )
    if isinstance(exc, httpx.ReadError):
        return f"{host} closed the connection before its answer ended ({text}): check the server"
    if isinstance(exc, httpx.RemoteProtocolError):
        return f"{host} broke the HTTP protocol: {text}"
    if isinstance(exc, httpx.HTTPError):
        return f"the request to {host} failed: {text}"
    return f"the request to {host} failed: {text}"


def is_text(content_type: str) -> bool:
    lowered = content_type.lower()
    return not lowered or lowered.startswith("text/") or any(kind in lowered for kind in _TEXT_TYPES)


class _Timings:
    """Connect and first-byte times from httpcore's trace hooks."""

    def __init__(self) -> None:
        self.start = time.perf_counter()
        self.connect: float | None = None
        self.first_byte: float | None = None

    def restart(self) -> None:
        self.start = time.perf_counter()

    async def trace(self, name: str, info: dict[str, Any]) -> None:
        now = (time.perf_counter() - self.start) * 1000
        if name in ("connection.connect_tcp.complete", "connection.start_tls.complete"):
            self.connect = now
        elif name.endswith("receive_response_headers.complete") and self.first_byte is None:
            self.first_byte = now

    def as_dict(self) -> dict[str, float | None]:
        total = (time.perf_counter() - self.start) * 1000
        return {"connect": _ms(self.connect), "first_byte": _ms(self.first_byte), "total": _ms(total)}


def _ms(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _body_file_chunks(path: Path) -> AsyncIterator[bytes]:
    async def chunks() -> AsyncIterator[bytes]:
        with path.open("rb") as handle:
            while chunk := await asyncio.to_thread(handle.read, 64 * 1024):
                yield chunk

    return chunks()


def _streamed_body(parts: list[str | Path]) -> tuple[int, AsyncIterator[bytes], str]:
    """A body of text and files: its size, its bytes (files streamed, never read whole) and how it is shown
    (files by name and size)."""
    for part in parts:
        if isinstance(part, Path) and not part.is_file():
            raise TransportError(
                f"the body file {part} does not exist: check the path after `<` "
                "(a relative path starts at the document's folder)"
            )
    size = sum(len(p.encode()) if isinstance(p, str) else p.stat().st_size for p in parts)
    shown = "".join(p if isinstance(p, str) else f"< {p} ({p.stat().st_size} bytes)" for p in parts)

    async def chunks() -> AsyncIterator[bytes]:
        for part in parts:
            if isinstance(part, str):
                yield part.encode()
            else:
                async for chunk in _body_file_chunks(part):
                    yield chunk

    return size, chunks(), shown.replace("\r\n", "\n")


def check_url(url: str) -> None:
    """Refuse, before connecting, a URL httpx would misread (a missing scheme becomes a relative path)."""
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise TransportError(f"invalid URL `{url}`: {exc}") from None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise TransportError(f"invalid URL `{url}`: a request URL starts with http:// or https:// and names a host")


class HttpTransport(Transport):
    async def events(self) -> AsyncIterator[Emitted]:
        request = self.request
        check_url(request.target)
        timings = _Timings()
        yield CONNECTING, {"target": request.target}
        content: bytes | AsyncIterator[bytes] | None = None
        extra_headers: list[tuple[str, str]] = []
        sent = plain_text_payload("", 0)
        if request.body_parts is not None:
            size, content, shown = _streamed_body(request.body_parts)
            sent = plain_text_payload(shown, size)
            extra_headers = [("Content-Length", str(size))]
        elif request.body is not None:
            content = request.body.encode()
            sent = text_payload(request.body, size=len(content))
        headers = [*request.headers, *extra_headers]
        if (implied := request.implied_content_type()) is not None:
            headers.append(("Content-Type", implied))
        answered = False
        try:
            async with (
                asyncio.timeout(request.timeout),
                make_client(
                    request, follow_redirects="no-redirect" not in request.metadata, cookies=self.cookies
                ) as client,
            ):
                http_request = client.build_request(
                    request.method or "GET",
                    request.target,
                    headers=headers,
                    content=content,
                    extensions={"trace": timings.trace},
                )
                yield (
                    SENT,
                    {
                        **sent,
                        "method": http_request.method,
                        "url": str(http_request.url),
                        "headers": dict(http_request.headers),
                    },
                )
                timings.restart()
                response = await client.send(http_request, stream=True)
                answered = True
                try:
                    async for item in self._read(response, timings):
                        yield item
                finally:
                    await response.aclose()
        except NETWORK_ERRORS as exc:
            raise TransportError(describe_error(exc, request, answered=answered)) from None
        yield CLOSED, {"by": "server", "timings": timings.as_dict()}

    async def _read(self, response: httpx.Response, timings: _Timings) -> AsyncIterator[Emitted]:
        headers = dict(response.headers)
        redirects = [str(r.url) for r in response.history]
        yield (
            OPEN,
            {
                "headers": headers,
                "http_version": response.http_version,
                "url": str(response.url),
                **({"redirects": redirects} if redirects else {}),
            },
        )
        yield STATUS, {"code": response.status_code, "message": response.reason_phrase}
        content_type = response.headers.get("content-type", "")
        text = is_text(content_type)
        encoding = response.charset_encoding or "utf-8"
        kept = bytearray()
        buffered: list[bytes] = []
        buffered_size = 0
        streaming = False
        async for chunk in response.aiter_bytes():
            if len(kept) < REFERENCE_LIMIT:
                kept += chunk[: REFERENCE_LIMIT - len(kept)]
            if not streaming:
                buffered.append(chunk)
                buffered_size += len(chunk)
                if buffered_size <= WHOLE_BODY_LIMIT:
                    continue
                streaming = True
                chunk = b"".join(buffered)
                buffered = []
            yield RECEIVED, self._payload(chunk, text, encoding, whole=False)
        if not streaming and buffered_size:
            yield RECEIVED, self._payload(b"".join(buffered), text, encoding, whole=True)
        self.response = Response(
            status=response.status_code, headers=headers, body=bytes(kept).decode(encoding, errors="replace")
        )

    @staticmethod
    def _payload(body: bytes, text: bool, encoding: str, *, whole: bool) -> dict[str, Any]:
        """A whole body as a value (JSON decoded), a chunk of a long one as text; binary as base64."""
        if not text:
            return bytes_payload(body)
        decoded = body.decode(encoding, errors="replace")
        return text_payload(decoded, size=len(body)) if whole else plain_text_payload(decoded, len(body))
