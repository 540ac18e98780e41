"""A small HTTP + Server-Sent Events API on the standard library, for the examples and the tests."""

from __future__ import annotations

import hashlib
import json
import secrets
import ssl
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

USERS = [
    {"id": 1, "name": "Ada Lovelace", "email": "ada@example.com", "active": True},
    {"id": 2, "name": "Alan Turing", "email": "alan@example.com", "active": True},
    {"id": 3, "name": "Grace Hopper", "email": "grace@example.com", "active": False},
]
DEMO_PASSWORD = "demo-password-123"


class _Handler(BaseHTTPRequestHandler):
    server: DemoHttpServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet: the demo prints its own output
        pass

    # -- plumbing ------------------------------------------------------------------------------------

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, status: int, value: Any, headers: dict[str, str] | None = None) -> None:
        self._send(status, json.dumps(value).encode(), "application/json", headers)

    def _dispatch(self) -> None:
        parts = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        segments = [s for s in parts.path.split("/") if s]
        route = segments[0] if segments else ""
        handler = getattr(self, f"route_{route}", None)
        if handler is None:
            self._json(404, {"error": f"no route {parts.path}"})
            return
        handler(segments[1:], query)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _dispatch

    # -- routes --------------------------------------------------------------------------------------

    def route_graphql(self, rest: list[str], query: dict[str, str]) -> None:
        """GraphQL over HTTP on the demo GraphQL API (voiden_lsp/demo/graphql_api.py): POST JSON or GET."""
        from voiden_lsp.demo.graphql_api import execute_http

        status, answer = execute_http(self._body(), query, self.command, self.headers.get("Authorization"))
        self._send(status, json.dumps(answer).encode(), "application/graphql-response+json; charset=utf-8")

    def route_health(self, rest: list[str], query: dict[str, str]) -> None:
        self._json(200, {"status": "ok"})

    def route_echo(self, rest: list[str], query: dict[str, str]) -> None:
        body = self._body()
        text = body.decode(errors="replace")
        try:
            parsed: Any = json.loads(text) if text else None
        except ValueError:
            parsed = None
        self._json(
            200,
            {
                "method": self.command,
                "path": urlsplit(self.path).path,
                "query": query,
                "headers": dict(self.headers),
                "body": text,
                "json": parsed,
                "size": len(body),
                "sha256": hashlib.sha256(body).hexdigest(),
            },
        )

    def route_login(self, rest: list[str], query: dict[str, str]) -> None:
        try:
            credentials = json.loads(self._body() or b"{}")
        except ValueError:
            self._json(400, {"error": 'send JSON: {"username": ..., "password": ...}'})
            return
        if credentials.get("password") != DEMO_PASSWORD:
            self._json(401, {"error": "wrong username or password"})
            return
        token = secrets.token_hex(16)
        self.server.tokens.add(token)
        self._json(200, {"token": token, "user": {"name": credentials.get("username", "demo")}})

    def route_me(self, rest: list[str], query: dict[str, str]) -> None:
        token = (self.headers.get("Authorization") or "").removeprefix("Bearer ").strip()
        if token not in self.server.tokens:
            self._json(
                401,
                {"error": "log in first: send Authorization: Bearer TOKEN"},
                {"WWW-Authenticate": "Bearer"},
            )
            return
        self._json(200, {"user": USERS[0], "token_ok": True})

    def route_users(self, rest: list[str], query: dict[str, str]) -> None:
        if self.command == "POST":
            try:
                user = json.loads(self._body() or b"{}")
            except ValueError as exc:
                self._json(400, {"error": f"body is not JSON: {exc}"})
                return
            self._json(201, {"id": len(USERS) + 1, **user}, {"Location": f"/users/{len(USERS) + 1}"})
        elif rest:
            found = next((u for u in USERS if str(u["id"]) == rest[0]), None)
            self._json(200 if found else 404, found or {"error": f"no user {rest[0]}"})
        else:
            limit = int(query.get("limit", len(USERS)))
            active = query.get("active")
            users = [u for u in USERS if active is None or str(u["active"]).lower() == active.lower()]
            self._json(200, {"items": users[:limit], "total": len(users)})

    def route_form(self, rest: list[str], query: dict[str, str]) -> None:
        fields = {k: v[-1] for k, v in parse_qs(self._body().decode()).items()}
        self._json(200, {"form": fields, "content_type": self.headers.get("Content-Type")})

    def route_upload(self, rest: list[str], query: dict[str, str]) -> None:
        """A multipart/form-data form: its fields, and each file's name, type, size and SHA-256."""
        from email.parser import BytesParser
        from email.policy import HTTP

        content_type = self.headers.get("Content-Type") or ""
        if not content_type.startswith("multipart/form-data"):
            self._json(400, {"error": "send multipart/form-data"})
            return
        message = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {content_type}\r\n\r\n".encode() + self._body())
        fields: dict[str, str] = {}
        files: dict[str, list[dict[str, Any]]] = {}
        for part in message.iter_parts():
            name = str(part.get_param("name", header="content-disposition") or "")
            payload = part.get_payload(decode=True)
            data = payload if isinstance(payload, bytes) else b""
            if part.get_filename() is None:
                fields[name] = data.decode(errors="replace")
            else:
                files.setdefault(name, []).append(
                    {
                        "filename": part.get_filename(),
                        "content_type": part.get_content_type(),
                        "size": len(data),
                        "sha256": hashlib.sha256(data).hexdigest(),
                    }
                )
        self._json(200, {"fields": fields, "files": files})

    def route_status(self, rest: list[str], query: dict[str, str]) -> None:
        code = int(rest[0]) if rest and rest[0].isdigit() else 400
        phrase = HTTPStatus(code).phrase if code in HTTPStatus._value2member_map_ else "Custom"
        self._json(code, {"status": code, "phrase": phrase})

    def route_slow(self, rest: list[str], query: dict[str, str]) -> None:
        time.sleep(int(query.get("ms", "1000")) / 1000)
        self._json(200, {"slept_ms": int(query.get("ms", "1000"))})

    def route_redirect(self, rest: list[str], query: dict[str, str]) -> None:
        self._send(302, b"", "text/plain", {"Location": query.get("to", "/health")})

    def route_bytes(self, rest: list[str], query: dict[str, str]) -> None:
        size = int(query.get("size", "1024"))
        self.send_response(200)
        self.send_header("Content-Type", query.get("type", "application/octet-stream"))
        self.send_header("Content-Length", str(size))
        self.end_headers()
        block = (
            bytes(range(256)) * 256
            if query.get("type", "").startswith("application/octet") or "type" not in query
            else b"x" * 65536
        )
        sent = 0
        while sent < size:
            chunk = block[: min(len(block), size - sent)]
            self.wfile.write(chunk)
            sent += len(chunk)

    def route_events(self, rest: list[str], query: dict[str, str]) -> None:
        """An event stream: `count` events, `interval` ms apart, with names, ids and multi-line data."""
        count = int(query.get("count", "5"))
        interval = int(query.get("interval", "100")) / 1000
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        try:
            self.wfile.write(b": demo event stream\nretry: 3000\n\n")
            for i in range(1, count + 1):
                price = round(100 + i * 1.25, 2)
                lines = [f"id: {i}", "event: tick" if i % 3 else "event: summary"]
                if i % 3:
                    lines.append(f'data: {{"seq": {i}, "symbol": "VOID", "price": {price}}}')
                else:
                    lines += [f"data: summary after {i} ticks", "data: (a multi-line event)"]
                self.wfile.write(("\n".join(lines) + "\n\n").encode())
                self.wfile.flush()
                if i < count:
                    time.sleep(interval)
        except (BrokenPipeError, ConnectionResetError):
            pass


class DemoHttpServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, port: int = 0, tls: ssl.SSLContext | None = None) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        if tls is not None:
            self.socket = tls.wrap_socket(self.socket, server_side=True)
        self.scheme = "https" if tls is not None else "http"
        self.tokens: set[str] = set()
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.server_address[1]}"

    def start(self) -> DemoHttpServer:
        self._thread = threading.Thread(target=self.serve_forever, name="voiden demo http", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> DemoHttpServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
