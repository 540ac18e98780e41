"""gRPC channels from requests (address, TLS, authority, sizes) and errors explained in words."""

from __future__ import annotations

import asyncio
import base64
import ssl
from typing import Any

import grpc

from voiden_lsp.errors import TransportError
from voiden_lsp.templating import ResolvedRequest
from voiden_lsp.templating.targets import Target

Metadata = tuple[tuple[str, str | bytes], ...]


def metadata_of(headers: list[tuple[str, str]]) -> Metadata:
    """Header lines -> gRPC metadata: keys lower-cased; `-bin` values are base64 and sent as bytes."""
    items: list[tuple[str, str | bytes]] = []
    for name, value in headers:
        key = name.strip().lower()
        if key.endswith("-bin"):
            try:
                items.append((key, base64.b64decode(value.strip() + "=" * (-len(value.strip()) % 4))))
            except ValueError:
                raise TransportError(f"metadata `{name}` ends in -bin, so its value must be base64") from None
        else:
            items.append((key, value))
    return tuple(items)


def reflection_metadata(request: ResolvedRequest) -> Metadata:
    extra = []
    for line in request.metadata.get("reflect-header", []):
        name, colon, value = line.partition(":")
        if not colon:
            raise TransportError(f"`@reflect-header {line}`: write `@reflect-header Name: value`")
        extra.append((name.strip(), value.strip()))
    return metadata_of([*request.headers, *extra])


async def open_channel(request: ResolvedRequest, target: Target, *, size_limits: bool = True) -> grpc.aio.Channel:
    """A channel for the request; reflection opens one without `@max-message-size` (schemas are large)."""
    options, credentials = await _channel_settings(request, target, size_limits)
    if credentials is None:
        return grpc.aio.insecure_channel(target.address, options=options)
    return grpc.aio.secure_channel(target.address, credentials, options=options)


async def open_sync_channel(request: ResolvedRequest, target: Target) -> grpc.Channel:
    """The same channel for grpcio's synchronous stub (a server stream read in a thread: grpc_stream.py)."""
    options, credentials = await _channel_settings(request, target, True)
    if credentials is None:
        return grpc.insecure_channel(target.address, options=options)
    return grpc.secure_channel(target.address, credentials, options=options)


async def _channel_settings(
    request: ResolvedRequest, target: Target, size_limits: bool
) -> tuple[list[tuple[str, str | int]], grpc.ChannelCredentials | None]:
    """The channel's options, and its TLS credentials (None: plaintext)."""
    options: list[tuple[str, str | int]] = [("grpc.enable_retries", 0)]
    size = request.meta_size("max-message-size") if size_limits else None
    if size is not None:
        options += [("grpc.max_receive_message_length", size), ("grpc.max_send_message_length", size)]
    authority = request.meta("authority")
    if authority:
        options.append(("grpc.default_authority", authority))
    if not target.tls:
        return options, None
    if authority:
        options.append(("grpc.ssl_target_name_override", authority))
    root = _read(request, "ca")
    if request.insecure and root is None:
        # grpcio cannot skip verification: trust the certificate the server presents (its name still counts).
        try:
            pem = await asyncio.to_thread(ssl.get_server_certificate, (target.host, target.port), timeout=10)
        except OSError as exc:
            raise TransportError(f"cannot fetch the TLS certificate of {target.address}: {exc}") from None
        root = pem.encode()
    credentials = grpc.ssl_channel_credentials(
        root_certificates=root, private_key=_read(request, "key"), certificate_chain=_read(request, "cert")
    )
    return options, credentials


MAX_PEM_FILE = 1024 * 1024


def _read(request: ResolvedRequest, key: str) -> bytes | None:
    value = request.meta(key)
    if not value:
        return None
    path = request.path(value)
    try:
        if not path.is_file() or path.stat().st_size > MAX_PEM_FILE:
            raise TransportError(f"`@{key} {value}` ({path}) is not a certificate or key file (a regular file, < 1 MB)")
        return path.read_bytes()
    except OSError as exc:
        raise TransportError(f"cannot read `@{key} {value}` ({path}): {exc.strerror or exc}") from None


def explain(error: Any, target: Target, timeout: float | None, doing: str) -> str:
    """A failed call that never reached the service (an AioRpcError, or a failed call of the synchronous
    stub), in words a user can act on."""
    code = error.code()
    details = error.details() or ""
    lowered = details.lower()
    where = target.address
    if code == grpc.StatusCode.DEADLINE_EXCEEDED:
        limit = f"{timeout:g}s (@timeout)" if timeout else "the deadline"
        return f"no answer from {where} within {limit} while {doing}: check the server, or raise `@timeout`"
    if code == grpc.StatusCode.UNAVAILABLE:
        if "refused" in lowered:
            return f"connection refused by {where}: is the gRPC server running, and on that port?"
        if (
            "dns" in lowered
            or "resolv" in lowered
            or "domain name not found" in lowered
            or ("name" in lowered and "not known" in lowered)
        ):
            return f"cannot resolve the host `{target.host}`: check the address"
        if "certificate_verify_failed" in lowered or "certificate verify failed" in lowered:
            return (
                f"the TLS certificate of {where} is not trusted ({details}): pass the CA that signed it with "
                "`@ca FILE`, or add `@insecure` to trust what the server presents (not for production)"
            )
        if "wrong_version_number" in lowered and target.tls:
            return f"{where} does not speak TLS on that port (it answered in plaintext): use grpc://, or check the port"
        if any(word in lowered for word in ("ssl", "tls", "handshake", "certificate", "wrong_version")):
            hint = (
                "the server may speak plaintext: use grpc://" if target.tls else "the server may want TLS: use grpcs://"
            )
            return f"TLS problem with {where} while {doing}: {details}. {hint}; or pass `@ca FILE`"
        if "socket closed" in lowered or "connection reset" in lowered or "eof" in lowered:
            hint = (
                "does the server speak TLS? try grpcs://"
                if not target.tls
                else "does the server speak plaintext? try grpc://"
            )
            return f"{where} closed the connection while {doing} ({details}): {hint}"
        return f"{where} is unavailable while {doing}: {details}"
    return f"{code.name} from {where} while {doing}: {details}"
