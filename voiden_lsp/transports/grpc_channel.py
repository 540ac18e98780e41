"""gRPC connections from requests (address, TLS, authority) on grpclib's HTTP/2, and failures in words."""

from __future__ import annotations

import asyncio
import base64
import socket
import ssl

from grpclib.client import Channel
from grpclib.config import Configuration

from voiden_lsp.errors import TransportError
from voiden_lsp.templating import ResolvedRequest
from voiden_lsp.templating.targets import Target
from voiden_lsp.transports.grpc_wire import check_metadata

Metadata = list[tuple[str, str | bytes]]


def metadata_of(headers: list[tuple[str, str]]) -> Metadata:
    """Header lines -> gRPC metadata: keys lower-cased; `-bin` values are base64 and sent as bytes."""
    items: Metadata = []
    for name, value in headers:
        key = name.strip().lower()
        if key.endswith("-bin"):
            text = value.strip()
            try:
                items.append((key, base64.b64decode(text + "=" * (-len(text) % 4), validate=True)))
            except ValueError:
                raise TransportError(f"metadata `{name}` ends in -bin, so its value must be base64") from None
        else:
            items.append((key, value.strip()))
    return check_metadata(items)


def reflection_metadata(request: ResolvedRequest) -> Metadata:
    extra = []
    for line in request.metadata.get("reflect-header", []):
        name, colon, value = line.partition(":")
        if not colon:
            raise TransportError(f"`@reflect-header {line}`: write `@reflect-header Name: value`")
        extra.append((name.strip(), value.strip()))
    return metadata_of([*request.headers, *extra])


WINDOW = 4 * 1024 * 1024
"""The HTTP/2 window: what a server may send ahead of the reader (the backlog's bound, per call)."""


def open_channel(request: ResolvedRequest, target: Target) -> Channel:
    """An HTTP/2 connection for the request (made at its first call): TLS verified against the system's
    roots or `@ca`, a client certificate from `@cert`/`@key`, nothing verified with `@insecure`; the TLS name
    checked is `@authority` when given, as grpcurl's `-authority` does."""
    context = tls_context(request) if target.tls else None
    authority = request.meta("authority")
    config = Configuration(
        http2_connection_window_size=WINDOW,
        http2_stream_window_size=WINDOW,
        ssl_target_name_override=authority if context is not None else None,
    )
    return Channel(target.host, target.port, ssl=context, config=config)


def tls_context(request: ResolvedRequest) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.set_alpn_protocols(["h2"])
    ca = _checked(request, "ca")
    if request.insecure and ca is None:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    elif ca is not None:
        try:
            context.load_verify_locations(cafile=str(ca))
        except (ssl.SSLError, OSError, ValueError) as exc:
            raise TransportError(f"`@ca {request.meta('ca')}` is not a PEM certificate: {exc}") from None
    cert, key = _checked(request, "cert"), _checked(request, "key")
    if cert is not None:
        try:
            context.load_cert_chain(str(cert), None if key is None else str(key))
        except (ssl.SSLError, OSError, ValueError) as exc:
            raise TransportError(
                f"`@cert {request.meta('cert')}` / `@key {request.meta('key')}` are not a certificate and its "
                f"private key in PEM: {exc}"
            ) from None
    elif key is not None:
        raise TransportError("`@key` without `@cert`: a client certificate needs both")
    return context


MAX_PEM_FILE = 1024 * 1024


def _checked(request: ResolvedRequest, key: str) -> object | None:
    value = request.meta(key)
    if not value:
        return None
    path = request.path(value)
    try:
        if not path.is_file() or path.stat().st_size > MAX_PEM_FILE:
            raise TransportError(f"`@{key} {value}` ({path}) is not a certificate or key file (a regular file, < 1 MB)")
    except OSError as exc:
        raise TransportError(f"cannot read `@{key} {value}` ({path}): {exc.strerror or exc}") from None
    return path


def explain_failure(error: BaseException, target: Target, timeout: float | None, doing: str) -> str:
    """A call that never reached the service (the connection failed, or nothing answered in time), in words a
    user can act on."""
    where = target.address
    text = (error.strerror if isinstance(error, OSError) and error.strerror else str(error)) or type(error).__name__
    lowered = text.lower()
    if isinstance(error, (TimeoutError, asyncio.TimeoutError)):
        limit = f"{timeout:g}s (@timeout)" if timeout else "the deadline"
        return f"no answer from {where} within {limit} while {doing}: check the server, or raise `@timeout`"
    if isinstance(error, ConnectionRefusedError) or "refused" in lowered:
        return f"connection refused by {where}: is the gRPC server running, and on that port?"
    if isinstance(error, socket.gaierror):
        return f"cannot resolve the host `{target.host}`: check the address"
    if isinstance(error, ssl.SSLCertVerificationError) or "certificate verify failed" in lowered:
        detail = getattr(error, "verify_message", None) or text
        return (
            f"the TLS certificate of {where} is not trusted ({detail}): pass the CA that signed it with "
            "`@ca FILE`, or add `@insecure` to trust what the server presents (not for production)"
        )
    if isinstance(error, ssl.SSLError):
        if "wrong_version_number" in lowered or "wrong version number" in lowered or "record layer" in lowered:
            return f"{where} does not speak TLS on that port (it answered in plaintext): use grpc://, or check the port"
        return (
            f"TLS problem with {where} while {doing}: {text}. The server may speak plaintext: use grpc://; "
            "or pass `@ca FILE`"
        )
    if isinstance(error, OSError) and not isinstance(error, ConnectionError):
        return f"{where} is unavailable while {doing}: {error.strerror or text}"
    if target.dialect != "grpc":
        hint = (
            "a bidirectional Connect call needs HTTP/2: does the server speak HTTP/2 without TLS (h2c) on that "
            "port? over TLS, use https://"
            if not target.tls
            else "does the server speak HTTP/2 over TLS on that port?"
        )
    elif not target.tls:
        hint = "does the server speak TLS? try grpcs://"
    else:
        hint = "does the server speak plaintext? try grpc://"
    return f"{where} closed the connection while {doing} ({text}): {hint}"
