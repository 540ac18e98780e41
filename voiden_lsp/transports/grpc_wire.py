"""What every gRPC dialect (gRPC, gRPC-Web, Connect) shares on the wire: the 5-byte envelope, compressed
messages, the status code names and the rich error details of `grpc-status-details-bin`.

No sockets here: the envelopes are cut from bytes by whoever reads them.
"""

from __future__ import annotations

import base64
import json
import zlib
from dataclasses import dataclass
from typing import Any

from google.protobuf import any_pb2, json_format
from google.protobuf.message import DecodeError
from google.rpc import error_details_pb2, status_pb2

from voiden_lsp.errors import TransportError

_STANDARD_DETAILS = error_details_pb2  # imported so the standard detail types are known to json_format
DETAILS_KEY = "grpc-status-details-bin"
DEFAULT_RECEIVE_LIMIT = 4 * 1024 * 1024
"""What a message may weigh without `@max-message-size`: grpcio's, grpc-go's and grpcurl's default."""

CODES = (
    "OK",
    "CANCELLED",
    "UNKNOWN",
    "INVALID_ARGUMENT",
    "DEADLINE_EXCEEDED",
    "NOT_FOUND",
    "ALREADY_EXISTS",
    "PERMISSION_DENIED",
    "RESOURCE_EXHAUSTED",
    "FAILED_PRECONDITION",
    "ABORTED",
    "OUT_OF_RANGE",
    "UNIMPLEMENTED",
    "INTERNAL",
    "UNAVAILABLE",
    "DATA_LOSS",
    "UNAUTHENTICATED",
)

HTTP_TO_CODE = {400: "INTERNAL", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED", 404: "UNIMPLEMENTED"}
HTTP_TO_CODE |= {429: "UNAVAILABLE", 502: "UNAVAILABLE", 503: "UNAVAILABLE", 504: "UNAVAILABLE"}
"""The gRPC code of an HTTP status that is not 200 (grpc/grpc doc/http-grpc-status-mapping.md)."""


def code_name(value: str | int | None) -> str:
    """`grpc-status: 5` -> NOT_FOUND; anything unreadable is UNKNOWN."""
    try:
        number = int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return "UNKNOWN"
    return CODES[number] if 0 <= number < len(CODES) else "UNKNOWN"


@dataclass
class Status:
    """How a call ended: its code, message, trailers (metadata, `-bin` values as bytes) and whether a server
    said it (`trailers` came) or we concluded it (a cut connection, a deadline, a limit)."""

    code: str
    message: str
    trailers: list[tuple[str, str | bytes]]
    from_server: bool
    details_bin: bytes | None = None
    cause: BaseException | None = None
    """Why a call that never reached a server failed (a refused connection, TLS, a deadline)."""

    @property
    def ok(self) -> bool:
        return self.code == "OK"


class WireError(Exception):
    """A message we refuse to read (too large, compressed in a way we cannot read): the call ends with this
    status, decided by the client, as grpcio does."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def envelope(payload: bytes, flags: int = 0) -> bytes:
    return bytes((flags,)) + len(payload).to_bytes(4, "big") + payload


class Deframer:
    """Cuts a byte stream into envelopes, however the bytes were split: `feed()` returns the complete ones as
    `(flags, payload)`, payloads decompressed. A message over `limit` or a compression it cannot read raises
    `WireError` before the message is buffered whole."""

    def __init__(self, limit: int | None, encoding: str | None = None) -> None:
        self.limit = DEFAULT_RECEIVE_LIMIT if limit is None else limit
        self.encoding = (encoding or "identity").strip().lower()
        self._buffer = bytearray()

    @property
    def pending(self) -> int:
        """Bytes of an envelope not yet complete."""
        return len(self._buffer)

    def feed(self, data: bytes) -> list[tuple[int, bytes]]:
        buffer = self._buffer
        if buffer:
            buffer += data
            view: bytes | bytearray = buffer
        else:
            view = data
        out: list[tuple[int, bytes]] = []
        position, end = 0, len(view)
        limit = self.limit
        while end - position >= 5:
            flags = view[position]
            size = int.from_bytes(view[position + 1 : position + 5], "big")
            if size > limit:  # a trailers or end-of-stream frame too: nothing is buffered past the limit
                raise WireError("RESOURCE_EXHAUSTED", f"Received message larger than max ({size} vs. {limit})")
            stop = position + 5 + size
            if stop > end:
                break
            payload = bytes(view[position + 5 : stop])
            if flags & 1:
                payload = self._decompress(payload)
            out.append((flags, payload))
            position = stop
        if buffer:
            del buffer[:position]
        elif position < end:
            self._buffer = bytearray(view[position:])
        return out

    def _decompress(self, payload: bytes) -> bytes:
        encoding = self.encoding
        if encoding in ("gzip", "deflate"):
            wbits = 31 if encoding == "gzip" else 15
            reader = zlib.decompressobj(wbits)
            try:
                data = reader.decompress(payload, self.limit + 1)
            except zlib.error as exc:
                raise WireError(
                    "INTERNAL", f"a {encoding} message from the server does not decompress: {exc}"
                ) from None
            if len(data) > self.limit:  # a decompression bomb is cut at the limit, never inflated whole
                raise WireError(
                    "RESOURCE_EXHAUSTED", f"Received message larger than max (over {self.limit} decompressed)"
                )
            return data
        if encoding == "identity":
            raise WireError("INTERNAL", "the server sent a compressed message without saying how (no grpc-encoding)")
        raise WireError(
            "UNIMPLEMENTED",
            f"the server compressed its messages with `{encoding}`, which voiden does not read (gzip and deflate "
            "only): ask the server for identity or gzip",
        )


def metadata_value(key: str, value: str | bytes) -> str:
    """A metadata value as it travels in a header: `-bin` values base64, unpadded."""
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii").rstrip("=")
    return value


def grpc_timeout(seconds: float) -> str:
    """A `grpc-timeout` value (at most 8 digits: whole seconds past 10 s, else milliseconds)."""
    return f"{int(seconds)}S" if seconds > 10 else f"{max(1, int(seconds * 1000))}m"


def request_headers(
    dialect: str,
    metadata: list[tuple[str, str | bytes]],
    *,
    unary: bool,
    encoding: str,
    timeout: float | None,
    agent: str,
) -> list[tuple[str, str]]:
    """A call's headers after the pseudo-headers: what its dialect says about the messages, the deadline and
    compression, the user agent (after a `User-Agent` line of the request's own), then the metadata."""
    kind = "json" if encoding == "json" else "proto"
    mine = next((v for k, v in metadata if k == "user-agent"), None)
    agent = f"{mine} {agent}" if isinstance(mine, str) else agent
    if dialect == "connect":
        headers = [("content-type", f"application/{kind}" if unary else f"application/connect+{kind}")]
        headers.append(("connect-protocol-version", "1"))
        if timeout is not None:
            headers.append(("connect-timeout-ms", str(max(1, int(timeout * 1000)))))
        if not unary:
            headers.append(("connect-accept-encoding", "gzip"))
    elif dialect == "grpc-web":
        content_type = "application/grpc-web-text" if encoding == "text" else f"application/grpc-web+{kind}"
        headers = [("content-type", content_type), ("accept", content_type), ("x-grpc-web", "1")]
        headers += [("grpc-accept-encoding", "identity,deflate,gzip"), ("x-user-agent", agent)]
        if timeout is not None:
            headers.append(("grpc-timeout", grpc_timeout(timeout)))
    else:
        headers = [("te", "trailers"), ("content-type", "application/grpc")]
        headers.append(("grpc-accept-encoding", "identity,deflate,gzip"))
        if timeout is not None:
            headers.append(("grpc-timeout", grpc_timeout(max(timeout, 0.001))))
    headers.append(("user-agent", agent))
    return headers + [(k, metadata_value(k, v)) for k, v in metadata if k != "user-agent"]


def metadata_item(name: str, value: str) -> tuple[str, str | bytes]:
    """A metadata entry read from the wire: a `-bin` value decoded from its base64."""
    return (name, decode_bin(value) if name.endswith("-bin") else value)


def decode_bin(value: str) -> bytes:
    text = value.strip()
    try:
        return base64.b64decode(text + "=" * (-len(text) % 4))
    except ValueError:
        return text.encode("latin-1", errors="replace")


SET_BY_PROTOCOL = ("te", "content-type", "connection", "host")
"""Header lines the protocol writes itself: left out of the metadata (the Voiden app writes `Content-Type`)."""


def check_metadata(items: list[tuple[str, str | bytes]]) -> list[tuple[str, str | bytes]]:
    """Metadata a user wrote, as HTTP/2 allows it: lower-case keys of `[0-9a-z_.-]`, printable ASCII values
    (anything else travels in a `-bin` key); `grpc-` keys, which the protocol reserves, are refused in words."""
    items = [(key, value) for key, value in items if key not in SET_BY_PROTOCOL]
    for key, value in items:
        if key.startswith(":") or (key.startswith("grpc-") and key != "grpc-trace-bin"):
            raise TransportError(f"metadata `{key}` is set by the gRPC protocol itself: remove that line")
        if not key or any(not (c.isascii() and (c.isalnum() or c in "_.-")) for c in key):
            raise TransportError(
                f"metadata `{key}` is not a gRPC metadata name (letters, digits, `_`, `.` and `-` only)"
            )
        if isinstance(value, str) and any(not " " <= c <= "~" for c in value):
            raise TransportError(
                f"metadata `{key}` has a value gRPC cannot carry (printable ASCII only): send it as "
                f"`{key}-bin` with the value in base64"
            )
    return items


def headers_of(metadata: list[tuple[str, str | bytes]] | None) -> dict[str, str]:
    """Metadata as event headers: repeated keys joined with `, `; `-bin` values in base64."""
    result: dict[str, str] = {}
    for key, value in metadata or ():
        text = base64.b64encode(value).decode() if isinstance(value, bytes) else value
        result[key] = result[key] + ", " + text if key in result else text
    return result


def rich_details(raw: bytes | None) -> list[dict[str, Any]]:
    """google.rpc.Status details, decoded when known (a `grpc-status-details-bin` trailer, or Connect's)."""
    if not raw:
        return []
    try:
        status = status_pb2.Status.FromString(raw)
    except DecodeError:
        return []
    decoded = []
    for detail in status.details:
        try:
            decoded.append(json_format.MessageToDict(detail))
        except (TypeError, KeyError, json_format.Error):
            decoded.append({"@type": detail.type_url, "value": detail.value.hex()})
    return decoded


def connect_code(value: object) -> str:
    """Connect's `not_found` -> NOT_FOUND; anything else is UNKNOWN."""
    name = str(value or "").upper()
    return name if name in CODES else "UNKNOWN"


def connect_status(error: dict[str, Any] | None, trailers: list[tuple[str, str | bytes]]) -> Status:
    """A Connect error object (a unary body, or an end-of-stream message's `error`) as a gRPC status; its
    details packed as google.rpc.Status, as gRPC carries them."""
    if not error:
        return Status("OK", "", trailers, True)
    details = error.get("details")
    details_bin = None
    if isinstance(details, list) and details:
        code = CODES.index(connect_code(error.get("code")))
        packed = status_pb2.Status(code=code, message=str(error.get("message", "")))
        for detail in details:
            if isinstance(detail, dict) and isinstance(detail.get("type"), str):
                value = decode_bin(str(detail.get("value", "")))
                packed.details.append(any_pb2.Any(type_url="type.googleapis.com/" + detail["type"], value=value))
        details_bin = packed.SerializeToString()
    return Status(connect_code(error.get("code")), str(error.get("message") or ""), trailers, True, details_bin)


def json_object(data: bytes) -> dict[str, Any] | None:
    try:
        value = json.loads(data or b"{}")
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def connect_end(payload: bytes | None) -> Status:
    """A Connect stream's end-of-stream message `{error?, metadata?}` as the call's status."""
    if payload is None:
        return Status("INTERNAL", "the server ended the stream without its status", [], True)
    end = json_object(payload) or {}
    metadata = end.get("metadata")
    trailers: list[tuple[str, str | bytes]] = []
    for key, values in (metadata if isinstance(metadata, dict) else {}).items():
        for value in values if isinstance(values, list) else [values]:
            name = str(key).lower()
            trailers.append(metadata_item(name, str(value)))
    error = end.get("error")
    return connect_status(error if isinstance(error, dict) else None, trailers)
