"""A gRPC request's address: host, port and whether it speaks TLS (read by the transport and by `export`)."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

from voiden_lsp.errors import TransportError
from voiden_lsp.templating.resolve import ResolvedRequest


@dataclass(frozen=True)
class Target:
    host: str
    port: int
    tls: bool
    dialect: str = "grpc"
    """`grpc`, or `connect` / `grpc-web` for an http(s):// address (FORMAT.md section 10)."""
    prefix: str = ""
    """An http(s):// address's path, before `/package.Service/Method` (a server mounted under a path)."""

    @property
    def address(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"


def parse_target(request: ResolvedRequest) -> Target:
    """`grpc://h:p` plaintext, `grpcs://h:p` TLS, bare `h:p` plaintext on loopback and TLS elsewhere;
    `@plaintext` / `@tls` decide when given."""
    text = request.target
    scheme = ""
    if "://" in text:
        parts = urlsplit(text)
        scheme, netloc = parts.scheme, parts.netloc
        if scheme in ("http", "https"):
            return _http_target(request, parts.hostname or "", parts.port, scheme == "https", parts.path)
        if scheme not in ("grpc", "grpcs"):
            raise TransportError(
                f"`{text}`: a gRPC address starts with grpc:// (plaintext) or grpcs:// (TLS), or with http(s):// "
                "for Connect and gRPC-Web"
            )
    else:
        netloc = text
    host, _, port = netloc.rpartition(":")
    host = host.strip("[]")
    if not host or not port.isdigit():
        raise TransportError(f"`{text}` is not a gRPC address: write host:port, e.g. grpc://127.0.0.1:50051")
    if "plaintext" in request.metadata:
        tls = False
    elif "tls" in request.metadata:
        tls = True
    elif scheme:
        tls = scheme == "grpcs"
    else:
        tls = not _loopback(host)
    return Target(host, int(port), tls)


def dialect_of(request: ResolvedRequest) -> str:
    """What a `grpc` request speaks: `grpc` for a grpc(s):// or host:port address; for an http(s):// one,
    `@protocol` (default `connect`, as `buf curl`)."""
    if not request.target.startswith(("http://", "https://")):
        return "grpc"
    return request.meta("protocol") or "connect"


def _http_target(request: ResolvedRequest, host: str, port: int | None, tls: bool, path: str) -> Target:
    if not host:
        raise TransportError(f"`{request.target}` has no host: write e.g. http://127.0.0.1:8080")
    return Target(host, port or (443 if tls else 80), tls, dialect_of(request), path.rstrip("/"))


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
