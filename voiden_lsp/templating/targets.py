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
        if scheme not in ("grpc", "grpcs"):
            raise TransportError(f"`{text}`: a gRPC address starts with grpc:// (plaintext) or grpcs:// (TLS)")
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


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
